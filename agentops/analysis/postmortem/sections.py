"""The sections of a postmortem, each rendered from the gathered facts as Markdown lines.

Every value from the graph goes through `postmortem_markdown` (`inline`, `code`, `quote`), and
quoted prose through `Facts.clean`, which withholds people's names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentops.analysis.postmortem.actions import action_items
from agentops.analysis.postmortem.facts import (
    GIT_HISTORY,
    Facts,
    duration,
    fmt_num,
    lineage_path,
    relative,
    symptom_of,
    utc_text,
)
from agentops.analysis.postmortem.markdown import code, fenced, inline, quote, table
from agentops.analysis.postmortem.supporting import commands, suspects_table
from agentops.analysis.postmortem.timeline import to_time
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE
from graph.attributes import RunAttrs

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import Suspect

FILL_IN = "_(to fill in)_"
OTHER_SUSPECTS = 5


def _verdict_sentence(facts: Facts) -> str:
    report = facts.report
    if report is None:
        return f"The root-cause analysis could not run: {inline(facts.analysis_error or '?')}."
    against = f"the last good version {code(report.good)}" if report.good else "no good version"
    if report.verdict == NO_LINEAGE_CAUSE or not facts.causes:
        return (
            f"Compared with {against}, no change in the lineage explains the symptom "
            f"({len(report.suspects)} changes checked); the cause lies outside the lineage."
        )
    named = "; ".join(
        f"{code(c.ref)} ({inline(facts.card_title(c.card) or c.card or c.kind)})"
        for c in facts.causes
    )
    noun = "cause" if len(facts.causes) == 1 else f"{len(facts.causes)} causes"
    return f"Compared with {against}, the analysis found the {noun}: {named}."


def _summary(facts: Facts) -> list[str]:
    incident = facts.incident
    symptom = symptom_of(facts)
    what = code(facts.bad) if facts.bad else "the affected model"
    if symptom and isinstance(symptom[1], int | float) and isinstance(symptom[2], int | float):
        metric, base, seen, _ = symptom
        first = (
            f"{inline(metric)} of {what} went from {fmt_num(base)} to {fmt_num(seen)} "
            f"({relative(base, seen)})"
        )
    else:
        first = f"{what} degraded: {inline(facts.clean(incident.title))}"
    if facts.promotion:
        first += f" after it was promoted on {utc_text(facts.promotion[0])}"
    lines = [f"{first}. {_verdict_sentence(facts)}"]
    if incident.closed_at and incident.opened_at:
        took = duration(incident.closed_at - incident.opened_at)
        lines.append(f"The incident was closed {took} after it was opened.")
    else:
        lines.append("The incident is still open.")
    return [" ".join(lines)]


def _impact(facts: Facts) -> list[str]:
    affected = ", ".join(code(ref) for ref in facts.incident.affects) or code(facts.incident.ref)
    lines = [f"- **Affected:** {affected}"]
    if facts.promotion:
        start = facts.promotion[0]
        end = facts.incident.closed_at
        until = (
            f"until {utc_text(end)} ({duration(end - start)})" if end else "and is still serving"
        )
        lines.append(f"- **Exposure:** served from {utc_text(start)} {until}.")
    lines += [f"- **Users, requests, revenue:** {FILL_IN} (not in the lineage graph)", ""]
    rows = []
    symptom = symptom_of(facts)
    if symptom:
        metric, base, seen, source = symptom
        rows.append(
            [inline(metric), fmt_num(base), fmt_num(seen), relative(base, seen), inline(source)]
        )
    good, bad = facts.good_metrics, facts.bad_metrics
    shown = {symptom[0]} if symptom else set()
    if facts.good_run and facts.bad_run:
        source = "runs (good → bad)"
        for name in sorted(set(good) & set(bad)):
            if name in shown and symptom and symptom[3] != "incident":
                continue
            label = inline(name) + (" (offline)" if name in shown else "")
            rows.append(
                [
                    label,
                    fmt_num(good[name]),
                    fmt_num(bad[name]),
                    relative(good[name], bad[name]),
                    source,
                ]
            )
    if rows:
        lines += table(["metric", "baseline (good)", "observed (bad)", "change", "from"], rows)
    else:
        lines.append("No metric values are recorded for this incident.")
    return lines


def _root_causes(facts: Facts) -> list[str]:
    report = facts.report
    if report is None:
        return [
            f"The root-cause analysis could not run: {inline(facts.analysis_error or '?')}. "
            f"Run {code(f'agentops why {facts.incident.ref}')} once the graph holds the lineage.",
        ]
    lines: list[str] = []
    if report.verdict == NO_LINEAGE_CAUSE or not facts.causes:
        lines += [
            "**No change in the lineage explains the symptom.** Every change between the good "
            "and the bad version was checked and none fits; look outside the lineage (served "
            "traffic, seasonality, seed noise, upstream systems) before rolling anything back.",
            "",
        ]
    for number, cause in enumerate(facts.causes, 1):
        lines += [f"### {number}. {code(cause.ref)} — {inline(facts.clean(cause.summary))}", ""]
        if cause.card:
            title = facts.card_title(cause.card)
            lines.append(
                f"- **Failure mode:** {code(cause.card)}" + (f" — {inline(title)}" if title else "")
            )
        lines.append(f"- **Change type:** {inline(cause.kind)} · **score:** {cause.score:.2f}")
        if cause.previous:
            lines.append(f"- **Replaces:** {code(cause.previous)} (the good version's)")
        if cause.related:
            lines.append("- **Related:** " + ", ".join(code(ref) for ref in cause.related))
        path = lineage_path(facts, cause)
        if path:
            steps = [inline(ref) if ref == GIT_HISTORY else code(ref) for ref in path]
            lines.append("- **Lineage path:** " + " → ".join(steps))
        else:
            lines.append("- **Lineage path:** none stored from this change to the incident.")
        if cause.evidence:
            lines.append("- **Evidence:**")
            lines += [f"  - {inline(facts.clean(item), 400)}" for item in cause.evidence]
        lines.append("")
    lines += _top_hunks(facts, report.suspects[:1])
    others = [s for s in report.suspects if not s.is_cause][:OTHER_SUSPECTS]
    if others:
        lines += ["Other changes in the window, checked and not found to explain it:", ""]
        lines += [
            f"- {code(s.ref)} ({inline(s.kind)}, score {s.score:.2f}): "
            f"{inline(facts.clean(s.summary))}"
            for s in others
        ]
        lines.append("")
    if report.ruled_out:
        lines += ["Ruled out: changes in the window that cannot reach the model:", ""]
        lines += [
            f"- {code(s.ref)} ({inline(s.kind)}): "
            f"{inline(facts.clean(s.relevance.reason if s.relevance else s.summary), 400)}"
            for s in report.ruled_out
        ]
    return lines


def _top_hunks(facts: Facts, top: list[Suspect]) -> list[str]:
    """The lines the top suspect changed, as a diff block (names of people withheld); the
    author is never shown: the postmortem is blameless."""
    details = top[0].details if top else None
    if details is None or not details.hunks:
        return []
    body = "\n".join(
        facts.clean(line)
        for hunk in details.hunks
        for line in (f"--- {hunk.path}", hunk.header, *hunk.lines)
    )
    heading = f"Lines {code(top[0].ref)} changed (from the repository):"
    return [heading, "", fenced(body, "diff"), ""]


def _trigger(facts: Facts) -> list[str]:
    if facts.promotion is None:
        return [f"No promotion of {code(facts.bad or facts.incident.ref)} is recorded. {FILL_IN}"]
    when, how, ref = facts.promotion
    via = f"the alias move {code(ref)}" if how == "alias move" else inline(f"the {how}")
    line = f"{code(facts.bad)} was promoted to production on {utc_text(when)} (from {via})."
    if facts.bad_run is not None:
        started = to_time(RunAttrs(facts.bad_run).started_at) or facts.bad_run.at
        line += f" It was trained by {code(facts.bad_run.ref)}, started {utc_text(started)}"
        data_causes = [c for c in facts.causes if c.ref.startswith(("dataset:", "config:"))]
        if data_causes:
            line += ", which consumed " + ", ".join(code(c.ref) for c in data_causes)
        line += "."
    if any(c.ref == facts.bad for c in facts.causes):
        line += " The promotion itself is the cause: the wrong version was promoted."
    else:
        line += " The promotion turned the latent change into user-facing degradation."
    return [line]


def _resolution(facts: Facts) -> list[str]:
    incident = facts.incident
    lines: list[str] = []
    if incident.closed_at:
        lines.append(f"Closed at {utc_text(incident.closed_at)}.")
        if incident.resolution:
            lines += ["", "Resolution as recorded:", "", quote(facts.clean(incident.resolution))]
        else:
            lines.append(f"What was done: {FILL_IN}")
    else:
        lines.append("Open at the time of writing. Recommended from the causes' runbooks:")
    runbooks = list(dict.fromkeys(r for c in facts.causes for r in c.remediation))
    if runbooks and facts.library:
        lines.append("")
        for runbook_id in runbooks:
            card = facts.library.find(runbook_id)
            title = f" — {inline(card.title)}" if card else ""
            lines.append(f"- {code(runbook_id)}{title}")
    if facts.good:
        lines += [
            "",
            f"Last known-good version: {code(facts.good)}; plan the move with "
            f"{code(f'agentops rollback plan {facts.incident.ref}')}.",
        ]
    symptom = symptom_of(facts)
    if symptom and isinstance(symptom[1], int | float):
        side = "above" if _symptom_fell(symptom) else "below"
        lines += [
            "",
            f"Verify: {inline(symptom[0])} back at or {side} {fmt_num(symptom[1])} on the same "
            "evaluation data.",
        ]
    return lines


def _detection(facts: Facts) -> list[str]:
    incident = facts.incident
    line = f"The incident was opened at {utc_text(incident.opened_at)}"
    if facts.promotion and incident.opened_at:
        line += f", {duration(incident.opened_at - facts.promotion[0])} after the promotion"
    line += "."
    symptom = symptom_of(facts)
    if symptom:
        line += f" The symptom was measured from the {inline(symptom[3])}."
    lines = [line]
    gate = _offline_warning(facts)
    if gate:
        lines += ["", gate]
    checks = _monitoring_checks(facts)
    if checks:
        lines += ["", "Monitoring that would have caught it sooner:", ""]
        lines += [f"- {code(item_id)} {inline(title)}" for item_id, title in checks]
    return lines


def _offline_warning(facts: Facts) -> str | None:
    """When the bad run's own metrics already showed the drop before it was promoted."""
    symptom = symptom_of(facts)
    if not symptom or not facts.good_run or not facts.bad_run or not facts.promotion:
        return None
    name = symptom[0]
    good, bad = facts.good_metrics.get(name), facts.bad_metrics.get(name)
    ended = to_time(RunAttrs(facts.bad_run).ended_at) or facts.bad_run.at
    if good is None or bad is None or ended is None or ended > facts.promotion[0]:
        return None
    worse = bad < good if _symptom_fell(symptom) else bad > good
    if not worse or good == 0 or abs(bad - good) / abs(good) < 0.02:
        return None
    return (
        f"The training run {code(facts.bad_run.ref)} had already logged {inline(name)} = "
        f"{fmt_num(bad)} (good run: {fmt_num(good)}, {relative(good, bad)}) at "
        f"{utc_text(ended)}, before the promotion: a promotion gate on this metric would "
        "have stopped it."
    )


