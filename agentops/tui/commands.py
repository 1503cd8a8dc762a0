"""Slash commands: what they are, how a line parses, completion, and the command palette.

One table (`SLASH_COMMANDS`) feeds all four: the parser, the input's inline completion
(`SlashSuggester`: command names, then refs the chat knows), the command palette
(`SlashCommandProvider`) and `/help`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.suggester import Suggester

from agentops.errors import UsageError


@dataclass(frozen=True, slots=True)
class SlashCommand:
    name: str
    params: tuple[str, ...]  # "REF" is required, "[REF]" optional
    help: str

    @property
    def usage(self) -> str:
        return " ".join([f"/{self.name}", *self.params])

    @property
    def required(self) -> int:
        return sum(1 for param in self.params if not param.startswith("["))

    @property
    def takes_refs(self) -> bool:
        """Whether its arguments are refs (completion offers the refs the chat knows)."""
        return any(p.strip("[]") in ("REF", "A", "B", "INCIDENT") for p in self.params)


SLASH_COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("why", ("REF",), "rank the suspects: what changed and what explains it"),
    SlashCommand("lineage", ("REF",), "show what REF came from in the Lineage tab"),
    SlashCommand("diff", ("A", "B"), "what differs between the lineage of A and B"),
    SlashCommand("impact", ("REF",), "models, deployments and incidents downstream of REF"),
    SlashCommand("checklist", ("[REF]",), "tests that would have caught it (Checklist tab)"),
    SlashCommand("rollback", ("[REF]",), "a rollback plan (Rollback plan tab)"),
    SlashCommand("postmortem", ("[INCIDENT]",), "draft the postmortem of the incident"),
    SlashCommand("export", ("FILE",), "write the postmortem (or, without an incident, the chat)"),
    SlashCommand("model", ("NAME",), "switch the model: a Claude model name, or stub"),
    SlashCommand("clear", (), "start a new conversation"),
    SlashCommand("help", (), "the commands and keys"),
)
BY_NAME = {command.name: command for command in SLASH_COMMANDS}


@dataclass(frozen=True, slots=True)
class Invocation:
    command: SlashCommand
    args: tuple[str, ...]
    text: str  # the line as typed, to put back in the input if the command fails


def parse(text: str) -> Invocation:
    """A typed line starting with `/` as a command and its arguments; UsageError if it is not."""
    try:
        words = shlex.split(text.strip())
    except ValueError as exc:
        raise UsageError(f"cannot read {text.strip()!r}: {exc}", hint="close the quote") from None
    name = words[0].removeprefix("/").lower() if words else ""
    command = BY_NAME.get(name)
    if command is None:
        near = get_close_matches(name, BY_NAME, n=1)
        hint = f"did you mean /{near[0]}?" if near else "type /help for the commands"
        raise UsageError(f"unknown command /{name}", hint=hint)
    args = tuple(words[1:])
    if not command.required <= len(args) <= len(command.params):
        raise UsageError(f"usage: {command.usage}", hint=command.help)
    return Invocation(command, args, text.strip())


def help_markdown(keys: Iterable[tuple[str, str]]) -> str:
    """The `/help` text: every command, then the keys."""
    lines = ["**Commands**", ""]
    lines += [f"- `{command.usage}` — {command.help}" for command in SLASH_COMMANDS]
    lines += ["", "**Keys**", ""]
    lines += [f"- `{key}` — {what}" for key, what in keys]
    lines += [
        "",
        "Anything else is a question for the agent (read-only: it never changes anything).",
    ]
    return "\n".join(lines)


class SlashSuggester(Suggester):
    """Inline completion: `/li` → `/lineage `, then the refs the chat knows for its arguments.

    `refs` is called on each lookup, so refs seen later (suspects, tree nodes) are offered too;
    short forms complete as well: `recsys/1` → `recsys/10` when `model:recsys/10` is known.
    """

    def __init__(self, refs: Callable[[], Iterable[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._refs = refs

    async def get_suggestion(self, value: str) -> str | None:
        if not value.startswith("/"):
            return None
        head, space, rest = value.partition(" ")
        name = head[1:].lower()
        if not space:
            for command in SLASH_COMMANDS:
                if command.name.startswith(name) and command.name != name:
                    return "/" + command.name + (" " if command.params else "")
            return None
        command = BY_NAME.get(name)
        if command is None or not command.takes_refs:
            return None
        words = rest.split(" ")
        partial_word = words[-1]
        if not partial_word:
            return None
        completed = complete_ref(partial_word, self._refs())
        if completed is None:
            return None
        return value[: len(value) - len(partial_word)] + completed


def complete_ref(partial_ref: str, refs: Iterable[str]) -> str | None:
    """The first known ref `partial_ref` starts (with or without its `kind:`), in the typed form."""
    for ref in refs:
        if ref.startswith(partial_ref) and ref != partial_ref:
            return ref
        short = ref.split(":", 1)[-1]
        if short.startswith(partial_ref) and short != partial_ref:
            return short
    return None


class SlashCommandProvider(Provider):
    """The command palette offers every slash command; choosing one runs it, or puts it in the
    input when it needs arguments."""

    def _choose(self, command: SlashCommand) -> None:
        chooser = getattr(self.app, "choose_command", None)
        if chooser is not None:
            chooser(command.name)

    async def discover(self) -> Hits:
        for command in SLASH_COMMANDS:
            yield DiscoveryHit(
                Text(command.usage), partial(self._choose, command), command.usage, command.help
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query.removeprefix("/"))
        for command in SLASH_COMMANDS:
            label = command.usage
            score = matcher.match(label)
            if score > 0:
                # highlight() reads its argument as markup: `[REF]` would vanish, so only the
                # name is highlighted and the parameters are added as plain text
                shown = matcher.highlight(f"/{command.name}")
                if command.params:
                    shown = shown + Content(" " + " ".join(command.params))
                yield Hit(
                    score,
                    shown,
                    partial(self._choose, command),
                    label,
                    command.help,
                )
