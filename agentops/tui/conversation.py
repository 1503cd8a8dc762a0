"""The conversation: questions, streamed answers with their tool calls, and command results.

An answer streams into a `Markdown` through `Markdown.get_stream()`: the `MarkdownStream`
batches fragments that arrive faster than the widget can lay them out, so the answer is
appended, never re-rendered per token. Each tool call is one compact line that expands (click or
Enter) to show what the tool returned. Text that comes from the graph or a model is shown as
plain text or Markdown, never as Textual markup, and without control characters.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Markdown, Static

from agentops.render import printable, safe
from agentops.tui.messages import (
    AnswerDone,
    AnswerStopped,
    AnswerText,
    ToolDone,
    ToolStarted,
    TurnDone,
)

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownStream

    from agentops.agent.loop import Answer
    from agentops.agent.messages import Usage

DETAIL_CHARS = 4_000  # how much of a tool result an expanded line shows


def clean(text: str) -> str:
    """Model or graph text without control characters (no terminal escapes), newlines kept."""
    return printable(text)


def _args(data: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in data.items())


class UserMessage(Static):
    """A question as the user typed it."""

    def __init__(self, question: str) -> None:
        super().__init__(Text(clean(question)), classes="user")
        self.question = question
        self.border_title = "you"


class ToolCallLine(Static, can_focus=True):
    """`▸ why(bad=incident:INC-1) → ok, 2,378 chars`; expanded, the result the tool gave."""

    BINDINGS = [Binding("enter,space", "toggle", "Details", show=False)]
    expanded: reactive[bool] = reactive(False)

    def __init__(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        super().__init__(classes="tool")
        self.call_id = call_id
        self.tool = name
        self.arguments = arguments
        self.summary = "running…"
        self.data: Any = None
        self.is_error = False
        self.done = False

    def finish(self, summary: str, data: Any, is_error: bool) -> None:
        self.summary, self.data, self.is_error, self.done = summary, data, is_error, True
        self.set_class(is_error, "error")
        self.refresh(layout=True)

    def render(self) -> RenderableType:
        mark = "▾" if self.expanded else "▸"
        line = Text(f"{mark} ", style="dim")
        line.append(safe(f"{self.tool}({_args(self.arguments)})", 160), style="bold")
        line.append(" → ", style="dim")
        line.append(safe(self.summary, 160), style="red" if self.is_error else "dim")
        if not self.expanded:
            return line
        shown = (
            self.data
            if isinstance(self.data, str)
            else json.dumps(self.data, indent=2, default=str, ensure_ascii=False)
        )
        shown = clean(shown or "")
        if len(shown) > DETAIL_CHARS:
            shown = shown[:DETAIL_CHARS] + f"\n… {len(shown) - DETAIL_CHARS:,} more characters"
        return Text.assemble(line, "\n", Text(shown, style="dim"))

    def watch_expanded(self) -> None:
        self.refresh(layout=True)

    def action_toggle(self) -> None:
        self.expanded = not self.expanded

    def on_click(self) -> None:
        self.expanded = not self.expanded


class AnswerView(Vertical):
    """One answer: streamed Markdown parts with tool lines between them, then a status line."""

    def __init__(self, answer_no: int, backend: str) -> None:
        super().__init__(classes="answer")
        self.answer_no = answer_no
        self.border_title = Text(safe(backend, 60))  # Text: a str title would be markup
        self._part: Markdown | None = None
        self._stream: MarkdownStream | None = None
        self._turn: int | None = None
        self.tools: dict[str, ToolCallLine] = {}
        self.streamed: list[str] = []
        self.state = "running"  # running | done | failed | cancelled

    def compose(self):  # noqa: ANN201 - a ComposeResult
        yield Static(Text("thinking…", style="dim italic"), classes="status")

    @property
    def text(self) -> str:
        """Everything streamed so far (what the Markdown parts hold once their streams end)."""
        return "".join(self.streamed)

    async def append_text(self, text: str, turn: int) -> None:
        text = clean(text)
        if not text:
            return
        if self._part is None or turn != self._turn:
            await self.close_stream()
            self._part = Markdown(classes="part", open_links=False)
            await self.mount(self._part, before=self.query_one(".status"))
            self._stream = Markdown.get_stream(self._part)
            self._turn = turn
        self.streamed.append(text)
        assert self._stream is not None
        await self._stream.write(text)

    async def close_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
        self._stream = None
        self._part = None

    async def tool_started(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        await self.close_stream()
        line = ToolCallLine(call_id, name, arguments)
        self.tools[call_id] = line
        await self.mount(line, before=self.query_one(".status"))

    def tool_done(self, call_id: str, summary: str, data: Any, is_error: bool) -> None:
        line = self.tools.get(call_id)
        if line is not None:
            line.finish(summary, data, is_error)

    def progress(self, turn: int, usage: Usage) -> None:
        self.query_one(".status", Static).update(
            Text(f"thinking… turn {turn + 1}, {usage.total_input:,} tokens in", style="dim italic")
        )

    async def finish(self, answer: Answer) -> None:
        await self.close_stream()
        if not self.streamed and answer.text:
            # a backend that did not stream: show the whole answer at once
            self.streamed.append(clean(answer.text))
            await self.mount(
                Markdown(clean(answer.text), classes="part", open_links=False),
                before=self.query_one(".status"),
            )
        self.state = "done"
        usage = answer.usage
        note = f"{answer.turns} turns · {len(answer.tool_calls)} tool calls · "
        note += f"{usage.total_input:,} tokens in, {usage.output_tokens:,} out"
        if answer.stop_reason != "end_turn":
            note += f" · stopped early ({answer.stop_reason})"
        self.query_one(".status", Static).update(Text(note, style="dim"))

    async def fail(self, message: str, cancelled: bool) -> None:
        await self.close_stream()
        self.state = "cancelled" if cancelled else "failed"
        text = "cancelled" if cancelled else f"failed: {safe(message, 200)}"
        self.set_class(True, "-stopped")
        self.query_one(".status", Static).update(
            Text(text + " (nothing of it is kept in the conversation)", style="italic")
        )


class NoteView(Vertical):
    """A command's result or a note from the chat: Markdown, plain text or a Rich renderable."""

    def __init__(self, title: str, body: str | RenderableType, markdown: bool = False) -> None:
        super().__init__(classes="note")
        self.border_title = Text(safe(title, 80))
        self.body = body
        self.markdown = markdown

    def compose(self):  # noqa: ANN201 - a ComposeResult
        if self.markdown:
            yield Markdown(clean(str(self.body)), open_links=False)
        elif isinstance(self.body, str):
            yield Static(Text(clean(self.body)))
        else:
            yield Static(self.body)


