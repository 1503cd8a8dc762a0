"""The knowledge library: the built-in cards plus the team's folders, with lookups and search.

Built-in cards ship as package data under ``knowledge/cards/<kind>/<id>.md`` and are read through
``importlib.resources`` so they load the same from a checkout, a wheel or a zip. Team folders are
read after them, in order; a card whose id is already loaded replaces the earlier one, which is how
a team corrects or sharpens a built-in lesson without forking the package.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.card import CARD_KINDS, Card, CardKind, ChecklistItem
from knowledge.card_file import parse_card, read_card
from knowledge.change_types import CHANGE_TYPES
from knowledge.errors import CardError, CardNotFoundError, FolderError, KnowledgeError

if TYPE_CHECKING:
    from knowledge.search import SearchHit, SearchIndex

BUILTIN_ROOT = "knowledge/cards"
"""How built-in card sources are shown (relative to the repository / site-packages)."""


def is_card_file(path: Path) -> bool:
    """Whether a file in a team folder is meant to be a card.

    Every ``*.md`` is, except a README and anything whose name (or folder) starts with ``_`` or
    ``.``, so a team can keep notes and drafts beside its cards.
    """
    if path.suffix.lower() != ".md" or path.name.lower() == "readme.md":
        return False
    return not any(part.startswith(("_", ".")) for part in path.parts)


def card_files(folder: Path) -> list[Path]:
    """The card files under ``folder``, recursively, in a stable order."""
    if not folder.exists():
        raise FolderError(folder, "does not exist")
    if not folder.is_dir():
        raise FolderError(folder, "is not a folder")
    return sorted(
        path
        for path in folder.rglob("*.md")
        if path.is_file() and is_card_file(path.relative_to(folder))
    )


def load_folder(folder: Path) -> list[Card]:
    """Every card in one team folder; raises ``CardError`` on the first invalid card.

    Two files with the same id in one folder are an error: which one wins would depend on file
    names, and a silent override inside a folder is never what the author meant.
    """
    cards: dict[str, Card] = {}
    for path in card_files(folder):
        card = read_card(path)
        if card.id in cards:
            raise CardError(
                path,
                "id",
                f"'{card.id}' is already used by {cards[card.id].source}",
                "give each card in a folder its own id",
            )
        cards[card.id] = card
    return list(cards.values())


@cache
def builtin_cards() -> tuple[Card, ...]:
    """The cards shipped with the package, parsed once per process."""
    cards: list[Card] = []
    for relative, entry in _walk(resources.files("knowledge").joinpath("cards"), ""):
        source = f"{BUILTIN_ROOT}/{relative}"
        cards.append(parse_card(entry.read_text(encoding="utf-8"), source, builtin=True))
    return tuple(cards)


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(node.iterdir(), key=lambda child: child.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            yield from _walk(entry, relative + "/")
        elif entry.name.endswith(".md"):
            yield relative, entry


def load_library(folders: Sequence[Path] = ()) -> KnowledgeLibrary:
    """The built-in cards overlaid with each team folder in order (later folders win an id).

    Raises ``FolderError`` for a missing folder and ``CardError`` for an invalid card, so a typo
    in ``agentops.toml`` or a broken card is reported instead of silently ignored.
    """
    cards: dict[str, Card] = {card.id: card for card in builtin_cards()}
    overridden: list[tuple[Card, Card]] = []
    for folder in folders:
        for card in load_folder(Path(folder)):
            if card.id in cards:
                overridden.append((cards[card.id], card))
            cards[card.id] = card
    return KnowledgeLibrary(cards.values(), overridden)


class KnowledgeLibrary:
    """A set of cards with unique ids, and the lookups the analysis, agent and CLI need.

    Ordering is stable: built-ins in kind/id order, then team cards in folder order (an override
    keeps the position of the card it replaces).
    """

    def __init__(self, cards: Iterable[Card], overridden: Sequence[tuple[Card, Card]] = ()) -> None:
        self._cards: dict[str, Card] = {}
        for card in cards:
            self._cards[card.id] = card
        self._overridden = tuple(overridden)
        self._items: dict[str, tuple[Card, ChecklistItem]] = {}
        for card in self._cards.values():
            for item in card.items:
                self._items.setdefault(item.id, (card, item))
        self._index: SearchIndex | None = None

    def __len__(self) -> int:
        return len(self._cards)

    def __iter__(self) -> Iterator[Card]:
        return iter(self._cards.values())

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._cards

    @property
    def cards(self) -> list[Card]:
        """All cards in library order."""
        return list(self._cards.values())

    @property
    def overridden(self) -> list[tuple[Card, Card]]:
        """(replaced, replacement) pairs, so a team can see which built-ins it shadows."""
        return list(self._overridden)

    def get(self, card_id: str) -> Card:
        """The card with this id; raises ``CardNotFoundError`` with close ids as suggestions."""
        card = self._cards.get(card_id)
        if card is None:
            close = difflib.get_close_matches(card_id, list(self._cards), n=3, cutoff=0.6)
            raise CardNotFoundError(card_id, close)
        return card

    def find(self, card_id: str) -> Card | None:
        """The card with this id, or ``None``; for callers that treat absence as normal."""
        return self._cards.get(card_id)

    def by_kind(self, kind: CardKind | str) -> list[Card]:
        """Cards of one kind; an unknown kind is an error rather than an empty list."""
        if kind not in CARD_KINDS:
            raise KnowledgeError(
                f"unknown card kind '{kind}'", f"use one of: {', '.join(CARD_KINDS)}"
            )
        return [card for card in self._cards.values() if card.kind == kind]

    def by_tag(self, tag: str) -> list[Card]:
        """Cards carrying ``tag`` (case-insensitive)."""
        wanted = tag.strip().lower()
        return [card for card in self._cards.values() if wanted in card.tags]

    def for_change_type(self, change_type: str) -> list[Card]:
        """Failure modes that explain a change of this type, highest prior first.

        This is the analysis's entry point: a suspect of type ``data-schema`` takes its prior and
        its evidence patterns from these cards.
        """
        if change_type not in CHANGE_TYPES:
            raise KnowledgeError(
                f"unknown change type '{change_type}'",
                f"use one of: {', '.join(CHANGE_TYPES)}",
            )
        matches = [
            card
            for card in self._cards.values()
            if card.kind is CardKind.FAILURE_MODE and change_type in card.change_types
        ]
        return sorted(matches, key=lambda card: (-(card.prior or 0.0), card.id))

    def checklist_item(self, item_id: str) -> tuple[Card, ChecklistItem]:
        """The checklist item with this id (e.g. ``data-1``) and the card that holds it.

        Failure modes name the checks that would have caught them by item id; this resolves them.
        """
        found = self._items.get(item_id)
        if found is None:
            close = difflib.get_close_matches(item_id, list(self._items), n=3, cutoff=0.6)
            raise CardNotFoundError(item_id, close)
        return found

    def has_reference(self, ref: str) -> bool:
        """Whether ``ref`` names a card or a checklist item in this library."""
        return ref in self._cards or ref in self._items

    def search(self, query: str, limit: int = 5) -> list[SearchHit]:
        """Cards ranked by BM25 relevance to ``query``, each with a snippet; best first."""
        if not query.strip():
            raise KnowledgeError("the search query is empty", "search for a few keywords")
        if limit < 1:
            raise KnowledgeError(f"limit must be at least 1, got {limit}")
        if self._index is None:
            from knowledge.search import SearchIndex

            self._index = SearchIndex(self.cards)
        return self._index.search(query, limit)
