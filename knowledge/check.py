"""Validate a folder of cards and report every problem, for ``agentops knowledge check``.

Loading stops at the first invalid card; checking goes on, so a team fixing its folder sees the
whole list at once. Beyond per-card validation it flags what only shows across cards: two files
with one id, a file not named after its id, and references (``checks``, ``remediation``) to
cards or checklist items that do not exist.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.card import Card, CardKind
from knowledge.card_file import inspect_card
from knowledge.library import KnowledgeLibrary, builtin_cards, card_files
from knowledge.problems import CardProblem


def check_folder(folder: Path, library: KnowledgeLibrary | None = None) -> list[CardProblem]:
    """All problems in a team folder; references resolve against ``library`` plus the folder.

    Without ``library`` the built-in cards are the base, which is what the folder will be
    layered on at run time. Raises ``FolderError`` if the folder is missing.
    """
    problems: list[CardProblem] = []
    cards: list[Card] = []
    for path in card_files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(CardProblem(str(path), "file", f"cannot be read ({exc})"))
            continue
        card, found = inspect_card(text, str(path))
        problems.extend(found)
        if card is not None:
            if path.stem != card.id:
                problems.append(
                    CardProblem(
                        str(path),
                        "id",
                        f"'{card.id}' differs from the file name; name the file {card.id}.md",
                        "warning",
                    )
                )
            cards.append(card)
    problems.extend(_duplicate_ids(cards))
    base = list(library) if library is not None else list(builtin_cards())
    merged = KnowledgeLibrary([*base, *cards])
    problems.extend(reference_problems(cards, merged))
    return problems


def check_builtin() -> list[CardProblem]:
    """All problems in the built-in cards, including their layout (``<kind>/<id>.md``)."""
    cards = list(builtin_cards())
    problems = _duplicate_ids(cards)
    for card in cards:
        expected = f"/{card.kind.value}/{card.id}.md"
        if not card.source.endswith(expected):
            problems.append(
                CardProblem(card.source, "id", f"built-in card must live at cards{expected}")
            )
    problems.extend(reference_problems(cards, KnowledgeLibrary(cards)))
    return problems


def reference_problems(cards: list[Card], library: KnowledgeLibrary) -> list[CardProblem]:
    """Warnings for failure modes whose ``checks`` or ``remediation`` point at nothing.

    Warnings, not errors: the card still loads, but the analysis cannot suggest a check or a
    runbook it cannot find, so a reviewer should know.
    """
    problems: list[CardProblem] = []
    for card in cards:
        if card.kind is not CardKind.FAILURE_MODE:
            continue
        for check in card.checks:
            if not library.has_reference(check):
                problems.append(
                    CardProblem(
                        card.source,
                        "checks",
                        f"'{check}' is neither a card id nor a checklist item id",
                        "warning",
                    )
                )
        for runbook_id in card.remediation:
            target = library.find(runbook_id)
            if target is None or target.kind is not CardKind.RUNBOOK:
                problems.append(
                    CardProblem(
                        card.source,
                        "remediation",
                        f"'{runbook_id}' is not the id of a runbook card",
                        "warning",
                    )
                )
    return problems


def _duplicate_ids(cards: list[Card]) -> list[CardProblem]:
    first: dict[str, Card] = {}
    problems: list[CardProblem] = []
    for card in cards:
        if card.id in first:
            message = f"'{card.id}' is also used by {first[card.id].source}"
            problems.append(CardProblem(card.source, "id", message))
        else:
            first[card.id] = card
    return problems
