"""Action items for a postmortem, from the knowledge cards of the causes found.

Each cause's failure-mode card names the checklist items that would have caught it (`checks`)
and the runbooks that fix it (`remediation`). Runbooks become *mitigate* items (or *process* for
a rollout practice such as a canary); checklist items become *prevent* items, except monitoring
items (*mitigate*: they shorten the next incident) and production-readiness items (*process*).
When no change in the lineage explains the incident, the cards that explain "no change"
(`change_types: [none]`) supply the items instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport, Suspect
    from knowledge.card import Card
    from knowledge.library import KnowledgeLibrary

MITIGATE, PREVENT, PROCESS = "mitigate", "prevent", "process"
RUNBOOKS_PER_CAUSE = 2
PROCESS_TAGS = frozenset({"canary", "progressive-delivery", "process"})


@dataclass(frozen=True, slots=True)
class ActionItem:
    text: str  # what to do, in words (card titles included: escape when rendering)
    type: str  # mitigate | prevent | process
    source: str  # the card or checklist item it comes from
    ref: str | None = None  # the change it is about, if one
    reason: str = ""  # why it is on the list (the failure mode it would have caught)
    owner: str = "TBD"
    tracking: str = "TBD"

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "type": self.type,
            "source": self.source,
            "ref": self.ref,
            "reason": self.reason,
            "owner": self.owner,
            "tracking": self.tracking,
        }


def item_type(item_id: str) -> str:
    """The action type of a checklist item, from its section (`monitoring-2` → mitigate)."""
    section = item_id.split("-", 1)[0]
    if section == "monitoring":
        return MITIGATE
    if section == "ready":
        return PROCESS
    return PREVENT


def _cards_of(
    suspects: list[Suspect], library: KnowledgeLibrary
) -> list[tuple[Suspect | None, Card]]:
    found = []
    for suspect in suspects:
        card = library.find(suspect.card) if suspect.card else None
        if card is not None:
            found.append((suspect, card))
    return found


def _no_change_cards(library: KnowledgeLibrary) -> list[tuple[Suspect | None, Card]]:
    from knowledge.errors import KnowledgeError

    try:
        return [(None, card) for card in library.for_change_type("none")]
    except KnowledgeError:
        return []


def action_items(
    report: RootCauseReport | None, library: KnowledgeLibrary | None, incident_ref: str
) -> list[ActionItem]:
    """Mitigations first, then prevention, then process; each item once."""
    items: list[ActionItem] = []
    seen: set[str] = set()

    def add(item: ActionItem) -> None:
        if item.source not in seen:
            seen.add(item.source)
            items.append(item)

    causes = report.causes if report else []
    if library is not None:
        pairs = _cards_of(causes, library) if causes else _no_change_cards(library)
        for suspect, card in pairs:
            runbooks = list(suspect.remediation) if suspect and suspect.remediation else []
            runbooks = runbooks or list(card.remediation)
            for runbook_id in runbooks[:RUNBOOKS_PER_CAUSE]:
                runbook = library.find(runbook_id)
                if runbook is None:
                    continue
                kind = PROCESS if PROCESS_TAGS & set(runbook.tags) else MITIGATE
                ref = suspect.ref if suspect else None
                add(ActionItem(runbook.title, kind, runbook_id, ref, f"fixes: {card.title}"))
        for _, card in pairs:
            for check in card.checks:
                found = _checklist_item(library, check)
                if found is not None:
                    reason = f"would have caught: {card.title}"
                    add(ActionItem(found, item_type(check), check, reason=reason))
    add(
        ActionItem(
            "Add the checks generated for this incident to CI and to the promotion gate: "
            f"agentops checklist suggest {incident_ref} --format pytest",
            PREVENT,
            "checklist-suggest",
        )
    )
    if library is not None and (canary := library.find("canary-rollout")) is not None:
        add(ActionItem(f"Promote through a gated canary: {canary.title}", PROCESS, canary.id))
    order = {MITIGATE: 0, PREVENT: 1, PROCESS: 2}
    return sorted(items, key=lambda item: order[item.type])


def _checklist_item(library: KnowledgeLibrary, item_id: str) -> str | None:
    from knowledge.errors import KnowledgeError

    try:
        _, item = library.checklist_item(item_id)
    except KnowledgeError:
        return None
    return item.title
