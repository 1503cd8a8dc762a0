"""The exceptions the knowledge library raises: one of the three roots of the tree drawn in
`agentops.errors` (`knowledge` cannot import `agentops`, so its root lives here).

Every error carries a ``message`` (what went wrong, in one line) and a ``hint`` (what to do
about it), so the CLI and the TUI can show both without a traceback::

    KnowledgeError
    ├── CardError            a card file is unreadable or its front matter is invalid
    ├── CardNotFoundError    no card has the requested id
    └── FolderError          a knowledge folder is missing or is not a folder
"""

from __future__ import annotations

from pathlib import Path


class KnowledgeError(Exception):
    """Base of the tree: an expected failure the user can act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class CardError(KnowledgeError):
    """A card is invalid; names the file and the front-matter field so it can be fixed."""

    def __init__(self, source: str | Path, field: str, problem: str, hint: str = "") -> None:
        self.source = str(source)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.source}: field '{field}': {problem}", hint)


class CardNotFoundError(KnowledgeError):
    """No card in the library has the id that was asked for."""

    def __init__(self, card_id: str, suggestions: list[str] | None = None) -> None:
        self.card_id = card_id
        self.suggestions = list(suggestions or [])
        if self.suggestions:
            hint = "did you mean: " + ", ".join(self.suggestions) + "?"
        else:
            hint = "list the cards with `agentops knowledge list` or search them by keyword"
        super().__init__(f"no knowledge card with id '{card_id}'", hint)


class FolderError(KnowledgeError):
    """A folder of team cards (from ``agentops.toml`` or the command line) cannot be read."""

    def __init__(self, folder: str | Path, problem: str) -> None:
        self.folder = str(folder)
        super().__init__(
            f"knowledge folder {self.folder}: {problem}",
            "check the `knowledge = [...]` list in agentops.toml (paths are relative to it)",
        )
