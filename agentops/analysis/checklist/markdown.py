"""A checklist suggestion as Markdown: the tests first, then what the lineage shows missing.

Refs, summaries and evidence come from the graph and are untrusted; they go through
`postmortem_markdown.inline` / `code`, so they cannot add headings, fences or HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentops.analysis.postmortem.markdown import code, inline

if TYPE_CHECKING:
    from agentops.analysis.checklist import ChecklistSuggestion, TestSuggestion
    from agentops.analysis.checklist.rules import ReadinessItem

STATUS_WORD = {
    "missing": "MISSING",
    "partial": "partial",
    "unknown": "unknown",
    "present": "present",
}


def _test(test: TestSuggestion) -> list[str]:
    place = f" — in the lineage: **{test.in_place}**" if test.in_place else ""
    holder = f" ({code(test.checklist)})" if test.checklist else ""
    lines = [f"- **{code(test.item)}** {inline(test.title)}{holder}{place}"]
    if test.covers:
        lines.append("  - covers: " + ", ".join(code(ref) for ref in test.covers))
    lines += [f"  - {inline(line, 600)}" for line in test.why]
    for failure in test.data_checks[:6]:
        where = f"{failure.dataset}.{failure.column}" if failure.column else failure.dataset
        lines.append(
            f"  - would fail: {code(failure.check)} on {code(where)}: {inline(failure.message)}"
        )
    if test.command:
        lines.append(f"  - write it as runnable tests: {code(test.command)}")
    return lines


def _readiness(item: ReadinessItem) -> list[str]:
    lines = [
        f"- **{STATUS_WORD.get(item.status, item.status)}** {code(item.item)} {inline(item.title)}",
        f"  - looked for: {inline(item.looked_for, 600)}",
    ]
    lines += [f"  - found: {inline(fact, 400)}" for fact in item.found]
    return lines


def _in_short(suggestion: ChecklistSuggestion) -> list[str]:
    """The answer before the evidence: which tests, and how much the lineage shows missing."""
    tests = ", ".join(code(test.item) for test in suggestion.tests) or "none"
    missing = [item for item in suggestion.missing if item.status == "missing"]
    partial = [item for item in suggestion.missing if item.status == "partial"]
    lines = [
        f"**In short:** {len(suggestion.tests)} test(s) would have caught this ({tests}); "
        f"the lineage shows {len(missing)} readiness item(s) missing and {len(partial)} partial."
    ]
    if suggestion.pytest_command:
        lines.append(f"Runnable data tests: {code(suggestion.pytest_command)}.")
    return [" ".join(lines), ""]


def render_markdown(suggestion: ChecklistSuggestion) -> str:
    lines = [f"# Checklist: {code(suggestion.bad)}", ""]
    lines += _in_short(suggestion)
    if suggestion.incident:
        lines.append(f"- incident: {code(suggestion.incident)}")
    if suggestion.good:
        lines.append(f"- compared with: {code(suggestion.good)}")
    if suggestion.causes:
        lines.append("- causes: " + ", ".join(code(ref) for ref in suggestion.causes))
    else:
        lines.append(f"- verdict: {inline(suggestion.verdict)} (no cause in the lineage)")
    lines += ["", "## Tests that would have caught this", ""]
    if not suggestion.tests:
        lines.append("No failure-mode card names a check for what was found.")
    for test in suggestion.tests:
        lines += _test(test)
    missing = suggestion.missing
    lines += ["", "## What the lineage shows missing", ""]
    if not missing:
        lines.append("Nothing: every item judged from the graph is in place or cannot be judged.")
    for item in missing:
        lines += _readiness(item)
    rest = [item for item in suggestion.readiness if item not in missing]
    if rest:
        lines += ["", "## Judged present or not judgeable", ""]
        lines += [
            f"- {STATUS_WORD.get(item.status, item.status)}: {code(item.item)} "
            f"{inline(item.title)}" + (f" — {inline(item.found[0], 300)}" if item.found else "")
            for item in rest
        ]
    if suggestion.data:
        lines += ["", "## Data tests", ""]
        names = ", ".join(code(e.name) for e in suggestion.data)
        lines.append(
            f"Expectations from the good version's profile for {names}; "
            f"{len(suggestion.data_failures)} of them fail on the bad version's stored profile."
        )
        if suggestion.pytest_command:
            lines.append(f"Write them as pytest: {code(suggestion.pytest_command)}")
    if suggestion.notes:
        lines.append("")
        lines += [f"_{inline(note, 600)}_" for note in suggestion.notes]
    return "\n".join(lines) + "\n"
