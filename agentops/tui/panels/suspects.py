"""The Suspects tab: the ranked changes of a root-cause report, and the evidence of the one under
the cursor. Filled from `RootCauseReport.to_json()` (from `/why`, or the agent's `why` call).
Enter or a click on a row asks about that suspect in the conversation.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from agentops.render import safe


def short_ref(ref: str) -> str:
    """A commit ref with its sha cut to 12 characters (enough to resolve), others as they are."""
    kind, _, key = ref.partition(":")
    return f"commit:{key[:12]}" if kind == "commit" and len(key) > 12 else ref


def verdict_line(report: dict[str, Any]) -> Text:
    found = report.get("verdict") == "cause-found"
    line = Text(safe(report.get("bad") or "?", 60), style="bold")
    line.append(f" vs {safe(report.get('good') or '(no good version)', 60)}: ")
    line.append(
        "cause found" if found else "no change in the lineage explains this",
        style="bold red" if found else "bold yellow",
    )
    symptom = report.get("symptom") or {}
    change = symptom.get("relative_change")
    if change is not None and symptom.get("baseline") is not None:
        line.append(
            f"\n{safe(symptom.get('metric'), 40)} {symptom['baseline']:.4g} → "
            f"{symptom['observed']:.4g} ({change:+.1%})",
            style="dim",
        )
    for note in report.get("notes") or []:
        if "re-training" in str(note):  # what `agentops verify` showed, or how to run it
            line.append(f"\n{safe(note, 160)}", style="italic")
    return line


class SuspectsTable(DataTable):
    """One row per suspect, keyed by its ref; causes in bold."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.suspects: list[dict[str, Any]] = []

    def on_mount(self) -> None:
        self.add_columns("#", "score", "changed", "what")

    def show(self, suspects: list[dict[str, Any]]) -> None:
        self.clear()
        self.suspects = list(suspects)
        for suspect in self.suspects:
            style = "bold red" if suspect.get("cause") else ""
            self.add_row(
                Text(str(suspect.get("rank", "")), style=style),
                Text(f"{float(suspect.get('score') or 0):.2f}", style=style),
                Text(safe(short_ref(str(suspect.get("ref", ""))), 60), style=style),
                Text(safe(suspect.get("summary", ""), 90)),
                key=str(suspect.get("ref")),
            )

    def refs(self) -> list[str]:
        """The suspects' refs in row order."""
        return [str(s.get("ref")) for s in self.suspects]


class SuspectsPanel(Vertical):
    """Verdict over the table, the highlighted suspect's evidence under it."""

    def compose(self):  # noqa: ANN201 - a ComposeResult
        yield Static(Text("no report yet: /why REF, or ask why", style="dim"), classes="caption")
        yield SuspectsTable(id="suspects-table")
        yield Static("", classes="evidence")

    def show(self, report: dict[str, Any]) -> None:
        self.report = report
        self.query_one(".caption", Static).update(verdict_line(report))
        table = self.query_one(SuspectsTable)
        table.show(list(report.get("suspects") or []))
        self._evidence(0)

    def _evidence(self, row: int) -> None:
        table = self.query_one(SuspectsTable)
        target = self.query_one(".evidence", Static)
        if not 0 <= row < len(table.suspects):
            target.update("")
            return
        suspect = table.suspects[row]
        text = Text(safe(suspect.get("ref", ""), 120), style="bold")
        text.append("\n" + safe(suspect.get("summary", ""), 160))
        if suspect.get("card"):
            text.append(f"\nfailure mode: {safe(suspect['card'], 40)}", style="dim")
        details = suspect.get("details") or {}
        for item in suspect.get("evidence") or []:
            text.append("\n• " + safe(item, 160))
        if suspect.get("remediation"):
            runbooks = ", ".join(safe(r, 40) for r in suspect["remediation"])
            text.append(f"\nrunbooks: {runbooks}", style="dim")
        if details.get("why_ranked"):
            text.append("\nwhy here: " + safe(details["why_ranked"], 200), style="italic")
        if details.get("author") or details.get("at"):
            when = str(details.get("at") or "time unknown")[:16].replace("T", " ")
            text.append("\n" + safe(f"by {details.get('author') or 'unknown'}, {when}", 120))
        for hunk in details.get("hunks") or []:
            text.append(f"\n{safe(hunk.get('path'), 80)} {safe(hunk.get('header'), 80)}", "dim")
            for line in hunk.get("lines") or []:
                text.append("\n" + safe(line, 160), style="dim")
        target.update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._evidence(event.cursor_row)


def report_summary(report: dict[str, Any], limit: int = 3) -> Text:
    """What `/why` says in the conversation: the verdict and the first suspects."""
    text = verdict_line(report)
    for suspect in (report.get("suspects") or [])[:limit]:
        cause = bool(suspect.get("cause"))
        text.append(
            f"\n{suspect.get('rank')}. [{'cause' if cause else 'suspect'}, "
            f"{float(suspect.get('score') or 0):.2f}] "
        )
        text.append(safe(suspect.get("ref", ""), 80), style="bold" if cause else "")
        text.append(f" — {safe(suspect.get('summary', ''), 100)}", style="dim")
    text.append("\nAll suspects and their evidence: Suspects tab.", style="dim")
    return text
