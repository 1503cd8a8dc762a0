"""The context panels on the chat's right: one tab each, in the order of `CONTEXT_TABS`.

A new panel is a module in this folder (a Textual widget with a `show(...)` the app calls when its
result arrives) and one `ContextTab` line here; the app composes the tabs from this registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widget import Widget

from agentops.tui.panels.checklist import ChecklistPanel
from agentops.tui.panels.lineage import LineagePanel
from agentops.tui.panels.rollback import RollbackPanel
from agentops.tui.panels.suspects import SuspectsPanel


@dataclass(frozen=True, slots=True)
class ContextTab:
    """One tab: its id (also `/commands` and tests find it by `<id>-panel`), title and widget."""

    id: str
    title: str
    panel: type[Widget]

    @property
    def panel_id(self) -> str:
        return f"{self.id}-panel"


CONTEXT_TABS: tuple[ContextTab, ...] = (
    ContextTab("lineage", "Lineage", LineagePanel),
    ContextTab("suspects", "Suspects", SuspectsPanel),
    ContextTab("checklist", "Checklist", ChecklistPanel),
    ContextTab("rollback", "Rollback plan", RollbackPanel),
)
