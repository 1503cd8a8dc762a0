"""The top line: which project, which lineage database, which model, and what is discussed."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from agentops.render import safe

_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def short_db(url: str, root: Path) -> str:
    """The database as people want to read it: a SQLite path relative to the project, or the
    URL with any password hidden."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = Path(url.removeprefix(prefix))
        try:
            return str(path.relative_to(root))
        except ValueError:
            return str(path)
    return _PASSWORD.sub(r"\1***@", url)


def short_backend(label: str) -> str:
    """`stub (offline: ANTHROPIC_API_KEY is not set)` → `stub (offline)`: the reason is in the
    welcome note, the header has one line."""
    name, paren, rest = label.partition(" (")
    if paren and ":" in rest:
        return f"{name} ({rest.split(':', 1)[0]})"
    return label


class ChatHeader(Static):
    """`project P · db D · model M · on incident:…` on one line."""

    def __init__(self, project: str, db: str, backend: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.project, self.db, self.backend = project, db, backend
        self.subject: str | None = None
        self.update(self.line())

    def line(self) -> Text:
        text = Text(" ")
        model = short_backend(self.backend)
        for label, value in (("project", self.project), ("db", self.db), ("model", model)):
            if label != "project":
                text.append(" · ", style="dim")
            text.append(f"{label} ", style="dim")
            text.append(safe(value, 80), style="bold")
        if self.subject:
            text.append(" · ", style="dim")
            text.append("on ", style="dim")
            text.append(safe(self.subject, 60), style="bold")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def set(
        self, *, db: str | None = None, backend: str | None = None, subject: str | None = None
    ) -> None:
        if db is not None:
            self.db = db
        if backend is not None:
            self.backend = backend
        if subject is not None:
            self.subject = subject
        self.update(self.line())
