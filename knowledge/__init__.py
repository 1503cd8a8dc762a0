"""Expert knowledge for ML operations: failure modes, checklists, runbooks and templates.

Cards are Markdown files with YAML front matter, shipped under ``knowledge/cards`` and extended by
a team's own folders. Start with ``load_library()``::

    from knowledge import load_library
    library = load_library([Path("docs/ops")])
    library.search("column renamed upstream")[0].card.id   # 'upstream-schema-change'
    library.for_change_type("data-schema")                  # failure modes, highest prior first

The public names are imported lazily (PEP 562) so ``import knowledge`` costs next to nothing;
the YAML parser loads only when cards are read.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.card import CARD_KINDS, Card, CardKind, ChecklistItem
    from knowledge.change_types import CHANGE_TYPES, ChangeType, is_change_type
    from knowledge.check import check_builtin, check_folder
    from knowledge.errors import CardError, CardNotFoundError, FolderError, KnowledgeError
    from knowledge.library import KnowledgeLibrary, builtin_cards, load_folder, load_library
    from knowledge.problems import CardProblem
    from knowledge.search import SearchHit

_EXPORTS: dict[str, str] = {
    "CARD_KINDS": "knowledge.card",
    "Card": "knowledge.card",
    "CardKind": "knowledge.card",
    "ChecklistItem": "knowledge.card",
    "CHANGE_TYPES": "knowledge.change_types",
    "ChangeType": "knowledge.change_types",
    "is_change_type": "knowledge.change_types",
    "check_builtin": "knowledge.check",
    "check_folder": "knowledge.check",
    "CardError": "knowledge.errors",
    "CardNotFoundError": "knowledge.errors",
    "FolderError": "knowledge.errors",
    "KnowledgeError": "knowledge.errors",
    "KnowledgeLibrary": "knowledge.library",
    "builtin_cards": "knowledge.library",
    "load_folder": "knowledge.library",
    "load_library": "knowledge.library",
    "CardProblem": "knowledge.problems",
    "SearchHit": "knowledge.search",
}

__all__ = [
    "CARD_KINDS",
    "CHANGE_TYPES",
    "Card",
    "CardError",
    "CardKind",
    "CardNotFoundError",
    "CardProblem",
    "ChangeType",
    "ChecklistItem",
    "FolderError",
    "KnowledgeError",
    "KnowledgeLibrary",
    "SearchHit",
    "builtin_cards",
    "check_builtin",
    "check_folder",
    "is_change_type",
    "load_folder",
    "load_library",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
