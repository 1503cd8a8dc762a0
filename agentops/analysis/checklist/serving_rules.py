"""Readiness rules about promotion, serving and monitoring (see `checklist_rules` for the shape).

MLflow keeps only the current alias, so the graph sees past promotions through the model
versions' promotion tags (`promoted_at`, `promoted_by`) and the deployment nodes it has recorded;
the rules read both and say which one they used.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from agentops.analysis.checklist.facts import BOT_AUTHOR, LineageFacts, param_items
from agentops.analysis.checklist.rules import (
    MISSING,
    PARTIAL,
    PRESENT,
    SHOWN,
    UNKNOWN,
    Judgement,
    Rule,
    listed,
    rule,
    short,
    validation_evidence,
)
from agentops.analysis.metric_direction import lower_is_better
from agentops.analysis.rootcause.baseline import Version
from agentops.analysis.rootcause.data_changes import TIME_NAME
from graph.attributes import (
    DataEdgeAttrs,
    DatasetAttrs,
    DeploymentAttrs,
    ModelVersionAttrs,
)
from graph.refs import EdgeKind

CANARY = re.compile(r"(canary|shadow|challenger|candidate|staging|preprod|pre-prod)", re.I)
TRAFFIC_KEYS = ("weight", "traffic", "traffic_percent", "percent", "split")
RULES: list[Rule] = []  # this module's rules, in report order
GATE_DROP = 0.05  # a relative regression beyond this on the version's own run should stop it
SERVING_CONTEXT = ("serving", "inference", "online", "production", "prediction")
SERVING_PREFIXES = ("serve.", "serving.", "inference.", "online.")
OWNER_KEYS = ("producer", "owner", "ownership", "steward")
EPOCH_SECONDS = (1e9, 1e10)  # 2001..2286 as Unix seconds
EPOCH_MILLIS = (1e12, 1e13)


def _version_label(version: Version) -> str:
    return version.ref.rsplit("/", 1)[-1]


def _aliases(facts: LineageFacts) -> dict[str, list[str]]:
    """Alias or environment name → the versions seen under it (deployments and model attrs)."""
    seen: dict[str, list[str]] = {}
    for node in facts.deployments:
        deployment = DeploymentAttrs(node)
        name = deployment.alias or node.name.split("/")[-1]
        seen.setdefault(name, []).append(deployment.version or node.ref)
    for version in facts.versions:
        for alias in ModelVersionAttrs(version.model).aliases:
            seen.setdefault(alias, []).append(_version_label(version))
    return seen


@rule(
    RULES,
    "infra-4",
    looked_for="the headline metric of the bad version's own training/evaluation run against "
    "the good version's run, and whether the bad version was promoted anyway",
)
def validated_before_serving(facts: LineageFacts) -> Judgement:
    """Infra-4 asks for a quality gate before serving. When the bad version's own run already
    logged a worse headline metric than the version it replaced (beyond 5% relative, in the
    metric's direction: lower is better for loss, error and latency names, higher otherwise)
    and it was promoted all the same, no gate ran. When its own run looked fine the gate could
    not have caught it: unknown, and said so."""
    symptom = facts.report.symptom
    metric = symptom.metric if symptom else None
    if metric is None or facts.good is None:
        return Judgement(UNKNOWN, ["no headline metric or no good version to compare with"])
    bad_value = facts.bad.metrics.get(metric)
    good_value = facts.good.metrics.get(metric)
    if bad_value is None or good_value is None or good_value == 0:
        return Judgement(UNKNOWN, [f"{metric} is not logged on both versions' runs"])
    change = (bad_value - good_value) / abs(good_value)
    worse = change > GATE_DROP if lower_is_better(metric) else change < -GATE_DROP
    line = (
        f"{facts.bad.ref}'s run logged {metric} {bad_value:.4g} vs {good_value:.4g} for "
        f"{facts.good.ref} ({change:+.1%})"
    )
    if worse and facts.bad.served:
        return Judgement(MISSING, [line, "it was promoted all the same: no gate stopped it"])
    if worse:
        return Judgement(PARTIAL, [line, "it has not been promoted (a gate may have held it)"])
    return Judgement(
        UNKNOWN,
        [line, "its own run showed no regression, so an offline gate on it would have passed"],
    )


@rule(
    RULES,
    "infra-6",
    "ready-infra-2",
    looked_for="aliases and deployment environments of the model named like canary, shadow, "
    "challenger, candidate or staging, or deployments carrying a traffic weight",
)
def canaried(facts: LineageFacts) -> Judgement:
    """Models are canaried before serving: the graph would show a canary-like alias or a
    partial-traffic deployment. Seeing only the production alias means versions went straight
    to it. Partial when canaries exist but the bad version never went through one."""
    aliases = _aliases(facts)
    weighted = [
        node.ref for node in facts.deployments if any(key in node.attrs for key in TRAFFIC_KEYS)
    ]
    canaries = {name: versions for name, versions in aliases.items() if CANARY.search(name)}
    served = [v for v in facts.versions if v.served]
    found = [
        "aliases seen: " + (", ".join(sorted(aliases)) or "none"),
        f"{len(facts.deployments)} deployment node(s), {len(served)} version(s) with a promotion",
    ]
    if not canaries and not weighted:
        return Judgement(MISSING, [*found, "no canary alias and no partial-traffic deployment"])
    mine = _version_label(facts.bad)
    if any(mine in versions for versions in canaries.values()):
        return Judgement(PRESENT, found)
    return Judgement(PARTIAL, [*found, f"{facts.bad.ref} was not seen under a canary alias"])


@rule(
    RULES,
    "infra-7",
    looked_for="earlier versions of the model that served (promotion tags or deployments), and "
    "a move of the serving alias back to an older version (a rollback or a drill)",
)
def rollback_ready(facts: LineageFacts) -> Judgement:
    """Serving models can be rolled back: there must be an earlier served version to go back
    to (else "no rollback target": only one version ever served), and ideally the history shows
    the move has been made before the bad promotion (deployment `previous_version` above
    `version`, or promotions whose version numbers go down)."""
    cutoff = facts.bad.promoted_at or facts.bad.trained_at
    targets = [
        v
        for v in facts.versions
        if v.ref != facts.bad.ref
        and v.served
        and (cutoff is None or (v.promoted_at or cutoff) < cutoff)
    ]
    if not targets:
        return Judgement(
            MISSING, [f"no version of {facts.bad.model.name} served before the bad one"]
        )
    found = [f"earlier served versions: {', '.join(v.ref for v in targets[-SHOWN:])}"]
    moves = [  # before the bad promotion: the bad promotion itself is no drill
        node.ref
        for node in facts.deployments
        if _number(DeploymentAttrs(node).previous_version) > _number(DeploymentAttrs(node).version)
        and (cutoff is None or (node.at is not None and node.at < cutoff))
    ]
    promoted = sorted(
        (v for v in facts.versions if v.promoted_at and (cutoff is None or v.promoted_at < cutoff)),
        key=lambda v: v.promoted_at,
    )
    moves += [
        f"{b.ref} promoted after {a.ref}"
        for a, b in zip(promoted, promoted[1:], strict=False)
        if b.number < a.number
    ]
    if moves:
        return Judgement(PRESENT, [*found, f"rollbacks seen: {', '.join(moves[:3])}"])
    return Judgement(PARTIAL, [*found, "no move back to an older version seen (no rollback drill)"])


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return float("-inf")


@rule(
    RULES,
    "ready-gov-3",
    looked_for="who promoted each served version (a promoted_by tag or a deployment node)",
)
def promotions_recorded(facts: LineageFacts) -> Judgement:
    """Every promotion is recorded with who and when."""
    served = [v for v in facts.versions if v.served]
    anonymous = [
        v.ref for v in served if not ModelVersionAttrs(v.model).promoted_by and not v.deployments
    ]
    found = [f"{len(served) - len(anonymous)} of {len(served)} served versions name a promoter"]
    if anonymous:
        found.append(f"no promoter recorded: {', '.join(anonymous[:SHOWN])}")
    if not served:
        return Judgement(UNKNOWN, ["no promotion recorded at all"])
    return Judgement(PARTIAL if anonymous else PRESENT, found)


# -- monitoring ------------------------------------------------------------------------------------


@rule(
    RULES,
    "monitoring-1",
    looked_for="dependency-update commits opened by a bot (dependabot, renovate) in the recent "
    "history, and an owner or producer recorded on the bad run's input datasets",
)
def dependency_notifications(facts: LineageFacts) -> Judgement:
    """Dependency changes result in notification: for libraries, bot-opened update commits show
    a watcher exists; for upstream data, a recorded producer/owner (OpenLineage producer,
    ownership facet) shows who announces changes. Both: present; one: partial."""
    bot_commits = sorted(
        {
            short(entry.sha)
            for entry in facts.commit_files
            if entry.kind == "dependency" and BOT_AUTHOR.search(facts.authors.get(entry.sha, ""))
        }
    )
    owned = [
        node.ref
        for node, attrs in facts.bad.inputs
        if any(key in node.attrs or key in DatasetAttrs(node).facets for key in OWNER_KEYS)
    ]
    found = [
        f"bot dependency updates: {', '.join(bot_commits[:3])}"
        if bot_commits
        else "no bot-opened dependency update in the recent history",
        f"input datasets with a recorded owner/producer: {', '.join(owned[:3])}"
        if owned
        else f"none of the {len(facts.bad.inputs)} input datasets records an owner or producer",
    ]
    status = {2: PRESENT, 1: PARTIAL, 0: MISSING}[bool(bot_commits) + bool(owned)]
    return Judgement(status, found)


def _serving_inputs(facts: LineageFacts) -> list[str]:
    """Datasets read in a serving context near the bad version (its deployments, its inputs'
    readers): edges whose context says serving/inference/online/production."""
    refs = [node.ref for node in facts.deployments]
    edges = facts.store.edges_of(refs) if refs else []
    edges += facts.input_edges
    return sorted(
        {
            edge.src
            for edge in edges
            if edge.kind is EdgeKind.INPUT
            and (DataEdgeAttrs(edge.attrs).context or "").lower() in SERVING_CONTEXT
        }
    )


@rule(
    RULES,
    "monitoring-2",
    looked_for="validation of the training inputs (as for data-1) and serving-side inputs "
    "(datasets read in a serving/inference context) validated the same way",
)
def invariants_train_and_serve(facts: LineageFacts) -> Judgement:
    """Data invariants hold in training and serving: the same checks on both sides. Missing
    when even the training inputs show no validation; partial when only training is covered."""
    strong, _ = validation_evidence(facts)
    serving = _serving_inputs(facts)
    if not strong:
        found = ["no validation evidence on the training inputs (see data-1)"]
        found.append(
            f"serving inputs seen: {', '.join(serving[:3])}" if serving else "no serving inputs"
        )
        return Judgement(MISSING, found)
    if not serving:
        return Judgement(PARTIAL, [*listed(strong), "no serving-side inputs in the graph"])
    return Judgement(PRESENT, [*listed(strong), f"serving inputs: {', '.join(serving[:3])}"])


@rule(
    RULES,
    "monitoring-3",
    looked_for="a run comparing serving inputs with training features (reading a serving-context "
    "dataset), and training/serving parameter pairs on the bad run (key vs serve.key)",
)
def skew_checked(facts: LineageFacts) -> Judgement:
    """Training and serving compute the same features: a skew check run would read serving
    logs. Parameter pairs that differ between the training and serving side of the same run
    (`features.x` vs `serve.features.x`) are listed: nothing in the graph guards their parity."""
    serving = _serving_inputs(facts)
    params = {k: v for k, v in param_items(facts.bad.run).items()}
    differing = []
    for key, value in sorted(params.items()):
        for prefix in SERVING_PREFIXES:
            if key.startswith(prefix) and key.removeprefix(prefix) in params:
                train_value = params[key.removeprefix(prefix)]
                if str(train_value) != str(value):
                    differing.append(f"{key.removeprefix(prefix)}={train_value} but {key}={value}")
    found = [
        f"serving inputs: {', '.join(serving[:3])}"
        if serving
        else "no serving-feature dataset and no skew-check run in the graph",
        *listed([f"training/serving params differ: {line}" for line in differing]),
    ]
    return Judgement(PARTIAL if serving else MISSING, found)


def _latest_data_time(facts: LineageFacts) -> tuple[datetime | None, str]:
    """The newest time in the bad run's training inputs: a temporal column's maximum, else a
    numeric column with a time-like name holding Unix seconds or milliseconds."""
    best: tuple[datetime | None, str] = (None, "")
    for node, attrs in facts.bad.inputs:
        if DataEdgeAttrs(attrs).context == "eval":
            continue
        for column in DatasetAttrs(node).profile_columns:
            moment = None
            if column.get("kind") == "temporal" and isinstance(column.get("max"), str):
                try:
                    moment = datetime.fromisoformat(column["max"])
                except ValueError:
                    moment = None
            elif column.get("kind") == "numeric" and TIME_NAME.search(str(column.get("name"))):
                value = column.get("max")
                if isinstance(value, (int, float)) and EPOCH_SECONDS[0] <= value < EPOCH_SECONDS[1]:
                    moment = datetime.fromtimestamp(value, UTC)
                elif isinstance(value, (int, float)) and EPOCH_MILLIS[0] <= value < EPOCH_MILLIS[1]:
                    moment = datetime.fromtimestamp(value / 1000, UTC)
            if moment is not None:
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
                if best[0] is None or moment > best[0]:
                    best = (moment, f"{node.name}.{column.get('name')}")
    return best


@rule(
    RULES,
    "monitoring-4",
    looked_for="the newest time in the bad run's training inputs (a temporal column, or a "
    "time-named numeric column in Unix time) and when the version was promoted",
)
def staleness_known(facts: LineageFacts) -> Judgement:
    """Model staleness can be watched only if the data's age is readable. The graph can give
    the age at promotion; an alert threshold would live in monitoring, which the graph does not
    hold, so the best status here is partial."""
    latest, column = _latest_data_time(facts)
    if latest is None:
        return Judgement(
            MISSING, ["no training input records a time column, so data age cannot be read"]
        )
    when = facts.bad.promoted_at or facts.bad.trained_at
    found = [f"newest training data: {latest.isoformat()} ({column})"]
    if when is not None:
        found.append(f"data age when {facts.bad.ref} was promoted: {(when - latest).days} day(s)")
    found.append("no staleness alert threshold is recorded in the graph")
    return Judgement(PARTIAL, found)
