"""`agentops rollback plan`: what to roll back to, whether that fixes it, and how to do it safely.

Starting from a root-cause report (computed here when not given), the plan:
- says *not* to roll back when no change in the lineage explains the symptom;
- says a model rollback will *not* fix it when a cause sits outside the model (serving config,
  data serving reads, the evaluation set), and plans the data pin, config revert or roll-forward
  from the cause's failure-mode card and the runbook cards instead;
- otherwise picks the newest version that served without an incident and whose lineage carries
  none of the causes, says why it is known good, checks it can read today's data, and gives the
  exact alias move, the canary steps with gates and abort conditions, verification, how to undo,
  what to keep for the postmortem and the follow-ups (including the checks that would have
  caught it).

Only a plan whose action is an alias move can be executed, by a person, with
`agentops rollback apply` (`agentops.analysis.rollback.apply`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentops.analysis import builtin_library
from agentops.analysis.metric_direction import higher_is_better
from agentops.analysis.rollback.causes import assess, serving_binding
from agentops.analysis.rollback.checks import (
    NoiseBand,
    abort_conditions,
    canary_steps,
    noise_band,
    schema_checks,
)
from agentops.analysis.rollback.plan import Action, AliasMove, CauseAssessment, RollbackPlan
from agentops.analysis.rollback.steps import (
    communication,
    follow_ups,
    keep_for_postmortem,
    known_good,
    runbook_steps,
    trigger_lines,
    undo_lines,
)
from agentops.analysis.rollback.target import (
    ServiceRecord,
    VersionLineage,
    model_name,
    served_until,
    service_record,
    version_lineage,
    versions_of,
)
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE, RootCauseReport
from agentops.errors import UsageError
from graph.attributes import DeploymentAttrs, ModelVersionAttrs, RunAttrs
from graph.errors import RefError
from graph.ingest.mlflow.registry import iso_ms
from graph.model import utc_now
from graph.refs import NodeKind

if TYPE_CHECKING:
    from graph.model import Node
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

__all__ = ["RollbackPlan", "plan"]

DEFAULT_ALIAS = "champion"
MAX_SKIPPED = 10
HISTORY_VERSIONS = 8


def plan(
    store: LineageStore,
    bad: str,
    to: str | None = None,
    library: KnowledgeLibrary | None = None,
    report: RootCauseReport | None = None,
    *,
    root: Path | None = None,
    tracking_uri: str | None = None,
    now: datetime | None = None,
) -> RollbackPlan:
    """A rollback plan for BAD (a model version, deployment or incident).

    `to` forces the target (validated: same model, not BAD, its lineage free of the causes).
    `root` resolves a relative SQLite tracking URI recorded in the graph; `tracking_uri`
    overrides the registry the plan's alias move is aimed at.
    """
    if library is None:
        library = builtin_library()
    if report is None:
        from agentops.analysis.rootcause import explain

        report = explain(store, bad, library=library)
    name, _ = model_name(report.bad)
    bad_node = store.get(report.bad)
    if bad_node is None:
        raise RefError(f"{report.bad} is not in the graph", hint="run `agentops sync` first")
    serving = serving_binding(store, name)
    ctx = _Context(store, report, library, bad_node, versions_of(store, name), serving.alias)
    result = RollbackPlan(
        bad=report.bad,
        model=name,
        verdict=report.verdict,
        action=Action.NONE,
        roll_back=False,
        reason="",
        created_at=iso_ms(now or utc_now()),
        incident=report.incident,
        symptom=report.symptom,
    )
    bad_lineage = version_lineage(store, report.bad)
    result.causes = [assess(store, cause, library, bad_lineage, serving) for cause in report.causes]
    forced = _forced_target(store, to, report.bad, name) if to else None
    no_cause = report.verdict == NO_LINEAGE_CAUSE or not result.causes
    result.trigger = trigger_lines(store, report, result, _symptom_band(ctx))
    if no_cause and forced is None:
        _no_rollback(ctx, result)
        return result
    result.model_rollback_fixes = (
        None if no_cause else all(cause.fixed_by_rollback for cause in result.causes)
    )
    if forced is None and not result.model_rollback_fixes:
        _other_remedy(ctx, result)
        return result
    if forced is not None:
        target, record = forced, _record(store, forced.model, report.good)
        _check_forced(result, target, record, no_cause)
        if result.model_rollback_fixes is False:
            result.warnings.append(
                "a model rollback will not fix it (see the causes): this plan rolls back only "
                "because --to asked for it"
            )
    else:
        target, record = _choose_target(ctx, result)
    if target is None or record is None:
        _nothing_to_roll_back_to(ctx, result)
        return result
    _rollback(
        ctx,
        result,
        target,
        record,
        _absolute_uri(tracking_uri or ModelVersionAttrs(bad_node).tracking_uri, root),
    )
    return result


@dataclass(slots=True)
class _Context:
    """What every part of the plan reads."""

    store: LineageStore
    report: RootCauseReport
    library: KnowledgeLibrary
    bad_node: Node
    versions: list[Node]  # every version of the model, newest first
    serving_alias: str | None


def _record(store: LineageStore, model: str, good: str | None) -> ServiceRecord:
    node = store.get(model)
    if node is None:
        raise RefError(f"{model} is not in the graph")
    return service_record(store, node, was_champion=model == good)


def _forced_target(store: LineageStore, to: str, bad: str, name: str) -> VersionLineage:
    ref = store.resolve(to)
    node = store.get(ref)
    if node is None or node.kind is not NodeKind.MODEL:
        raise UsageError(
            f"--to {to}: {ref} is not a model version",
            hint=f"give a version of {name}, e.g. {name}/<version>",
        )
    if node.name != name:
        raise UsageError(
            f"--to {ref} is a version of {node.name}, not of {name}",
            hint=f"roll back to a version of the same registered model ({name})",
        )
    if ref == bad:
        raise UsageError(f"--to {ref} is the bad version itself", hint="pick an earlier version")
    return version_lineage(store, ref)


def _check_forced(
    result: RollbackPlan, target: VersionLineage, record: ServiceRecord, no_cause: bool
) -> None:
    carried = [cause.ref for cause in result.causes if target.contains(cause.ref)]
    if carried:
        raise UsageError(
            f"--to {target.model} carries the cause it should undo: {', '.join(carried)}",
            hint="pick a version made without it, or leave out --to to have one chosen",
        )
    if no_cause:
        result.warnings.append(
            "the root-cause analysis found no change in the lineage that explains the symptom: "
            "this plan rolls back only because --to asked for it"
        )
    if not record.served:
        result.warnings.append(f"{target.model} never served: nothing shows it works in production")
    if record.incidents:
        result.warnings.append(
            f"{target.model} is named by {', '.join(record.incidents)}: it was not trouble-free"
        )


def _choose_target(
    ctx: _Context, result: RollbackPlan
) -> tuple[VersionLineage | None, ServiceRecord | None]:
    """The newest version that served, has no incident, and carries none of the causes."""
    for node in ctx.versions:
        if node.ref == ctx.report.bad:
            continue
        record = service_record(ctx.store, node, was_champion=node.ref == ctx.report.good)
        if not record.served:
            why_not = "never served (no deployment, promotion tag or champion record)"
        elif record.incidents:
            why_not = f"named by {', '.join(record.incidents)}"
        else:
            lineage = version_lineage(ctx.store, node.ref)
            carried = [cause.ref for cause in result.causes if lineage.contains(cause.ref)]
            if not carried:
                return lineage, record
            why_not = f"its lineage carries {', '.join(carried)}"
        if len(result.skipped) < MAX_SKIPPED:
            result.skipped.append({"model": node.ref, "why": why_not})
    return None, None


def _finish(ctx: _Context, result: RollbackPlan) -> None:
    result.communication = communication(result, ctx.report)
    result.keep = keep_for_postmortem(ctx.store, result, ctx.report)
    result.follow_ups = follow_ups(ctx.library, result, ctx.report)


def _no_rollback(ctx: _Context, result: RollbackPlan) -> None:
    notes = ctx.report.notes
    result.action = Action.NONE
    result.reason = (
        "Do not roll back: no change in the lineage explains the symptom"
        + (f" ({'; '.join(notes)})" if notes else "")
        + ". An older version is no better by any evidence in the lineage, and moving the alias "
        "would hide the signal; look outside the lineage (served traffic, seed noise) first."
    )
    result.verification = [
        "compare the symptom with the metric's usual version-to-version move (the trigger "
        "above) before acting",
        "check the served traffic mix against the evaluation data (new user segments, campaigns)",
    ]
    _finish(ctx, result)


def _nothing_to_roll_back_to(ctx: _Context, result: RollbackPlan) -> None:
    result.action = Action.ROLL_FORWARD
    result.reason = (
        "A model rollback is not possible: no other version of the model served without an "
        "incident and without the causes in its lineage, so roll forward with a fix"
    )
    result.runbooks = runbook_steps(
        ctx.library, [Action.ROLL_FORWARD.value, "canary-rollout"], result
    )
    _gates(ctx, result, ctx.report.good)
    result.verification = [line for book in result.runbooks for line in book.verify]
    _finish(ctx, result)


def _other_remedy(ctx: _Context, result: RollbackPlan) -> None:
    """A cause a model rollback does not reach: plan its own remedy instead."""
    unfixed = [cause for cause in result.causes if not cause.fixed_by_rollback]
    remedies = [cause.remedy or Action.ROLL_FORWARD for cause in unfixed]
    result.action = Action(remedies[0])
    result.reason = "A model rollback will not fix it: " + "; ".join(
        f"{cause.ref}: {cause.reason}" for cause in unfixed
    )
    fixed = [cause.ref for cause in result.causes if cause.fixed_by_rollback]
    if fixed:
        result.reason += f". A rollback would undo {', '.join(fixed)} only; fix the rest first"
    ids = list(dict.fromkeys([remedy.value for remedy in remedies]))
    measurement = [cause for cause in unfixed if cause.side == "evaluation"]
    if result.action is not Action.DATA_PIN or not measurement:
        ids.append("canary-rollout")
        _gates(ctx, result, ctx.report.good)
    result.runbooks = runbook_steps(ctx.library, ids, result)
    for cause in measurement:
        pinned = cause.previous or "the evaluation set the good version was scored on"
        result.verification.append(
            f"score {ctx.report.bad} and {ctx.report.good or 'the last good version'} on "
            f"{pinned}: if they match, the model is fine — re-baseline the metric on "
            f"{cause.ref} and close the incident as a measurement change"
        )
    result.verification += [line for book in result.runbooks for line in book.verify]
    result.undo = [line for book in result.runbooks for line in book.undo]
    _finish(ctx, result)


def _metric_history(ctx: _Context, metric: str, upto: str | None = None) -> list[float]:
    """The metric in the runs of recently served versions, oldest first, BAD left out;
    with `upto`, only versions at or below it in the (newest-first) version order."""
    picked = []
    started = upto is None
    for node in ctx.versions:
        started = started or node.ref == upto
        version = ModelVersionAttrs(node)
        served = version.tags.get("promoted_at") or version.aliases
        if not started or node.ref == ctx.report.bad or not served:
            continue
        if version.run_id:
            picked.append(f"run:{version.run_id}")
        if len(picked) >= HISTORY_VERSIONS:
            break
    runs = ctx.store.get_many(picked[::-1])  # oldest first: the band is made of moves
    return [value for run in runs if (value := RunAttrs(run).metric(metric)) is not None]


def _symptom_band(ctx: _Context) -> NoiseBand | None:
    symptom = ctx.report.symptom
    if symptom is None or symptom.baseline is None:
        return None
    return noise_band(symptom.metric, symptom.baseline, _metric_history(ctx, symptom.metric))


def _gates(ctx: _Context, result: RollbackPlan, reference: str | None) -> None:
    """Canary steps gated on the symptom metric near `reference`'s recorded value."""
    symptom = result.symptom
    if symptom is None:
        return
    lineage = version_lineage(ctx.store, reference) if reference else None
    metrics = lineage.metrics if lineage else {}
    value = metrics.get(symptom.metric, symptom.baseline)
    better_high = higher_is_better(symptom.metric, symptom.baseline, symptom.observed)
    history = _metric_history(ctx, symptom.metric, upto=reference)
    result.noise = noise_band(symptom.metric, value, history) if value is not None else None
    label = f"{reference}'s recorded" if reference else "the last good"
    result.canary = canary_steps(symptom.metric, value, result.noise, better_high, metrics, label)
    result.abort = abort_conditions(symptom.metric)


