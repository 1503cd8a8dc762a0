"""The people side of a rollback plan: trigger, runbook steps, communication, what to keep and
the follow-ups — worded from the report, the graph and the knowledge cards.

Runbook steps are read from the cards' own Markdown (`## Steps`, `## Verify`, `## Undo` …), so a
team that overrides a runbook card in its knowledge folder gets its own steps in every plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from agentops.analysis.rollback.plan import Action, AliasMove, RunbookSteps
from graph.attributes import IncidentAttrs
from knowledge.errors import CardNotFoundError

if TYPE_CHECKING:
    from agentops.analysis.rollback.checks import NoiseBand
    from agentops.analysis.rollback.plan import RollbackPlan
    from agentops.analysis.rollback.target import ServiceRecord, VersionLineage
    from agentops.analysis.rootcause.report import RootCauseReport
    from graph.store import LineageStore
    from knowledge.card import Card
    from knowledge.library import KnowledgeLibrary

_ITEM = re.compile(r"^\s*(?:\d+\.|[-*])\s+(.*)$")
_HEADING = re.compile(r"^##\s+(.*)$")


def card_section(card: Card, *starts: str) -> list[str]:
    """The list items under the first `## ` heading starting with one of `starts` (continuation
    lines joined, Markdown emphasis kept)."""
    items: list[str] = []
    inside = False
    for line in card.body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            if inside:
                break
            inside = heading.group(1).strip().lower().startswith(tuple(s.lower() for s in starts))
            continue
        if not inside or not line.strip():
            continue
        item = _ITEM.match(line)
        if item:
            items.append(item.group(1).strip())
        elif items:
            items[-1] += " " + line.strip()
    return items


def _why(runbook: str, plan: RollbackPlan) -> str:
    targets = [cause for cause in plan.causes if cause.remedy and cause.remedy.value == runbook]
    if runbook == Action.ROLLBACK_ALIAS.value and plan.mechanism:
        return f"the fix: {plan.mechanism.describe()}"
    if runbook == "canary-rollout":
        return "shift traffic in steps with gates, so a bad move is caught on a small share"
    if targets:
        parts = []
        for cause in targets:
            to = f" back to {cause.previous}" if cause.previous else ""
            if runbook == Action.DATA_PIN.value:
                parts.append(f"pin {cause.ref.split('@', 1)[0]}{to} instead of {cause.ref}")
            elif runbook == Action.CONFIG_REVERT.value:
                keys = f" (commit {', '.join(cause.related)})" if cause.related else ""
                parts.append(f"revert {cause.ref}{to}{keys}")
            else:
                parts.append(f"fix {cause.ref} and ship a new version")
        return "; ".join(parts)
    return "named by the causes' failure-mode cards"


def runbook_steps(
    library: KnowledgeLibrary, ids: list[str], plan: RollbackPlan
) -> list[RunbookSteps]:
    """The steps, checks and undo of each runbook card in `ids` that the library has."""
    out = []
    for runbook in ids:
        card = library.find(runbook)
        if card is None:
            continue
        out.append(
            RunbookSteps(
                id=card.id,
                title=card.title,
                why=_why(card.id, plan),
                steps=card_section(card, "Steps"),
                verify=card_section(card, "Verify"),
                undo=card_section(card, "Undo", "Abort"),
            )
        )
    return out


def trigger_lines(
    store: LineageStore, report: RootCauseReport, plan: RollbackPlan, band: NoiseBand | None
) -> list[str]:
    """What set this off, whether it is beyond the metric's usual move, and who decides."""
    lines = []
    symptom = report.symptom
    if symptom is not None and symptom.baseline is not None and symptom.observed is not None:
        change = symptom.relative_change
        moved = f" ({change:+.1%})" if change is not None else ""
        lines.append(
            f"{symptom.metric} went from {symptom.baseline:.4g} to {symptom.observed:.4g}{moved} "
            f"(from the {symptom.source})"
        )
        worse = "below" if symptom.observed < symptom.baseline else "above"
        width = f" ({band.width:.3g}: {band.basis})" if band else ""
        lines.append(
            f"decide to act when {symptom.metric} stays {worse} the last good value "
            f"{symptom.baseline:.4g} by more than its usual move{width} on two consecutive checks"
        )
        if band is not None:
            gap = abs(symptom.observed - symptom.baseline)
            met = "met" if gap > band.width else "not met"
            lines.append(
                f"the trigger is {met}: {symptom.metric} is {gap:.3g} {worse} the last good "
                f"value, {'more' if gap > band.width else 'no more'} than the usual move "
                f"{band.width:.3g}"
            )
    severity = None
    if report.incident:
        node = store.get(report.incident)
        if node is not None:
            incident = IncidentAttrs(node)
            severity, opened, title = incident.severity, incident.opened_at, incident.title
            lines.append(
                f"incident {report.incident}"
                + (f" ({severity})" if severity else "")
                + (f", opened {opened.isoformat()}" if opened else "")
                + (f": {title}" if title else "")
            )
    decider = (
        "the incident commander decides, the on-call executes"
        if severity in ("SEV1", "SEV2")
        else f"the on-call for {plan.model} decides"
    )
    lines.append(decider)
    return lines


