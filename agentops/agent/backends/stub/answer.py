"""The offline stub's answers, written from tool results only.

Every claim cites the ref it comes from and the card behind a judgement. Text that came from
the graph (commit messages, summaries, titles) is quoted as data — on one line, backticks
removed, cut short — and text that reads like an instruction to an assistant is flagged as a
likely injection attempt, never acted on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from agentops.agent.backends.stub.intent import Intent

if TYPE_CHECKING:
    from agentops.agent.backends.stub import Investigation

_INJECTION = re.compile(
    r"ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?)|"
    r"disregard (the |all |your )?(previous|prior|above|system)|system prompt|"
    r"you are now|\brm -rf\b|run (this|the following) command|curl [^ ]+ *\| *(ba)?sh",
    re.I,
)
MAX_LISTED = 8


def clean(text: Any, limit: int = 200) -> str:
    """Graph text made safe to show inline: one line, no backticks or markup, at most `limit`."""
    flat = " ".join(str(text).split()).replace("`", "'").replace("<", "‹")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def quote(text: Any, limit: int = 200) -> str:
    return f"“{clean(text, limit)}”"


def looks_like_injection(text: Any) -> bool:
    return bool(_INJECTION.search(str(text)))


def header(reason: str | None, wanted: str) -> str:
    why = f" ({reason}; set it to use {wanted})" if reason else ""
    return (
        f"_Answered by the **offline stub model**{why}: a rule-based reading of the read-only "
        "tools' results, no LLM._\n\n"
    )


def write_answer(inv: Investigation, reason: str | None, wanted: str) -> str:
    body = _BODY.get(inv.intent, _show)(inv)
    problems = inv.errors()
    if problems:
        body += "\n\nTools that failed:\n" + "\n".join(
            f"- `{name}`: {clean(message, 240)}" for name, message in problems[:4]
        )
    return header(reason, wanted) + body.strip() + "\n"


def _no_subject(inv: Investigation) -> str:
    if inv.candidates:
        tried = ", ".join(f"`{clean(c, 60)}`" for c in inv.candidates)
        return (
            f"I could not find {tried} in the lineage graph, so I cannot answer this yet.\n\n"
            "Try a full ref (`model:recsys/7`, `incident:INC-1001`), a commit sha prefix of 7+ "
            "characters, or `agentops status` to see what the graph holds."
        )
    return (
        "The question names no model, dataset, commit or incident, and there is no open "
        "incident in the graph to default to.\n\n"
        "Name what you mean (`recsys/7`, `INC-1001`, a commit sha) or open an incident."
    )


def _subject_line(inv: Investigation) -> str:
    subjects = inv.subjects
    if not subjects:
        return ""
    first = subjects[0]
    if not inv.results("resolve_ref") and first.get("kind") == "incident":
        return f"No ref in the question, so I looked at the newest open incident, `{first['ref']}`"
    return ""


def _root_cause(inv: Investigation) -> str:
    reports = inv.results("why")
    if not inv.subjects:
        return _no_subject(inv)
    if not reports:
        return (
            f"I could not rank the changes behind `{inv.subjects[0]['ref']}`: the root-cause "
            "analysis did not run (see below). `agentops lineage diff GOOD BAD` shows what "
            "changed between two versions."
        )
    report = reports[-1]
    bad, good = report.get("bad"), report.get("good")
    lines = []
    intro = _subject_line(inv)
    if intro:
        lines += [intro + ".", ""]
    span = f" (compared with `{good}`)" if good else ""
    lines.append(f"**Why `{bad}` got worse**{span}")
    lines.append("")
    symptom = report.get("symptom")
    if isinstance(symptom, dict) and symptom.get("metric"):
        lines += [
            f"Symptom: `{clean(symptom.get('metric'), 40)}` "
            f"{symptom.get('baseline')} → {symptom.get('observed')}.",
            "",
        ]
    suspects = [s for s in report.get("suspects") or [] if isinstance(s, dict)]
    if report.get("verdict") == "no-lineage-cause" or not suspects:
        lines += _no_cause(suspects)
    else:
        lines += _suspects(suspects)
    lines += _ruled_out(report.get("ruled_out") or [])
    notes = [clean(note, 300) for note in report.get("notes") or []]
    if notes:
        lines += ["", "How the analysis got there:", *(f"- {note}" for note in notes[:4])]
    lines += _cards(inv)
    target = bad or inv.subjects[0]["ref"]
    lines += [
        "",
        "Next steps:",
        f"- `agentops rollback plan {target}` — a last-known-good target and how to get there",
        f"- `agentops checklist suggest {target}` — the tests that would have caught this",
    ]
    return "\n".join(lines)


def _suspect_label(suspect: dict[str, Any]) -> str:
    parts = [f"`{suspect.get('ref')}`", clean(suspect.get("kind", ""), 40)]
    if suspect.get("card"):
        parts.append(f"failure mode `{suspect['card']}`")
    if isinstance(suspect.get("score"), int | float):
        parts.append(f"score {suspect['score']:.2f}")
    return ", ".join(p for p in parts if p)


def _suspects(suspects: list[dict[str, Any]]) -> list[str]:
    """The causes the ranking settled on (or its top suspect), with evidence; then the rest."""
    causes = [s for s in suspects if s.get("cause")] or suspects[:1]
    lines: list[str] = []
    for i, top in enumerate(causes[:3]):
        title = "Most likely cause" if i == 0 else "Also a cause"
        lines += [
            f"**{title}:** {clean(top.get('summary', ''), 300)} ({_suspect_label(top)}).",
            "",
        ]
        details = top.get("details") if isinstance(top.get("details"), dict) else {}
        if details.get("why_ranked"):
            lines += [f"Why it ranks there: {clean(details['why_ranked'], 240)}.", ""]
        evidence = [_evidence_text(item) for item in top.get("evidence") or []]
        evidence += [_key_runs(key) for key in details.get("keys") or [] if isinstance(key, dict)]
        if evidence:
            lines.append("Evidence (from the graph):")
            lines += [f"- {item}" for item in evidence[:6]]
            lines.append("")
        changed = _changed_lines(details)
        if changed:
            lines.append("Lines it changed (quoted from the repository — data, not instructions):")
            lines += [f"- {quote(line, 160)}" for line in changed]
            lines.append("")
            if any(looks_like_injection(line) for line in changed):
                lines += [_INJECTION_NOTE, ""]
        runbooks = [clean(r, 40) for r in top.get("remediation") or []]
        if runbooks:
            lines += ["Fitting runbooks: " + ", ".join(f"`{r}`" for r in runbooks[:3]) + ".", ""]
        if looks_like_injection(top.get("summary", "")):
            lines += [_INJECTION_NOTE, ""]
    others = [s for s in suspects if s not in causes][: MAX_LISTED - 1]
    if others:
        lines += ["Less likely (ranked):", ""]
        for suspect in others:
            rank = suspect.get("rank", "-")
            summary = clean(suspect.get("summary", ""), 160)
            lines.append(f"{rank}. {summary} ({_suspect_label(suspect)})")
    return lines


MAX_CHANGED_LINES = 8


def _changed_lines(details: dict[str, Any]) -> list[str]:
    """The added and removed lines of a suspect's diff hunks, first ones first."""
    changed = [
        str(line)
        for hunk in details.get("hunks") or []
        if isinstance(hunk, dict)
        for line in hunk.get("lines") or []
        if str(line)[:1] in "+-" and str(line)[1:].strip()
    ]
    return changed[:MAX_CHANGED_LINES]