def _named(cause: CauseAssessment) -> str:
    """A cause as a sentence names it: `commit 457edefdc7 (feature-code-bug)`."""
    kind, _, name = cause.ref.partition(":")
    shown = f"{kind} {name[:10] if kind == 'commit' else name}"
    return f"{shown} ({cause.card})" if cause.card else shown


def _alias_and_pointer(ctx: _Context) -> tuple[str, str | None]:
    """Which alias serves BAD, and which version the graph says it points at now."""
    aliases = ModelVersionAttrs(ctx.bad_node).aliases
    if ctx.serving_alias and ctx.serving_alias in aliases:
        alias = ctx.serving_alias
    elif DEFAULT_ALIAS in aliases:
        alias = DEFAULT_ALIAS
    elif aliases:
        alias = sorted(aliases)[0]
    else:
        alias = ctx.serving_alias or DEFAULT_ALIAS
    for node in ctx.versions:
        version = ModelVersionAttrs(node)
        if alias in version.aliases:
            return alias, version.version or node.ref.rsplit("/", 1)[1]
    moves = [
        move
        for node in ctx.store.find(NodeKind.DEPLOYMENT, name=f"{ctx.bad_node.name}/{alias}")
        if (move := DeploymentAttrs(node).version) is not None
    ]
    return alias, (moves[-1] if moves else None)


