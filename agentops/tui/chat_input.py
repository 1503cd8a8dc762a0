"""The question line: history on up/down, Tab takes the inline completion."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

HISTORY_LIMIT = 200


class ChatInput(Input):
    """An `Input` that remembers what was sent.

    Up and down walk the lines sent before (newest first), and down past the newest brings back
    what was being typed. Tab accepts the suggestion shown after the cursor; with none, it moves
    the focus as usual.
    """

    BINDINGS = [
        Binding("up", "history(-1)", "Previous", show=False),
        Binding("down", "history(1)", "Next", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._position: int | None = None  # index into history while walking it
        self._draft = ""

    def remember(self, line: str) -> None:
        """Add a sent line (an immediate repeat is stored once)."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[:-HISTORY_LIMIT]
        self._position = None
        self._draft = ""

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._position is None:
            if step > 0:
                return
            self._draft = self.value
            position = len(self.history) - 1
        else:
            position = self._position + step
        if position < 0:
            position = 0
        if position >= len(self.history):
            self._position = None
            self._set(self._draft)
            return
        self._position = position
        self._set(self.history[position])

    def _set(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)

    def restore(self, line: str) -> None:
        """Put back a line whose command failed, unless something new was typed meanwhile."""
        if not self.value:
            self._set(line)

    def action_complete(self) -> None:
        suggestion = self._suggestion
        if suggestion and len(suggestion) > len(self.value):
            self._set(suggestion)
        else:
            self.screen.focus_next()
