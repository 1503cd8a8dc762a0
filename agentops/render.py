"""Rich renderings of lineage results for people (JSON and graph formats live in graph.export).

Text from the graph (commit messages, names) is untrusted: it is shown through `Text` objects,
never parsed as Rich markup, and control characters are stripped so it cannot drive the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from graph.attributes import (
    CommitAttrs,
    DatasetAttrs,
    IncidentAttrs,
    RunAttrs,
    attrs_of,
    metric_value,
)

if TYPE_CHECKING:
    from graph.diff import LineageDiff
    from graph.model import Node
    from graph.queries import Subgraph
    from graph.store import GraphCounts

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n
KIND_STYLE = {
    "commit": "yellow",
    "config": "cyan",
    "dataset": "green",
    "run": "blue",
    "model": "magenta",
    "deploy": "bright_magenta",
    "incident": "red",
}


def printable(text: object) -> str:
    """Untrusted text as it may reach a terminal: lines and tabs kept, every other control
    character (ESC of an escape sequence, BEL, backspace, carriage return, C1) removed."""
    return _CONTROL.sub("", str(text))


def safe(text: object, limit: int = 120) -> str:
    """One line of untrusted text: no control characters, no newlines, bounded length."""
    line = _CONTROL.sub("", str(text).replace("\n", " ").replace("\r", " ").replace("\t", " "))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def summary(node: Node) -> str:
    """A few words that say what a node is, from its attributes."""
    match attrs_of(node):
        case CommitAttrs() as commit:
            return safe(commit.subject, 72)
        case DatasetAttrs(row_count=int(rows)):
            return f"{rows:,} rows"
        case RunAttrs() as run:
            return safe(run.status or "", 20)
        case IncidentAttrs() as incident:
            return safe(incident.title, 72)
    return ""


def node_label(ref: str, kind: str, details: Mapping[str, Node]) -> Text:
    label = Text(safe(ref, 200), style=KIND_STYLE.get(kind, ""))
    node = details.get(ref)
    if node is not None and (words := summary(node)):
        label.append("  " + words, style="dim")
    return label


def lineage_tree(subgraph: Subgraph, details: Mapping[str, Node]) -> Tree:
    """Roots at the top, one level per step; a node reached twice is drawn once, then noted."""
    kinds = {node.ref: node.kind.value for node in subgraph.nodes}
    upstream = subgraph.direction is None or subgraph.direction.value == "upstream"
    children: dict[str, list[tuple[str, str]]] = {}
    for edge in subgraph.edges:
        near, far = (edge.dst, edge.src) if upstream else (edge.src, edge.dst)
        children.setdefault(near, []).append((far, edge.kind.value))
    title = "upstream of" if upstream else "downstream of"
    top = Tree(Text(f"{title} " + ", ".join(safe(r) for r in subgraph.roots), style="bold"))
    drawn: set[str] = set()

    def add(branch: Tree, ref: str, via: str | None) -> None:
        label = node_label(ref, kinds.get(ref, ""), details)
        if via:
            label = Text(f"{via} ", style="dim") + label
        if ref in drawn:
            branch.add(label + Text("  (shown above)", style="dim"))
            return
        drawn.add(ref)
        sub = branch.add(label)
        for child, edge_kind in sorted(children.get(ref, [])):
            add(sub, child, edge_kind)

    for root in subgraph.roots:
        if root in kinds:
            add(top, root, None)
    if subgraph.truncated:
        top.add(
            Text("… truncated: raise --max-nodes or narrow with --kind/--depth", style="yellow")
        )
    return top


def lineage_table(subgraph: Subgraph, details: Mapping[str, Node]) -> Table:
    table = Table("depth", "kind", "ref", "time", "about", title=None)
    for node in subgraph.nodes:
        table.add_row(
            str(node.depth),
            node.kind.value,
            Text(safe(node.ref, 200), style=KIND_STYLE.get(node.kind.value, "")),
            node.at.strftime("%Y-%m-%d %H:%M") if node.at else "",
            Text(summary(details[node.ref]) if node.ref in details else ""),
        )
    if subgraph.truncated:
        table.caption = "truncated: raise --max-nodes or narrow with --kind/--depth"
    return table


def counts_table(counts: GraphCounts) -> Table:
    table = Table("", "kind", "count")
    for kind, count in counts.nodes.items():
        table.add_row("node", kind, f"{count:,}")
    for kind, count in counts.edges.items():
        table.add_row("edge", kind, f"{count:,}")
    if not counts.nodes:
        table.caption = "empty: run `agentops ingest …` or `agentops graph load FILE`"
    return table


def diff_table(result: LineageDiff) -> Table:
    table = Table("change", "kind", "name", safe(result.a), safe(result.b))
    paired = set()
    for change in result.changed:
        table.add_row(
            "changed",
            change.kind.value,
            Text(safe(change.name)),
            Text("\n".join(safe(r) for r in change.a_refs)),
            Text("\n".join(safe(r) for r in change.b_refs)),
        )
        paired.update(change.a_refs + change.b_refs)
    for ref in result.only_a:
        if ref not in paired:
            table.add_row("only in A", ref.split(":", 1)[0], "", Text(safe(ref)), "")
    for ref in result.only_b:
        if ref not in paired:
            table.add_row("only in B", ref.split(":", 1)[0], "", "", Text(safe(ref)))
    if not table.row_count:
        table.caption = "no difference in upstream lineage"
    return table


def short_ref(ref: str) -> str:
    """A ref as people read it: a commit by its first 10 hex digits (any 7+ still resolve)."""
    kind, _, rest = ref.partition(":")
    return f"commit:{rest[:10]}" if kind == "commit" else ref


def attribute_text(value: Any) -> str:
    """An attribute value for reading: a mapping as one `key value` line per leaf (nested keys
    dotted), numbers to 6 significant digits, lists comma-separated, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, Mapping):
        return "\n".join(f"{key}  {text}" for key, text in _leaves(value))
    if isinstance(value, list | tuple):
        return ", ".join(attribute_text(v) for v in value)
    return str(value)