def _absolute_uri(uri: str | None, root: Path | None) -> str | None:
    """A relative SQLite path (as agentops.toml allows) made absolute against the project;
    a password in the URI is masked (plans are files people share)."""
    from graph.ingest.mlflow.client import masked_uri

    if uri is None:
        return None
    prefix = "sqlite:///"
    if root is not None and uri.startswith(prefix):
        path = uri.removeprefix(prefix)
        if not path.startswith("/") and ":memory:" not in path:
            uri = f"{prefix}{(Path(root) / path).resolve()}"
    return masked_uri(uri)


def _rollback(
    ctx: _Context,
    result: RollbackPlan,
    target: VersionLineage,
    record: ServiceRecord,
    uri: str | None,
) -> None:
    report = ctx.report
    result.action, result.roll_back = Action.ROLLBACK_ALIAS, True
    result.target, result.target_service = target, record
    target_node = ctx.store.get(target.model)
    record.until = served_until(target_node, ctx.versions) if target_node else None
    alias, pointer = _alias_and_pointer(ctx)
    _, bad_version = model_name(report.bad)
    if pointer is None:
        result.warnings.append(f"the graph does not say where alias {alias} points now")
    elif pointer != bad_version:
        result.warnings.append(
            f"alias {alias} points at version {pointer} now, not at the bad version "
            f"{bad_version}: check before applying"
        )
    move = result.mechanism = AliasMove(result.model, alias, pointer, target.version, uri)
    # one sentence for the decision, then one per cause: a ref followed by a colon and the
    # cause's own "…: …" reason read as one garbled sentence
    result.reason = f"Roll back {result.model} from version {bad_version} to version " + (
        f"{target.version}."
        + "".join(f" It undoes {_named(cause)}: {cause.reason}." for cause in result.causes)
        if result.causes
        else f"{target.version}, as asked."
    )
    result.known_good = known_good(target, record, report)
    result.compatibility = schema_checks(ctx.store, target)
    for check in result.compatibility:
        if not check.compatible:
            changed = check.missing_columns + [c["column"] for c in check.type_changes]
            result.warnings.append(
                f"{target.model} was made from {check.dataset} with columns that today's "
                f"version lacks or types differently ({', '.join(changed)}): check that what "
                "it reads at serving still has them before applying"
            )
    result.takes_effect = (
        f"The registry changes at once (one API call). Serving picks the version up the next "
        f"time it resolves models:/{result.model}@{alias}: at its next model reload, or after "
        "a rolling restart for servers that load the model only at start-up (minutes for a "
        "small fleet). Caches of predictions keep old answers until they expire."
    )
    _gates(ctx, result, target.model)
    if result.canary:
        result.canary_how = (
            f"Where serving can split traffic: point a second alias (e.g. `rollback-canary`) at "
            f"version {target.version}, route the step's share to models:/{result.model}@"
            f"rollback-canary next to @{alias}, and make the alias move (the mechanism) only at "
            "the last step. Where it cannot: make the move at once and use the gates as checks "
            "after it; an abort is then the undo."
        )
    result.verification = [
        f"the registry answers version {move.to_version}: "
        f"MlflowClient().get_model_version_by_alias({move.model!r}, {move.alias!r}).version",
        f"serving reports version {move.to_version} for models:/{move.model}@{move.alias}",
        "no errors or input-schema failures from the served model",
    ]
    metric = result.symptom.metric if result.symptom else None
    if result.noise and metric and metric in target.metrics:
        result.verification.append(
            f"{metric} back within {result.noise.width:.3g} of {target.metrics[metric]:.4g} "
            "(the target's recorded value) on live traffic"
        )
    result.verification.append(
        f"`agentops lineage downstream {target.model}` shows the new deployment node (written "
        "by `agentops rollback apply`)"
    )
    result.undo = undo_lines(move)
    ids = ["rollback-alias", "canary-rollout"]
    ids += [cause.remedy.value for cause in result.causes if cause.remedy and cause.still_current]
    result.runbooks = runbook_steps(ctx.library, list(dict.fromkeys(ids)), result)
    _finish(ctx, result)