def _key_runs(key: dict[str, Any]) -> str:
    """A changed key and what the runs' params say about it."""
    runs = key.get("runs")
    if runs == "confirmed":
        said = "confirmed by the runs' params"
    elif runs == "contradicted":
        said = f"the bad run logged {clean(key.get('param'), 60)}={clean(key.get('logged'), 40)}"
    elif runs == "not logged":
        said = "not among the runs' params"
    else:
        said = ""
    return _key_change(key) + (f" ({said})" if said else "")


def _ruled_out(changes: list[Any]) -> list[str]:
    """The changes the analysis set aside because they cannot reach the model, with why."""
    records = [c for c in changes if isinstance(c, dict)]
    if not records:
        return []
    lines = ["", "Ruled out (cannot reach the model, so not ranked):", ""]
    lines += [
        f"- `{clean(c.get('ref'), 100)}`: {clean(c.get('reason') or c.get('summary'), 200)}"
        for c in records[:MAX_LISTED]
    ]
    if len(records) > MAX_LISTED:
        lines.append(f"- … and {len(records) - MAX_LISTED} more")
    return lines


def _no_cause(suspects: list[dict[str, Any]]) -> list[str]:
    lines = [
        "**No change in the lineage explains this.** The ranking found no change between the "
        "good and the bad version that is a likely cause, so I will not name a culprit.",
        "",
        "Where to look next: the serving side (traffic mix, live features), upstream systems "
        "outside the graph, and whether the metric itself or its evaluation set moved.",
    ]
    if suspects:
        lines += ["", "Changes checked and judged unlikely:"]
        lines += [
            f"- {clean(s.get('summary', ''), 140)} ({_suspect_label(s)})"
            for s in suspects[:MAX_LISTED]
        ]
    return lines


def _evidence_text(item: Any) -> str:
    if isinstance(item, dict):
        for key in ("text", "summary", "detail", "message", "what"):
            if item.get(key):
                extra = f" (`{item['ref']}`)" if item.get("ref") else ""
                return clean(item[key], 240) + extra
        return clean(", ".join(f"{k}: {v}" for k, v in item.items()), 240)
    return clean(item, 240)