def _leaves(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    leaves: list[tuple[str, str]] = []
    for key, value in sorted(mapping.items()):
        if isinstance(value, Mapping) and value:
            leaves.extend(_leaves(value, f"{prefix}{key}."))
        else:
            leaves.append((f"{prefix}{key}", attribute_text(value)))
    return leaves


def node_panel(record: Mapping[str, Any]) -> Table:
    """One node's attributes and direct edges as a two-column table; a mapping attribute
    (metrics, params, tags) is one line per key, so nothing is cut off mid-JSON."""
    table = Table(show_header=False, title=Text(safe(record["ref"], 200), style="bold"))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("kind", record["kind"])
    table.add_row("time", str(record["source_time"] or ""))
    table.add_row("first seen", str(record["first_seen"] or ""))
    for key, value in sorted(record["attrs"].items()):
        if key == "metrics" and isinstance(value, Mapping):  # each metric's last value only
            value = {name: metric_value(stored) for name, stored in value.items()}
        lines = attribute_text(value).splitlines() or [""]
        table.add_row(Text(safe(key, 60)), Text("\n".join(safe(line, 300) for line in lines)))
    for edge in record["in"]:
        table.add_row("← " + edge["kind"], Text(safe(edge["src"], 200)))
    for edge in record["out"]:
        table.add_row("→ " + edge["kind"], Text(safe(edge["dst"], 200)))
    return table


def root_cause_view(report: Any, limit: int | None = 5) -> Group:
    """The verdict as the title, one row per suspect (`limit` of them; None: all) with its
    evidence underneath — why it ranks there, who changed what and when, the lines it changed
    (dimmed), the config keys and what the runs logged — then a table of the changes ruled out
    with the reason, and a caption saying what was left out and how to see it."""
    found = report.verdict == "cause-found"
    if found:
        verdict = "cause found"
    elif report.good is None:
        verdict = "no earlier version to compare with"
    else:
        verdict = "no change in the lineage explains this"
    title = Text(
        f"{report.bad} vs {report.good or '(nothing earlier)'}: {verdict}",
        style="bold red" if found else "bold yellow",
    )
    table = Table(
        "#",
        "score",
        "suspect",
        "evidence",
        title=title,
        show_lines=True,
        caption_justify="left",
        min_width=len(title) + 4,  # no suspects: the verdict still reads on one line
    )
    shown = report.suspects if limit is None else report.suspects[:limit]
    # a ref is copied into the next command: keep it on one line, the evidence wraps instead
    table.columns[2].min_width = min(48, max((len(short_ref(s.ref)) for s in shown), default=8))
    table.columns[2].overflow = "fold"
    for suspect in shown:
        mark = "bold" if suspect.is_cause else "dim"
        changed = Text(safe(short_ref(suspect.ref), 80), style=mark)
        if suspect.card:
            changed.append("\n" + suspect.card, style="italic")
        table.add_row(
            str(suspect.rank),
            Text(f"{suspect.score:.2f}", style=mark),
            changed,
            _suspect_evidence(suspect),
        )
    notes = list(report.notes)
    if report.symptom is not None and report.symptom.relative_change is not None:
        s = report.symptom
        notes.insert(
            0,
            f"symptom: {s.metric} {s.baseline:.4g} → {s.observed:.4g} "
            f"({s.relative_change:+.1%}, from the {s.source})",
        )
    if len(shown) < len(report.suspects):
        notes.append(
            f"{len(report.suspects) - len(shown)} more suspect(s) not shown "
            f"(showing {len(shown)} of {len(report.suspects)}): --all shows every one"
        )
    table.caption = Text("\n".join(safe(n, 200) for n in notes))
    parts: list[Any] = [table]
    if report.ruled_out:
        parts.append(ruled_out_table(report.ruled_out))
    return Group(*parts)


MAX_EVIDENCE_LINES = 3


def _suspect_evidence(suspect: Any) -> Group:
    """A suspect's evidence cell: its summary and first evidence lines, then what its typed
    details add (why it ranks here, author and time, what the runs logged, label shares and
    time span), then the diff hunks, dimmed and cut at the cell's edge rather than wrapped."""
    lines = [suspect.summary, *suspect.evidence[:MAX_EVIDENCE_LINES]]
    text = Text("\n".join(safe(line, 110) for line in lines))
    details = suspect.details
    if details is None:
        return Group(text)
    text.append("\n" + safe(f"why here: {details.why_ranked}", 200), style="italic")
    if details.author or details.at:
        when = details.at.strftime("%Y-%m-%d %H:%M UTC") if details.at else "time unknown"
        text.append("\n" + safe(f"by {details.author or 'unknown'}, {when}", 110), style="dim")
    for key in details.keys:
        if key.runs_text:
            text.append("\n" + safe(f"{key.key}: {key.runs_text}", 110))
    if details.data is not None:
        data = details.data
        if data.latest_before or data.latest_after:
            span = f"latest time {data.latest_before or '?'} → {data.latest_after or '?'}"
            text.append("\n" + safe(span, 110))
        for column in data.columns:
            if column.label_share:
                value, before, after = column.label_share
                share = f"label {column.name}={value}: share {before:.1%} → {after:.1%}"
                text.append("\n" + safe(share, 110))
    if details.hunks_note:
        text.append("\n" + safe(details.hunks_note, 110), style="dim")
    if not details.hunks:
        return Group(text)
    diff = Text(no_wrap=True, overflow="ellipsis", style="dim")
    for hunk in details.hunks:
        diff.append(safe(f"{hunk.path} {hunk.header}", 160) + "\n", style="bold")
        diff.append("\n".join(safe(line, 160) for line in hunk.lines) + "\n")
    diff.rstrip()
    return Group(text, diff)


def ruled_out_table(ruled_out: list[Any]) -> Table:
    """The changes that cannot reach the model, each with the reason, ranked by nothing."""
    table = Table(
        "change",
        "why it cannot reach the model",
        title=Text("Ruled out", style="bold"),
        title_justify="left",
    )
    table.columns[0].overflow = "fold"
    for suspect in ruled_out:
        reason = suspect.relevance.reason if suspect.relevance else suspect.summary
        table.add_row(Text(safe(short_ref(suspect.ref), 80)), Text(safe(reason, 240)))
    return table


def code_diff_tables(code: Any) -> list[Table]:
    """Commits between the two sides with their files by class, config keys, dependencies and
    data; then the same for A's side of the merge base when the two are on sibling branches."""
    title = f"{len(code.commits)} commit(s): {_short(code.commit_a)}..{_short(code.commit_b)}"
    tables = _side_tables(code, title, "")
    if code.a_side is not None:
        title = (
            f"and {len(code.a_side.commits)} commit(s) on the other side of the merge base: "
            f"{_short(code.commit_b)}..{_short(code.commit_a)}"
        )
        tables += _side_tables(code.a_side, title, f" (on {_short(code.commit_a)}'s side)")
    return tables


def _side_tables(side: Any, title: str, where: str) -> list[Table]:
    commits = Table("commit", "when", "subject", "files by class", title=title)
    for commit in side.commits:
        files = "; ".join(f"{cls}: {len(paths)}" for cls, paths in sorted(commit.files.items()))
        commits.add_row(
            commit.sha[:10], (commit.committed_at or "")[:16], Text(safe(commit.subject, 72)), files
        )
    tables = [commits]
    keys = Table("config", "key", "old", "new", title="config keys changed" + where)
    for config in side.configs:
        for key in config.keys:
            keys.add_row(
                Text(safe(config.path)),
                Text(safe(key.key)),
                Text(safe(key.old)),
                Text(safe(key.new)),
            )
    if keys.row_count:
        tables.append(keys)
    packages = Table("manifest", "package", "old", "new", title="dependencies changed" + where)
    for change in side.dependencies:
        packages.add_row(
            Text(safe(change.manifest)),
            Text(safe(change.package)),
            Text(safe(change.old or "")),
            Text(safe(change.new or "")),
        )
    if packages.row_count:
        tables.append(packages)
    data = Table("dataset", "old", "new", title="data changed" + where)
    for change in side.data:
        data.add_row(Text(safe(change.name)), Text(safe(change.old or "")), Text(safe(change.new)))
    if data.row_count:
        tables.append(data)
    return tables


def _short(commit: str) -> str:
    return commit.split(":", 1)[-1][:10]
