"""What a knowledge card is once loaded: plain, immutable data.

Reading and validating the Markdown file lives in ``card_file``; this module only holds the shape,
so the analysis and the agent can depend on it without pulling in a YAML parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CardKind(StrEnum):
    """What a card is for. Members compare equal to their string values."""

    FAILURE_MODE = "failure-mode"
    CHECKLIST = "checklist"
    RUNBOOK = "runbook"
    TEMPLATE = "template"


CARD_KINDS: tuple[str, ...] = tuple(member.value for member in CardKind)


@dataclass(frozen=True)
class ChecklistItem:
    """One test or question of a checklist card (e.g. ML Test Score ``data-1``).

    ``lineage_evidence`` says what in the lineage graph shows the item is in place, which is what
    lets ``agentops checklist`` score a project from its graph instead of asking people.
    """

    id: str
    title: str
    lineage_evidence: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, extra keys last."""
        return {
            "id": self.id,
            "title": self.title,
            "lineage_evidence": self.lineage_evidence,
            **dict(self.extra),
        }


@dataclass(frozen=True)
class Card:
    """A loaded card: front matter as typed fields, the Markdown body, and where it came from.

    The failure-mode fields are empty on other kinds; ``items`` belong to checklists and
    ``sections`` (the headings a generated document must have) to templates. ``prior`` is the
    weight a failure mode gives a suspect of one of its ``change_types`` before any evidence is
    looked at. ``source`` is the file it was read from (``knowledge/cards/...`` for built-ins), so
    a team can tell which copy of an overridden id is in effect.
    """

    id: str
    kind: CardKind
    title: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    body: str
    source: str
    builtin: bool = False
    change_types: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    prior: float | None = None
    checks: tuple[str, ...] = ()
    remediation: tuple[str, ...] = ()
    items: tuple[ChecklistItem, ...] = ()
    sections: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self, *, body: bool = True) -> dict[str, Any]:
        """JSON-ready form; the shape ``agentops knowledge show --json`` prints."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "title": self.title,
            "tags": list(self.tags),
            "sources": list(self.sources),
            "source": self.source,
            "builtin": self.builtin,
        }
        if self.kind is CardKind.FAILURE_MODE:
            data.update(
                change_types=list(self.change_types),
                evidence=list(self.evidence),
                prior=self.prior,
                checks=list(self.checks),
                remediation=list(self.remediation),
            )
        if self.sections:
            data["sections"] = list(self.sections)
        if self.items:
            data["items"] = [item.to_dict() for item in self.items]
        if self.extra:
            data["extra"] = dict(self.extra)
        if body:
            data["body"] = self.body
        return data
