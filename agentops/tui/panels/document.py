"""A context tab that shows one Markdown document (the checklist, the rollback plan).

The analysis renders the document (`ChecklistSuggestion.to_markdown`, `RollbackPlan.to_markdown`)
with graph text escaped; links are not opened from here.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from agentops.render import safe
from agentops.tui.conversation import clean


class DocumentPanel(VerticalScroll):
    """A caption and a Markdown document, with what to type while it is empty."""

    EMPTY = ""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ref: str | None = None
        self.markdown = ""

    def compose(self):  # noqa: ANN201 - a ComposeResult
        yield Static(Text(self.EMPTY, style="dim"), classes="caption")
        yield Markdown(open_links=False)

    async def show(self, ref: str, markdown: str) -> None:
        self.ref, self.markdown = ref, markdown
        self.query_one(".caption", Static).update(Text(f"for {safe(ref, 80)}", style="dim"))
        await self.query_one(Markdown).update(clean(markdown))
        self.scroll_home(animate=False)