class ConversationView(VerticalScroll):
    """The scrolling column of messages; it stays at the bottom while an answer streams.

    The agent's worker posts its messages here: each is drawn into its answer (by number), then
    bubbles on to the app.

    It is anchored (kept scrolled to the end) only once the messages overflow it: an anchored
    view with little in it would push its messages to the bottom of the screen.
    """

    can_focus = False

    def watch_virtual_size(self) -> None:
        height = self.scrollable_content_region.height
        if not self.is_anchored and self.virtual_size.height > height > 0:
            self.anchor()

    async def add(self, widget: Static | Vertical) -> None:
        await self.mount(widget)

    async def add_user(self, question: str) -> None:
        await self.add(UserMessage(question))

    async def begin_answer(self, answer_no: int, backend: str) -> AnswerView:
        view = AnswerView(answer_no, backend)
        await self.add(view)
        return view

    async def add_note(
        self, title: str, body: str | RenderableType, markdown: bool = False
    ) -> NoteView:
        note = NoteView(title, body, markdown)
        await self.add(note)
        return note

    async def clear(self) -> None:
        await self.remove_children()

    def _answer(self, answer_no: int) -> AnswerView | None:
        for view in self.query(AnswerView):
            if view.answer_no == answer_no:
                return view
        return None  # cleared meanwhile

    async def on_answer_text(self, message: AnswerText) -> None:
        if view := self._answer(message.answer_no):
            await view.append_text(message.text, message.turn)

    async def on_tool_started(self, message: ToolStarted) -> None:
        if view := self._answer(message.answer_no):
            await view.tool_started(message.call_id, message.name, message.input)

    def on_tool_done(self, message: ToolDone) -> None:
        if view := self._answer(message.answer_no):
            view.tool_done(message.call_id, message.summary, message.data, message.is_error)

    def on_turn_done(self, message: TurnDone) -> None:
        view = self._answer(message.answer_no)
        if view is not None and view.state == "running":
            view.progress(message.turn, message.usage)

    async def on_answer_done(self, message: AnswerDone) -> None:
        if view := self._answer(message.answer_no):
            await view.finish(message.answer)

    async def on_answer_stopped(self, message: AnswerStopped) -> None:
        if view := self._answer(message.answer_no):
            await view.fail(message.message, message.cancelled)
