"""A postmortem's supporting information: the refs, the commands that reproduce the analysis,
every suspect considered, and the investigation quoted from a saved agent conversation.

A conversation may come as the agent's saved exchanges (`question`, `answer`, `tool_calls`) or
as chat messages (`role`, `text` or `content`, `tool_calls`); both are quoted, tool calls by
name and arguments only (their results are in the analysis already).
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from agentops.analysis.postmortem.markdown import code, fenced, inline, one_line, quote, table

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport

MAX_SUSPECTS = 12
MAX_MESSAGES = 40
MAX_ANSWER = 3000


def commands(
    incident: str, report: RootCauseReport | None, good: str | None, bad: str | None
) -> str:
    """The `agentops` commands that reproduce the analysis, shell-quoted."""
    lines = [f"agentops why {shlex.quote(incident)}"]
    if good and bad:
        lines.append(f"agentops lineage diff {shlex.quote(good)} {shlex.quote(bad)}")
    for cause in report.causes if report else []:  # a commit reaches the run through history
        lines.append(
            f"agentops lineage path --history {shlex.quote(cause.ref)} {shlex.quote(incident)}"
        )
    lines += [
        f"agentops lineage upstream {shlex.quote(incident)}",
        f"agentops checklist suggest {shlex.quote(incident)}",
        f"agentops rollback plan {shlex.quote(incident)}",
    ]
    return fenced("\n".join(one_line(line, 400) for line in lines), "sh")


def suspects_table(report: RootCauseReport) -> list[str]:
    rows = [
        [
            str(s.rank),
            code(s.ref, in_table=True),
            inline(s.kind),
            f"{s.score:.2f}",
            code(s.card, in_table=True) if s.card else "—",
            "cause" if s.is_cause else "ranked lower",
        ]
        for s in report.suspects[:MAX_SUSPECTS]
    ]
    lines = table(["rank", "change", "type", "score", "card", "verdict"], rows)
    if len(report.suspects) > MAX_SUSPECTS:
        lines.append(f"\n… and {len(report.suspects) - MAX_SUSPECTS} lower-ranked changes.")
    return lines


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("text", message.get("content", ""))
    if isinstance(content, list):  # message blocks: keep the text ones
        parts = [
            str(block.get("text", "")) if isinstance(block, dict) else str(block)
            for block in content
            if not isinstance(block, dict) or block.get("type", "text") == "text"
        ]
        return "\n".join(part for part in parts if part)
    return str(content or "")


def _calls(message: dict[str, Any]) -> list[str]:
    lines = []
    for call in message.get("tool_calls") or message.get("tools") or []:
        if not isinstance(call, dict):
            continue
        args = call.get("input", call.get("arguments", {}))
        if isinstance(args, dict):
            shown = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in args.items())
        else:
            shown = str(args)
        mark = " (error)" if call.get("is_error") else ""
        name = call.get("name", "?")
        lines.append(f"- tool {code(f'{name}({shown})', 200)}{mark}")
    return lines


def investigation(conversation: list[dict[str, Any]]) -> list[str]:
    """The conversation as quoted Markdown: questions, tools used, answers."""
    lines: list[str] = []
    for message in conversation[:MAX_MESSAGES]:
        if not isinstance(message, dict):
            continue
        if "question" in message or "answer" in message:
            when = one_line(message.get("started_at", ""), 40)
            lines += [f"**Question**{f' ({inline(when)})' if when else ''}:", ""]
            lines += [quote(message.get("question", ""), MAX_ANSWER), ""]
            lines += _calls(message)
            lines += ["", "**Answer:**", "", quote(message.get("answer", ""), MAX_ANSWER), ""]
            continue
        role = inline(message.get("role", "message"), 20)
        text = _text_of(message)
        calls = _calls(message)
        if text:
            lines += [f"**{role}:**", "", quote(text, MAX_ANSWER), ""]
        if calls:
            lines += [*([] if text else [f"**{role}:**", ""]), *calls, ""]
    if len(conversation) > MAX_MESSAGES:
        lines.append(f"… {len(conversation) - MAX_MESSAGES} more messages not quoted.")
    return lines