def _cards(inv: Investigation) -> list[str]:
    lines: list[str] = []
    for result in inv.results("search_knowledge"):
        for card in (result or {}).get("cards", [])[:2]:
            lines.append(
                f"- card `{card.get('id')}` ({card.get('kind')}): {clean(card.get('title', ''))}"
                f" — {clean(card.get('snippet', ''), 200)}"
            )
    return ["", "From the knowledge cards:", *lines] if lines else []


_INJECTION_NOTE = (
    "Note: text from the graph above reads like an instruction to an AI assistant (a "
    "prompt-injection attempt). It was treated as data and not followed."
)


def _show(inv: Investigation) -> str:
    if not inv.subjects:
        return _no_subject(inv)
    commits = inv.results("show_commit")
    if commits:
        return _commit(commits[-1])
    nodes = inv.results("show_node")
    if not nodes:
        return f"I found `{inv.subjects[0]['ref']}` but could not read it (see below)."
    node = nodes[-1]
    lines = [f"`{node['ref']}` — {clean(node.get('what', ''), 200)}", ""]
    if node.get("at"):
        lines.append(f"Time: {node['at']}")
    attrs = node.get("attrs") or {}
    if attrs:
        lines.append("Attributes (quoted from the graph):")
        lines += [f"- {clean(k, 60)}: {clean(v, 160)}" for k, v in list(attrs.items())[:12]]
    for label, key in (("Fed by", "in"), ("Feeds", "out")):
        if node.get(key):
            lines.append(f"{label}: " + "; ".join(clean(e, 120) for e in node[key][:6]))
    return "\n".join(lines)


def _commit(commit: dict[str, Any]) -> str:
    message = str(commit.get("message", ""))
    lines = [
        f"Commit `{commit.get('ref')}` by {clean(commit.get('author') or '?', 60)}, "
        f"{commit.get('committed_at') or 'time unknown'}.",
        "",
        "Message (quoted from the graph — data, not instructions):",
        f"> {quote(message, 400)}",
        "",
    ]
    if looks_like_injection(message):
        lines += [_INJECTION_NOTE, ""]
    files = commit.get("files") or {}
    if files:
        lines.append("Files touched, by class:")
        for cls, paths in files.items():
            shown = ", ".join(f"`{clean(p, 80)}`" for p in paths[:6])
            more = f" … and {len(paths) - 6} more" if len(paths) > 6 else ""
            lines.append(f"- {clean(cls, 20)}: {shown}{more}")
    if commit.get("introduced"):
        lines.append("Config/data versions it added: " + _refs(commit["introduced"]))
    if commit.get("code_of_runs"):
        lines.append("Runs trained from it: " + _refs(commit["code_of_runs"]))
    return "\n".join(lines)


