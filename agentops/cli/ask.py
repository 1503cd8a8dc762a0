"""`agentops ask "QUESTION"`: one question to the agent, answered on stdout as it streams.

Notes for people go to stderr: which backend answers, one line per tool call, usage at the end.
With `--json` nothing streams; the transcript (question, tool calls with inputs and compact
results, answer, usage) is printed when the answer is done. Registered by the main CLI with
`app.command()(ask)`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from agentops.cli.context import ModelOption, print_json, state, stderr

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


def _usage_line(answer: Answer) -> str:
    usage = answer.usage
    return (
        f"{_count(answer.turns, 'model turn')}, {_count(len(answer.tool_calls), 'tool call')}, "
        f"{usage.total_input:,} input tokens ({usage.cache_read_share:.0%} cache reads), "
        f"{usage.output_tokens:,} output; saved as {answer.conversation_id}"
    )


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    model: ModelOption = None,
    json: Annotated[
        bool, typer.Option("--json", help="Print the transcript as JSON instead of the answer.")
    ] = False,
) -> None:
    """Ask the agent a question about the lineage graph (read-only: it never changes anything)."""
    from agentops.agent.loop import answer_question
    from agentops.agent.tools import ToolContext

    project = state(ctx).project
    backend = project.backend(model)
    console = stderr()
    console.print(f"answering with {backend.label}", style="dim", markup=False)
    context = ToolContext(project)
    printer = _Printer(console, stream_text=not json)
    answer = answer_question(question, context, backend, on_event=printer)
    printer.end_line()
    if json:
        print_json(answer.to_json())
    if answer.stop_reason != "end_turn":
        console.print(f"note: the answer stopped early ({answer.stop_reason})", style="yellow")
    console.print(_usage_line(answer), style="dim", markup=False)
