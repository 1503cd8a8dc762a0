"""`agentops ask "QUESTION"`: one question to the agent, answered on stdout as it streams.

Notes for people go to stderr: which backend answers, one line per tool call, usage at the end
(token counts only for a real model: the offline stub spends none). On a terminal the answer is
rendered as Markdown when it is complete; piped, its text streams as written. With `--json`
nothing streams; the transcript (question, tool calls with inputs and compact
results, answer, usage) is printed when the answer is done. Registered by the main CLI with
`app.command()(ask)`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import (
    FormatOption,
    ModelOption,
    OutputFormat,
    print_json,
    state,
    stderr,
    wants_json,
)

if TYPE_CHECKING:
    from rich.console import Console

    from agentops.agent.events import AgentEvent
    from agentops.agent.loop import Answer


class _Printer:
    """Streams answer text to stdout and tool calls to stderr, keeping lines apart."""

    def __init__(self, console: Console, stream_text: bool) -> None:
        self.console = console
        self.stream_text = stream_text
        self.mid_line = False

    def __call__(self, event: AgentEvent) -> None:
        from agentops.agent.events import TextDelta, ToolResult
        from agentops.render import printable

        if isinstance(event, TextDelta) and self.stream_text:
            sys.stdout.write(printable(event.text))  # model text quotes untrusted graph text
            sys.stdout.flush()
            self.mid_line = not event.text.endswith("\n")
        elif isinstance(event, ToolResult):
            self.end_line()
            style = "red" if event.is_error else "dim"
            self.console.print(f"tool {event.name}: {event.summary}", style=style, markup=False)

    def end_line(self) -> None:
        if self.mid_line:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self.mid_line = False


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _usage_line(answer: Answer, offline: bool, saved: bool) -> str:
    usage = answer.usage
    tokens = (
        ""
        if offline
        else f", {usage.total_input:,} input tokens ({usage.cache_read_share:.0%} cache reads), "
        f"{usage.output_tokens:,} output"
    )
    kept = f"saved as {answer.conversation_id}" if saved else "not saved: the store is read-only"
    return (
        f"{_count(answer.turns, 'model turn')}, {_count(len(answer.tool_calls), 'tool call')}"
        f"{tokens}; {kept}"
    )


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    model: ModelOption = None,
    json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the transcript as JSON instead of the answer (--format json)."
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.TEXT,
) -> None:
    """Ask the agent a question about the lineage graph (read-only: it never changes anything)."""
    from agentops.agent.loop import answer_question
    from agentops.agent.tools import ToolContext
    from agentops.errors import UsageError

    json = wants_json(json, fmt)
    if not question.strip():
        raise UsageError("the question is empty", hint='ask in quotes: agentops ask "why …?"')
    project = state(ctx).project
    backend = project.backend(model)
    console = stderr()
    console.print(f"answering with {backend.label}", style="dim", markup=False)
    context = ToolContext(project)
    as_markdown = not json and sys.stdout.isatty()
    printer = _Printer(console, stream_text=not json and not as_markdown)
    save = not project.store.read_only  # a read-only store still answers; it keeps nothing
    answer = answer_question(question, context, backend, on_event=printer, save=save)
    printer.end_line()
    if json:
        print_json(answer.to_json())
    elif as_markdown:
        from rich.markdown import Markdown

        from agentops.cli.context import stdout
        from agentops.render import printable

        stdout().print(Markdown(printable(answer.text)))
    if answer.stop_reason != "end_turn":
        console.print(f"note: the answer stopped early ({answer.stop_reason})", style="yellow")
    console.print(_usage_line(answer, backend.offline, save), style="dim", markup=False)
