"""The Rollback plan tab: what to roll back to and how, safely (`/rollback`)."""

from __future__ import annotations

from agentops.tui.panels.document import DocumentPanel


class RollbackPanel(DocumentPanel):
    EMPTY = "no plan yet: /rollback [REF] plans a rollback (applying it is a separate command)"