def _symptom_fell(symptom: tuple[str, Any, Any, str]) -> bool:
    _, base, seen, _ = symptom
    if isinstance(base, int | float) and isinstance(seen, int | float):
        return seen < base
    return True


def _monitoring_checks(facts: Facts) -> list[tuple[str, str]]:
    found = []
    for item in action_items(facts.report, facts.library, facts.incident.ref):
        if item.source.startswith("monitoring-"):
            found.append((item.source, item.text))
    return found


def _action_items(facts: Facts) -> list[str]:
    rows = []
    for item in action_items(facts.report, facts.library, facts.incident.ref):
        text = inline(item.text)
        if item.ref:
            text += f" for {code(item.ref, in_table=True)}"
        if item.reason:
            text += f" — {inline(item.reason)}"
        rows.append(
            [text + f" ({code(item.source, in_table=True)})", item.type, item.owner, item.tracking]
        )
    return [
        *table(["action item", "type", "owner", "tracking"], rows),
        "",
        "Types: **mitigate** (reduce impact next time), **prevent** (stop this class of "
        "failure), **process** (how we work). Give every item one owner and a ticket.",
    ]


def _lessons(facts: Facts) -> list[str]:
    well, wrong, lucky = [], [], []
    report = facts.report
    if facts.causes and report:
        first = facts.causes[0]
        well.append(
            f"The lineage graph held every version between {code(report.good)} and "
            f"{code(report.bad)}, so the cause {code(first.ref)} was traced and ranked "
            f"{first.rank} of {len(report.suspects)} changes."
        )
    if facts.good:
        well.append(f"A known-good version ({code(facts.good)}) was identified to return to.")
    for cause in facts.causes:
        wrong.append(
            f"A {inline(cause.kind)} change ({code(cause.ref)}) reached a trained and promoted "
            "model without a check that would have stopped it."
        )
    if _offline_warning(facts):
        # no convention says how fast detection should be, so its time is judged only when the
        # evidence does: the drop was there to see before anyone was exposed to it
        exposed = ""
        if facts.promotion and facts.incident.opened_at:
            delay = facts.incident.opened_at - facts.promotion[0]
            exposed = f"; it served for {duration(delay)} before the incident was opened"
        wrong.append(
            f"The drop was visible in the training run's metrics but did not block it{exposed}."
        )
    if facts.good:
        lucky.append(
            f"{code(facts.good)} was still in the registry, so returning to it needed no retrain."
        )
    lines = []
    for label, items in (
        ("What went well", well),
        ("What went wrong", wrong),
        ("Where we got lucky", lucky),
    ):
        lines.append(f"- **{label}:**")
        lines += [f"  - {item}" for item in items]
        lines.append(f"  - {FILL_IN}")
    return lines