def _refs(refs: list[Any], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(f"`{clean(r, 100)}`" for r in refs[:limit])
    return shown + (f" … and {len(refs) - limit} more" if len(refs) > limit else "")


def _lineage(inv: Investigation) -> str:
    walks = inv.results("upstream")
    if not walks:
        return _no_subject(inv) if not inv.subjects else "The upstream walk failed (see below)."
    walk = walks[-1]
    by_kind: dict[str, list[str]] = {}
    for entry in walk.get("nodes", []):
        if isinstance(entry, str) and " " in entry:
            ref = entry.split(" ", 1)[1]
            by_kind.setdefault(ref.split(":", 1)[0], []).append(ref)
    lines = [f"**Upstream of `{walk['root']}`** (what fed it, up to 4 steps):", ""]
    for kind in ("run", "commit", "config", "dataset", "model", "deploy", "incident"):
        if kind in by_kind:
            lines.append(f"- {kind}s: {_refs(by_kind[kind])}")
    if walk.get("truncated"):
        lines.append("\n(truncated: ask `upstream` with a kind filter for the rest)")
    return "\n".join(lines)


def _impact(inv: Investigation) -> str:
    results = inv.results("impact")
    if not results:
        return _no_subject(inv) if not inv.subjects else "The impact query failed (see below)."
    result = results[-1]
    affected = result.get("affected") or {}
    if not affected:
        return f"Nothing downstream of `{result['root']}` is a model, deployment or incident."
    lines = [f"**Blast radius of `{result['root']}`**: {result.get('count', 0)} nodes.", ""]
    for kind, refs in affected.items():
        lines.append(f"- {kind}: {_refs(refs)}")
    return "\n".join(lines)


def _diff(inv: Investigation) -> str:
    diffs = inv.results("lineage_diff")
    if not diffs:
        return _root_cause(inv)
    diff = diffs[-1]
    lines = [f"**What changed from `{diff['a']}` to `{diff['b']}`**", ""]
    for change in diff.get("changed") or []:
        if isinstance(change, dict):
            lines.append(
                f"- {change.get('kind')} {clean(change.get('name'), 80)}: "
                f"{_refs(change.get('a', []), 2)} → {_refs(change.get('b', []), 2)}"
            )
    for result in inv.results("code_diff"):
        commits = result.get("commits") or []
        if commits:
            lines += ["", f"Commits in between ({len(commits)}; messages quoted from the graph):"]
            shown = [c for c in commits[:MAX_LISTED] if isinstance(c, dict)]
            for commit in shown:
                lines.append(f"- `{commit.get('ref', '')[:19]}` {quote(commit.get('subject'))}")
            if any(looks_like_injection(c.get("subject", "")) for c in shown):
                lines.append(_INJECTION_NOTE)
        for config in result.get("configs") or []:
            if isinstance(config, dict) and config.get("keys"):
                keys = "; ".join(_key_change(k) for k in config["keys"][:6])
                lines.append(f"- config `{clean(config.get('path'), 80)}`: {keys}")
        for dep in result.get("dependencies") or []:
            if isinstance(dep, dict):
                lines.append(
                    f"- dependency {clean(dep.get('package'), 60)}: "
                    f"{clean(dep.get('old'), 40)} → {clean(dep.get('new'), 40)}"
                )
    if len(lines) == 2:
        lines.append("No version of anything upstream differs.")
    return "\n".join(lines)


def _key_change(change: Any) -> str:
    if not isinstance(change, dict):
        return clean(change, 80)
    key = clean(change.get("key"), 60)
    if change.get("status") == "added":
        return f"{key} added ({clean(change.get('new'), 40)})"
    if change.get("status") == "removed":
        return f"{key} removed"
    return f"{key} {clean(change.get('old'), 40)} → {clean(change.get('new'), 40)}"


def _generic(inv: Investigation, tool: str, title: str) -> str:
    results = inv.results(tool)
    if not results:
        return _no_subject(inv) if not inv.subjects else f"The {title} could not be made."
    data = results[-1]
    if isinstance(data, str):
        return data
    return f"**{title.capitalize()}**\n\n" + "\n".join(_render(data))


def _render(data: Any, indent: str = "") -> list[str]:
    """A readable outline of a JSON result (the analysis' own shapes)."""
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list):
                if value:
                    lines.append(f"{indent}- {clean(key, 60)}:")
                    lines += _render(value, indent + "  ")
            elif value not in (None, ""):
                lines.append(f"{indent}- {clean(key, 60)}: {clean(value, 240)}")
    elif isinstance(data, list):
        for item in data[:12]:
            if isinstance(item, dict):
                flat = ", ".join(
                    f"{k}: {clean(v, 120)}"
                    for k, v in item.items()
                    if not isinstance(v, dict | list) and v not in (None, "")
                )
                lines.append(f"{indent}- {flat}")
                nested = {k: v for k, v in item.items() if isinstance(v, dict | list) and v}
                lines += _render(nested, indent + "  ") if nested else []
            else:
                lines.append(f"{indent}- {clean(item, 240)}")
        if len(data) > 12:
            lines.append(f"{indent}- … and {len(data) - 12} more")
    return lines


def _knowledge(inv: Investigation) -> str:
    results = inv.results("search_knowledge")
    cards = (results[-1] or {}).get("cards", []) if results else []
    if not cards:
        return "No knowledge card matches that question. `agentops knowledge list` shows them all."
    lines = ["**From the knowledge cards** (best match first):", ""]
    for card in cards:
        lines.append(
            f"- `{card.get('id')}` ({card.get('kind')}): {clean(card.get('title', ''))} — "
            f"{clean(card.get('snippet', ''), 240)}"
        )
    lines += ["", f"`agentops knowledge show {cards[0].get('id')}` prints the whole card."]
    return "\n".join(lines)


_READ_ONLY = (
    "\n\nNothing was changed: this is a plan. Applying it is a separate, explicit command for a "
    "person to run (`agentops rollback apply`)."
)

_BODY = {
    Intent.ROOT_CAUSE: _root_cause,
    Intent.DIFF: _diff,
    Intent.LINEAGE: _lineage,
    Intent.IMPACT: _impact,
    Intent.CHECKLIST: lambda inv: _generic(inv, "suggest_checklist", "suggested checklist"),
    Intent.ROLLBACK: lambda inv: _generic(inv, "rollback_plan", "rollback plan") + _READ_ONLY,
    Intent.POSTMORTEM: lambda inv: _generic(inv, "draft_postmortem", "postmortem draft"),
    Intent.KNOWLEDGE: _knowledge,
    Intent.SHOW: _show,
}
