"""The Checklist tab: the tests that would have caught it and the readiness gaps (`/checklist`)."""

from __future__ import annotations

from agentops.tui.panels.document import DocumentPanel


class ChecklistPanel(DocumentPanel):
    EMPTY = "no checklist yet: /checklist [REF] suggests the tests that would have caught it"