def _timeline(facts: Facts) -> list[str]:
    rows = []
    for event in facts.timeline.sorted():
        what = inline(event.what)
        if event.detail:
            what += ": " + inline(facts.clean(event.detail), 120)
        if event.cause:
            what = f"**{what}** (root cause)"
        ref = code(event.ref, in_table=True) if event.ref else ""
        rows.append([event.at.strftime("%Y-%m-%d %H:%M"), what, ref])
    if not rows:
        return ["No timestamped events are stored for this incident."]
    lines = table(["time (UTC)", "event", "ref"], rows)
    if facts.timeline.omitted_commits:
        lines.append(
            f"\n{facts.timeline.omitted_commits} more commits in the range are not listed."
        )
    return lines


def _supporting(facts: Facts) -> list[str]:
    report = facts.report
    refs = [
        ("incident", facts.incident.ref),
        ("bad version", facts.bad),
        ("good version", facts.good),
        ("bad run", facts.bad_run.ref if facts.bad_run else None),
        ("good run", facts.good_run.ref if facts.good_run else None),
        *[(f"cause {i}", c.ref) for i, c in enumerate(facts.causes, 1)],
    ]
    lines = [f"- {label}: {code(ref)}" for label, ref in refs if ref]
    lines += [
        "",
        "Reproduce the analysis:",
        "",
        commands(facts.incident.ref, report, facts.good, facts.bad),
    ]
    if report and report.suspects:
        lines += ["", "Every change considered:", "", *suspects_table(report)]
    if report and report.notes:
        lines += ["", "Notes from the analysis:", ""]
        lines += [f"- {inline(facts.clean(note), 400)}" for note in report.notes]
    cards = [c.card for c in facts.causes if c.card]
    if cards and facts.library:
        lines += ["", "Knowledge cards: " + ", ".join(code(card) for card in dict.fromkeys(cards))]
    return lines


RENDERERS = {
    "summary": _summary,
    "impact": _impact,
    "root causes": _root_causes,
    "root cause": _root_causes,
    "trigger": _trigger,
    "resolution": _resolution,
    "detection": _detection,
    "action items": _action_items,
    "lessons learned": _lessons,
    "timeline": _timeline,
    "timeline (utc)": _timeline,
    "supporting information": _supporting,
}
