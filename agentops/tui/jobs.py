"""What the chat's workers run: one `ChatSession` call each, turned into the message to post.

A job runs in a worker thread and returns its messages; it never touches a widget. Expected
failures propagate (the app turns them into `CommandFailed`). `for_command` maps a slash command
to its job, `for_tool` maps a tool call the agent made to the job that keeps the context panel on
what the agent is looking at.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from agentops.tui.messages import (
    DocumentReady,
    Exported,
    LineageExpanded,
    LineageLoaded,
    ModelChanged,
    ReportReady,
    ResultReady,
    StoreReady,
    SubjectChosen,
)

if TYPE_CHECKING:
    from textual.message import Message

    from agentops.tui.commands import Invocation
    from agentops.tui.lineage_levels import Direction
    from agentops.tui.session import ChatSession

Job = Callable[[], "Sequence[Message]"]


def start(session: ChatSession) -> list[Message]:
    """Open the store, then find what the chat is about (the incident it was opened on)."""
    messages: list[Message] = [StoreReady(session.store.url, session.known_refs())]
    ref = session.choose_subject()
    if ref is not None:
        messages.append(SubjectChosen(ref, session.describe(ref), not session.incident_text))
    return messages


def why(
    session: ChatSession, text: str | None, good: str | None = None, *, announce: bool, show: bool
) -> list[Message]:
    return [ReportReady(session.explain(text, good), announce, show)]


def lineage(
    session: ChatSession, text: str, direction: Direction, *, announce: bool, show: bool
) -> list[Message]:
    return [LineageLoaded(session.lineage(text, direction), direction, announce, show)]


def expand(session: ChatSession, node_id: int, ref: str, direction: Direction) -> list[Message]:
    return [LineageExpanded(node_id, session.children(ref, direction))]


def impact(session: ChatSession, text: str) -> list[Message]:
    """The blast radius as a table in the conversation, and the downstream tree."""
    from agentops.render import lineage_table

    result = session.impact(text)
    shown = [n.ref for n in result.subgraph.nodes if n.ref != result.ref]
    title = f"impact of {result.ref}: {len(shown)} models, deployments and incidents"
    return [
        ResultReady(title, lineage_table(result.subgraph, result.details)),
        *lineage(session, result.ref, "downstream", announce=False, show=True),
    ]


def diff(session: ChatSession, a: str, b: str) -> list[Message]:
    from agentops.render import diff_table

    result = session.diff(a, b)
    return [ResultReady(f"diff {result.a} → {result.b}", diff_table(result))]


def document(
    session: ChatSession, kind: str, text: str | None, *, announce: bool, show: bool
) -> list[Message]:
    """The checklist, the rollback plan or the postmortem as Markdown."""
    make = {
        "checklist": session.checklist,
        "rollback": session.rollback,
        "postmortem": session.postmortem,
    }[kind]
    ref, markdown = make(text)
    return [DocumentReady(kind, ref, markdown, announce, show)]


def export(session: ChatSession, path: str) -> list[Message]:
    written, what = session.export(path)
    return [Exported(str(written), what)]


def set_model(session: ChatSession, name: str) -> list[Message]:
    return [ModelChanged(session.set_model(name))]


def for_command(session: ChatSession, invocation: Invocation) -> Job | None:
    """The job of a slash command that runs in a worker (None: the app does it itself)."""
    name, args = invocation.command.name, invocation.args
    arg = args[0] if args else None
    jobs: dict[str, Job] = {
        "why": partial(why, session, arg, announce=True, show=True),
        "lineage": partial(lineage, session, arg or "", "upstream", announce=True, show=True),
        "impact": partial(impact, session, arg or ""),
        "diff": partial(diff, session, *args[:2]),
        "export": partial(export, session, arg or ""),
        "model": partial(set_model, session, arg or ""),
    }
    for kind in ("checklist", "rollback", "postmortem"):
        jobs[kind] = partial(document, session, kind, arg, announce=True, show=True)
    return jobs.get(name)


def for_tool(session: ChatSession, tool: str, arguments: dict[str, Any]) -> Job | None:
    """The job that shows in the context panel what a tool call of the agent looked at."""
    if tool == "why" and arguments.get("bad"):
        good = arguments.get("good")
        return partial(
            why, session, str(arguments["bad"]), str(good) if good else None,
            announce=False, show=True,
        )  # fmt: skip
    if tool in ("upstream", "downstream", "impact") and arguments.get("ref"):
        direction: Direction = "upstream" if tool == "upstream" else "downstream"
        return partial(
            lineage, session, str(arguments["ref"]), direction, announce=False, show=True
        )
    ref = arguments.get("ref") or arguments.get("bad")
    if tool in ("suggest_checklist", "rollback_plan") and ref:
        kind = "checklist" if tool == "suggest_checklist" else "rollback"
        return partial(document, session, kind, str(ref), announce=False, show=True)
    return None