def communication(plan: RollbackPlan, report: RootCauseReport) -> list[str]:
    where = f"the channel of {report.incident}" if report.incident else "the team's ops channel"
    if plan.action is Action.NONE:
        return [
            f"post in {where}: no lineage cause was found, the model stays as it is, and what "
            "is being checked instead",
        ]
    what = plan.mechanism.describe() if plan.mechanism else plan.action.value
    lines = [
        f"before: post in {where} the decision, what changes ({what}), why, the expected time "
        "to take effect, and who executes",
    ]
    if plan.canary:
        lines.append("during: post each canary step with its gate values; post an abort at once")
    return lines + [
        "after: post the verification result and update the incident record with what was "
        "changed and when",
        f"tell whoever promotes {plan.model} that promotions are frozen until the cause is "
        "fixed, and tell the owners of anything downstream of it",
    ]


def keep_for_postmortem(
    store: LineageStore, plan: RollbackPlan, report: RootCauseReport
) -> list[str]:
    keep = [
        f"the bad version {report.bad} stays registered (do not delete or archive it)"
        + (
            f", with its run {report.bad_run}, artifacts and logged inputs"
            if report.bad_run
            else ""
        )
    ]
    refs = [cause.ref for cause in plan.causes]
    if refs:
        keep.append("the versions named as causes: " + ", ".join(refs))
    if report.incident:
        keep.append(f"the incident record {report.incident} and its timeline")
    if plan.action is not Action.NONE:
        keep.append("this plan file (its digest) and the output of the command that applied it")
    if plan.canary:
        keep.append(
            "gate values of every canary step, and serving logs and predictions from "
            "the bad version's promotion until the fix"
        )
    keep.append("a dump of the lineage store as it is now: agentops graph dump > lineage.jsonl")
    return keep


def follow_ups(library: KnowledgeLibrary, plan: RollbackPlan, report: RootCauseReport) -> list[str]:
    """Freeze promotions, finish the fix, and add the checks that would have caught it."""
    items = []
    if plan.action is Action.NONE:
        for card in library.for_change_type("none"):
            items.append(f"rule out {card.id}: {card.title}")
    else:
        items.append(
            f"freeze promotions of {plan.model} until the cause is fixed and a fixed version "
            "passes the canary gates"
        )
    for cause in plan.causes:
        if cause.fixed_by_rollback and cause.remedy and cause.still_current:
            items.append(
                f"{cause.remedy.value} for {cause.ref} before the next retrain: the rollback "
                "does not stop it from being read again"
            )
        elif cause.fixed_by_rollback and cause.remedy:
            items.append(
                f"{cause.remedy.value} for {cause.ref}, then retrain and promote through the canary"
            )
    seen: set[str] = set()
    for card_id in [cause.card for cause in plan.causes] or [
        card.id for card in library.for_change_type("none")
    ]:
        card = library.find(card_id) if card_id else None
        for check in card.checks if card else ():
            if check in seen:
                continue
            seen.add(check)
            try:
                _, item = library.checklist_item(check)
            except CardNotFoundError:  # a team card naming an item no checklist has
                items.append(f"add check {check} (would have caught {card.id})")
                continue
            items.append(f"add check {check} — {item.title} (would have caught {card.id})")
    if plan.action is Action.ROLLBACK_ALIAS:
        items.append("record the canary result on the deployment (ML Test Score infra-6)")
    return items


def undo_lines(move: AliasMove) -> list[str]:
    """The exact reverse alias move (MLflow keeps no alias history: the plan is the record)."""
    if move.from_version is None:
        return [
            "the alias pointed nowhere before: delete it with "
            f"MlflowClient().delete_registered_model_alias({move.model!r}, {move.alias!r})"
        ]
    back = move.reverse()
    return [
        f"move the alias back: {back.python()}",
        f"as one shell line: {back.shell()}",
        "then tell the incident channel why, and escalate: the rollback did not help",
    ]


def known_good(target: VersionLineage, record: ServiceRecord, report: RootCauseReport) -> list[str]:
    lines = []
    if record.served:
        span = f" from {record.since}" if record.since else ""
        span += f" until {record.until}" if record.until else ""
        lines.append(f"it served{span}: " + "; ".join(record.evidence))
    if not record.incidents:
        lines.append("no incident names it or its deployments")
    if report.causes:
        lines.append(
            "its lineage carries none of the causes: " + ", ".join(c.ref for c in report.causes)
        )
    if target.model == report.good:
        lines.append("the root-cause analysis compared against it as the last good version")
    symptom = report.symptom
    if symptom and symptom.metric in target.metrics:
        line = f"{symptom.metric} of its run {target.run}: {target.metrics[symptom.metric]:.4g}"
        if symptom.observed is not None:
            line += f" (the incident saw {symptom.observed:.4g} with {report.bad})"
        lines.append(line)
    return lines
