"""The chat on the sample `feature-code-bug` project, driven through Pilot with the offline stub.

Each test types what a user would and asserts on the widgets and on the typed messages the
workers posted; `settle()` waits for the workers instead of sleeping.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentops.agent.messages import ModelReply, ModelRequest, Usage
from agentops.errors import AgentCancelled
from agentops.tui.chat_input import ChatInput
from agentops.tui.conversation import AnswerView, NoteView, ToolCallLine, UserMessage
from agentops.tui.header import ChatHeader
from agentops.tui.messages import (
    AnswerStopped,
    AnswerText,
    CommandFailed,
    DocumentReady,
    Exported,
    ResultReady,
)
from agentops.tui.panels.checklist import ChecklistPanel
from agentops.tui.panels.lineage import LineageTree
from agentops.tui.panels.rollback import RollbackPanel
from agentops.tui.panels.suspects import SuspectsTable

from .chat_harness import ChatProject, run_chat

pytestmark = pytest.mark.anyio

QUESTION = "why did the model get worse?"


async def test_a_question_streams_an_answer_naming_the_cause(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        await chat.send(QUESTION)
        app = chat.app
        answer = app.query_one(AnswerView)
        assert answer.state == "done"
        assert chat_project.cause in answer.text
        # streamed in pieces through MarkdownStream: the Markdown holds exactly what streamed
        chunks = [m for m in chat.of(AnswerText) if m.answer_no == answer.answer_no]
        assert len(chunks) > 5
        assert "".join(m.text for m in chunks) == answer.text
        assert answer.query_one(".part").source == answer.text
        assert app.query_one(UserMessage).question == QUESTION
        # tool calls are compact lines, one per call, expandable to the result
        tools = [line.tool for line in answer.query(ToolCallLine)]
        assert tools == ["resolve_ref", "why", "search_knowledge"]
        why_line = answer.query(ToolCallLine)[1]
        assert why_line.done and not why_line.is_error
        assert why_line.arguments == {"bad": chat_project.incident}
        why_line.action_toggle()
        await chat.pilot.pause()
        assert chat_project.cause in str(why_line.render())
        # the context panel followed the agent: suspects, cause first, tab in front
        table = app.query_one(SuspectsTable)
        assert table.refs()[0] == chat_project.cause
        assert table.row_count == len(table.suspects) > 3
        assert app.query_one("#context").active == "suspects"
        assert app.chat_input.value == ""
        # the conversation is saved for the postmortem
        from agentops.agent.transcript import conversations_about

        saved = conversations_about(app.session.store, chat_project.incident)
        assert saved and saved[-1].exchanges[-1]["answer"] == answer.text.strip()


async def test_opening_on_the_incident_shows_its_lineage_and_suspects(
    chat_project: ChatProject,
) -> None:
    incident_id = chat_project.incident.removeprefix("incident:")
    async with run_chat(settings=chat_project.settings, incident=incident_id) as chat:
        app = chat.app
        tree = app.query_one(LineageTree)
        assert tree.root.data.ref == chat_project.incident
        shown = tree.refs()
        assert chat_project.truth["bad"] in shown  # incident ← model:recsys/10 (affected)
        run = next(node for node in _nodes(tree.root) if node.data.ref.startswith("run:"))
        inputs = {child.data.via: child.data.kind for child in run.children}
        # three levels loaded; the run's config versions too (linked by its params)
        assert inputs == {"code_of": "commit", "config_of": "config", "input": "dataset"}
        assert app.query_one(SuspectsTable).refs()[0] == chat_project.cause
        assert app.query_one(ChatHeader).subject == chat_project.incident
        assert app.session.incident == chat_project.incident
        assert not chat.notifications()


async def test_lineage_command_fills_the_tree_and_expands_lazily(
    chat_project: ChatProject,
) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        await chat.send("/lineage recsys/10")
        app = chat.app
        tree = app.query_one(LineageTree)
        assert tree.root.data.ref == "model:recsys/10"
        assert tree.direction == "upstream"
        assert app.query_one("#context").active == "lineage"
        assert any("upstream of model:recsys/10" in str(n.body) for n in app.query(NoteView))
        await chat.send(f"/lineage {chat_project.incident}")
        assert tree.root.data.ref == chat_project.incident
        # the first levels are loaded; a node at the edge loads its children when expanded
        edge = [
            node
            for node in _nodes(tree.root)
            if node.allow_expand and not node.children and node.data is not None
        ]
        assert edge, "some node below the loaded levels can expand"
        node = edge[0]
        before = len(tree.refs())
        node.expand()
        await chat.settle()
        assert node.children, f"expanding {node.data.ref} loaded its children"
        assert len(tree.refs()) > before
        assert not chat.of(CommandFailed)


def _nodes(node):  # noqa: ANN001, ANN202 - a TreeNode walk
    yield node
    for child in node.children:
        yield from _nodes(child)


async def test_a_bad_ref_notifies_and_keeps_the_input(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        root_before = app.query_one(LineageTree).root.data.ref
        await chat.send("/lineage nope/99")
        failed = chat.of(CommandFailed)
        assert [f.command for f in failed] == ["/lineage nope/99"]
        assert any("no node matches 'nope/99'" in text for text in chat.notifications())
        assert app.chat_input.value == "/lineage nope/99"
        assert app.query_one(LineageTree).root.data.ref == root_before


async def test_an_unknown_command_notifies_and_keeps_the_input(
    chat_project: ChatProject,
) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        await chat.send("/lineag recsys/10")
        assert any(
            "unknown command /lineag" in text and "/lineage" in text
            for text in chat.notifications()
        )
        assert chat.app.chat_input.value == "/lineag recsys/10"
        await chat.send("/diff recsys/9")
        assert any("usage: /diff A B" in text for text in chat.notifications())
        assert chat.app.chat_input.value == "/diff recsys/9"


async def test_export_writes_the_postmortem_quoting_the_conversation(
    chat_project: ChatProject, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "postmortem.md"
    async with run_chat(settings=chat_project.settings) as chat:
        await chat.send(QUESTION)
        await chat.send(f"/export {out}")
        assert [(e.path, e.what) for e in chat.of(Exported)] == [(str(out), "postmortem")]
    text = out.read_text(encoding="utf-8")
    assert chat_project.incident.removeprefix("incident:") in text
    assert "## Root causes" in text and "## Timeline" in text
    assert chat_project.cause.removeprefix("commit:")[:12] in text
    assert "Investigation (agent conversation)" in text
    assert QUESTION in text


async def test_export_without_an_incident_writes_the_transcript(
    tmp_path: Path, sample: SimpleNamespace
) -> None:
    from agentops.settings import load_settings
    from graph.store import open_store

    root = tmp_path / "project"
    root.mkdir()
    settings = load_settings(root)
    nodes, edges = sample.graph()
    with open_store(settings.db_url) as store:  # the sample graph without its incident
        store.upsert(
            [n for n in nodes if not n.ref.startswith("incident:")],
            [e for e in edges if not e.dst.startswith("incident:")],
        )
    out = tmp_path / "chat.md"
    async with run_chat(settings=settings) as chat:
        assert chat.app.session.incident is None
        await chat.send("tell me about model:recsys/2")
        assert chat.app.query_one(AnswerView).state == "done"
        await chat.send(f"/export {out}")
        assert [e.what for e in chat.of(Exported)] == ["transcript"]
    text = out.read_text(encoding="utf-8")
    assert "tell me about model:recsys/2" in text
    assert "show_node" in text


class WaitingBackend:
    """Streams a first piece of an answer, then waits until the answer is cancelled."""

    model = "waiting"
    label = "waiting (test)"
    offline = True

    def __init__(self) -> None:
        self.cancelled = threading.Event()

    def complete(self, request: ModelRequest, on_text, cancel: threading.Event) -> ModelReply:  # noqa: ANN001
        on_text("Looking at the lineage")
        if cancel.wait(30):
            self.cancelled.set()
            raise AgentCancelled()
        return ModelReply("never", (), "end_turn", Usage())


async def test_escape_cancels_a_running_answer(chat_project: ChatProject) -> None:
    backend = WaitingBackend()
    async with run_chat(settings=chat_project.settings, backend=backend) as chat:
        app = chat.app
        app.chat_input.value = QUESTION
        await chat.pilot.press("enter")
        await chat.wait_until(lambda: bool(chat.of(AnswerText)))
        assert app.answering
        assert app.query_one(AnswerView).text == "Looking at the lineage"
        await chat.pilot.press("escape")
        await chat.settle()
        assert backend.cancelled.is_set()
        assert not app.answering
        assert app.query_one(AnswerView).state == "cancelled"
        assert [m.cancelled for m in chat.of(AnswerStopped)] == [True]
        assert "answer cancelled" in chat.notifications()
        assert app.session.conversation.history == []  # nothing of it is kept
        assert app.chat_input.value == QUESTION  # the question is back, to edit or resend


async def test_an_unreachable_api_notifies_and_keeps_the_question(
    chat_project: ChatProject,
) -> None:
    from agentops.agent.backends import make_backend

    # a closed port: the real Anthropic backend fails to connect, with no retries
    backend = make_backend(
        "claude-sonnet-5-5", api_key="test-key", base_url="http://127.0.0.1:9", max_retries=0
    )
    async with run_chat(settings=chat_project.settings, backend=backend) as chat:
        app = chat.app
        assert "anthropic claude-sonnet-5-5" in app.query_one(ChatHeader).line().plain
        await chat.send(QUESTION)
        stopped = chat.of(AnswerStopped)
        assert len(stopped) == 1 and not stopped[0].cancelled
        assert "cannot reach the Anthropic API" in stopped[0].message
        assert any("cannot reach the Anthropic API" in t for t in chat.notifications())
        assert app.query_one(AnswerView).state == "failed"
        assert app.chat_input.value == QUESTION
        assert not app.answering


async def test_checklist_rollback_and_postmortem_commands(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        await chat.send("/checklist")
        checklist = app.query_one(ChecklistPanel)
        assert checklist.ref == chat_project.incident
        assert "Tests that would have caught this" in checklist.markdown
        assert chat_project.cause in checklist.markdown
        assert app.query_one("#context").active == "checklist"
        await chat.send("/rollback")
        plan = app.query_one(RollbackPanel)
        assert plan.markdown.startswith(f"# Rollback plan: {chat_project.truth['bad']}")
        assert chat_project.truth["rollback_to"] in plan.markdown
        assert app.query_one("#context").active == "rollback"
        await chat.send("/postmortem")
        [draft] = [d for d in chat.of(DocumentReady) if d.kind == "postmortem"]
        assert draft.ref == chat_project.incident
        assert "## Root causes" in draft.markdown
        assert draft.markdown in [str(n.body) for n in app.query(NoteView)]
        assert not chat.of(CommandFailed)


async def test_why_diff_and_impact_commands(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        await chat.send("/why recsys/10")
        assert app.session.subject == "model:recsys/10"
        assert app.query_one(SuspectsTable).refs()[0] == chat_project.cause
        assert any("cause found" in str(n.body) for n in app.query(NoteView))
        await chat.send("/diff recsys/9 recsys/10")
        ratings = next(r for r in chat_project.truth["decoys"] if r.startswith("dataset:ratings"))
        await chat.send(f"/impact {ratings.removeprefix('dataset:')}")
        titles = [r.title for r in chat.of(ResultReady)]
        assert titles[0] == "diff model:recsys/9 → model:recsys/10"
        assert titles[1].startswith(f"impact of {ratings}: ")
        tree = app.query_one(LineageTree)
        assert tree.root.data.ref == ratings and tree.direction == "downstream"
        assert {"model:recsys/10", chat_project.incident} <= set(tree.refs())
        assert not chat.of(CommandFailed)


async def test_selecting_a_suspect_or_a_tree_node_brings_it_into_the_conversation(
    chat_project: ChatProject,
) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        app.action_show_tab("suspects")
        table = app.query_one(SuspectsTable)
        table.focus()
        await chat.pilot.press("enter")
        assert app.chat_input.value == f"tell me about {chat_project.cause}"
        assert app.chat_input.has_focus
        app.chat_input.value = "compare"
        app.action_show_tab("lineage")
        tree = app.query_one(LineageTree)
        tree.focus()
        tree.move_cursor(tree.root)
        await chat.pilot.press("enter")
        assert app.chat_input.value == f"compare {chat_project.incident}"


async def test_history_completion_and_the_command_palette(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        chat_input = app.query_one(ChatInput)
        await chat.send("/help")
        await chat.send("/why recsys/10")
        chat_input.focus()
        await chat.pilot.press("d", "r")
        await chat.pilot.press("up")
        assert chat_input.value == "/why recsys/10"
        await chat.pilot.press("up")
        assert chat_input.value == "/help"
        await chat.pilot.press("down", "down")
        assert chat_input.value == "dr"  # back to what was being typed
        chat_input.value = ""
        await chat.pilot.press("/", "l", "i")
        await chat.wait_until(lambda: chat_input._suggestion == "/lineage ")
        await chat.pilot.press("tab")
        assert chat_input.value == "/lineage "
        await chat.pilot.press(*"recsys/1")
        await chat.wait_until(lambda: chat_input._suggestion == "/lineage recsys/10")
        await chat.pilot.press("tab", "enter")
        await chat.settle()
        assert app.query_one(LineageTree).root.data.ref == "model:recsys/10"
        # the command palette offers the same commands
        await chat.pilot.press("ctrl+p")
        await chat.pilot.press(*"rollback")
        await chat.wait_until(lambda: _palette_offers(app, "/rollback [REF]"))
        await chat.pilot.press("enter")
        await chat.settle()
        assert app.query_one(RollbackPanel).ref == "model:recsys/10"  # the subject of /why


def _palette_offers(app, text: str) -> bool:  # noqa: ANN001
    from textual.command import CommandList

    lists = app.screen.query(CommandList)
    if not lists:
        return False
    options = lists.first().options
    return any(getattr(option, "hit", None) and option.hit.text == text for option in options)


async def test_model_and_clear_commands(chat_project: ChatProject) -> None:
    async with run_chat(settings=chat_project.settings) as chat:
        app = chat.app
        assert "stub (offline)" in app.query_one(ChatHeader).line().plain
        await chat.send(QUESTION)
        first = app.session.conversation
        await chat.send("/model stub")
        assert app.session.backend.label == "stub (offline)"
        assert app.session.conversation.id == first.id  # the conversation carries on
        assert len(app.session.exchanges()) == 1
        await chat.send("/clear")
        assert not app.query(AnswerView) and not app.query(UserMessage)
        assert app.session.exchanges() == []


async def test_a_store_that_cannot_open_is_a_notification(tmp_path: Path) -> None:
    from agentops.settings import load_settings

    settings = load_settings(tmp_path, db_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    async with run_chat(settings=settings) as chat:
        assert any("cannot open the lineage store" in t for t in chat.notifications())
        await chat.send(QUESTION)
        [stopped] = chat.of(AnswerStopped)
        assert "cannot open the lineage store" in stopped.message and not stopped.cancelled
        assert chat.app.chat_input.value == QUESTION
        assert not chat.app.answering


MARKUP = "[@click=app.quit]quit[/] [bold red]loud[/]"


async def test_graph_text_is_shown_as_text_never_as_markup(
    tmp_path: Path, sample: SimpleNamespace
) -> None:
    """Commit messages and incident titles are data: markup stays literal, escapes are dropped."""
    from dataclasses import replace

    from agentops.settings import load_settings
    from graph.store import open_store

    nodes, edges = sample.graph()
    hostile = {
        sample.C2: {"message": f"{MARKUP}\x1b[2J tune"},
        sample.INCIDENT: {"title": f"{MARKUP}\x1b]0;pwned\x07 NDCG@10 dropped"},
    }
    nodes = [replace(n, attrs=hostile.get(n.ref, n.attrs)) for n in nodes]
    settings = load_settings(tmp_path)
    with open_store(settings.db_url) as store:
        store.upsert(nodes, edges)
    async with run_chat(settings=settings) as chat:
        app = chat.app
        tree = app.query_one(LineageTree)
        assert MARKUP in tree.root.label.plain and "\x1b" not in tree.root.label.plain
        await chat.send(f"/lineage {sample.RUN2}")
        labels = [node.label.plain for node in _nodes(tree.root)]
        assert any(MARKUP in label and "\x1b" not in label for label in labels)
        await chat.send(f"tell me about {sample.C2}")
        answer = app.query_one(AnswerView)
        assert answer.state == "done" and "\x1b" not in answer.text
        assert app.is_running  # nothing quit the app
        svg = app.export_screenshot()
        assert "@click=app.quit" in svg.replace("&#160;", " ")


async def test_claude_streams_text_around_its_tool_calls(chat_project: ChatProject) -> None:
    """The real Anthropic backend against the local fake Messages API: text before a tool call
    and the answer after it stream into two Markdown parts, with the tool line between them."""
    from agentops.agent.backends.anthropic import AnthropicBackend
    from tests.agent.fake_messages_api import FakeMessagesAPI, Text, ToolUse

    final = f"The cause is `{chat_project.cause}`: it changed how confidence is weighted."
    script = [
        ToolUse([("why", {"bad": chat_project.incident})], text="Ranking the changes first."),
        Text(final, chunk=7),
    ]
    with FakeMessagesAPI(script) as api:
        backend = AnthropicBackend(
            "claude-sonnet-5-5", api_key="test", base_url=api.url, max_retries=0
        )
        async with run_chat(settings=chat_project.settings, backend=backend) as chat:
            app = chat.app
            assert "anthropic claude-sonnet-5-5" in app.query_one(ChatHeader).line().plain
            await chat.send(QUESTION)
            answer = app.query_one(AnswerView)
            assert answer.state == "done"
            kinds = [type(child).__name__ for child in answer.children]
            assert kinds == ["Markdown", "ToolCallLine", "Markdown", "Static"]
            first, second = answer.query(".part")
            assert first.source == "Ranking the changes first."
            assert second.source == final
            assert len([m for m in chat.of(AnswerText) if m.turn == 1]) > 5  # in pieces
            assert app.query_one(SuspectsTable).refs()[0] == chat_project.cause
            # the model was told what the chat is about
            assert f"The chat is open on {chat_project.incident}" in json.dumps(api.requests[0])
