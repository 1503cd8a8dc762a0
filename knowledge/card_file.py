"""Reading a card file: split the YAML front matter from the Markdown body and validate it.

A card is a Markdown file that starts with a ``---`` fenced YAML block. Validation collects
every problem in the file (``inspect_card``) so ``check`` can report them all; loading
(``parse_card``, ``read_card``) raises the first error as a ``CardError`` naming file and field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from knowledge.card import CARD_KINDS, Card, CardKind, ChecklistItem
from knowledge.change_types import CHANGE_TYPES
from knowledge.errors import CardError
from knowledge.problems import CardProblem, Severity

CARD_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""Lower-case words joined by hyphens: ids are typed at the prompt and used as file names."""

COMMON_FIELDS = ("id", "kind", "title", "tags", "sources")
FAILURE_MODE_FIELDS = ("change_types", "evidence", "prior", "checks", "remediation")
CHECKLIST_FIELDS = ("items",)
TEMPLATE_FIELDS = ("sections",)
ITEM_FIELDS = ("id", "title", "lineage_evidence")

_FIELD_OWNERS = {
    **dict.fromkeys(FAILURE_MODE_FIELDS, "failure-mode"),
    **dict.fromkeys(CHECKLIST_FIELDS, "checklist"),
    **dict.fromkeys(TEMPLATE_FIELDS, "template"),
}

MAX_FRONT_MATTER_CHARS = 64 * 1024
"""A card's front matter is a few fields; a team folder is untrusted input, and YAML aliases
can expand a few kilobytes into gigabytes, so front matter is bounded and aliases refused."""
_FENCE = "---"
_FENCE_ENDS = ("---", "...")


def read_card(path: Path, *, source: str | None = None, builtin: bool = False) -> Card:
    """Load one card file, raising ``CardError`` (file and field) if it is not a valid card."""
    shown = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError(shown, "file", f"cannot be read ({exc})") from exc
    return parse_card(text, shown, builtin=builtin)


def parse_card(text: str, source: str, *, builtin: bool = False) -> Card:
    """Build a card from the text of a card file, raising ``CardError`` on the first error."""
    card, problems = inspect_card(text, source, builtin=builtin)
    for problem in problems:
        if problem.is_error:
            raise problem.to_error()
    assert card is not None  # no errors means a card was built
    return card


def inspect_card(
    text: str, source: str, *, builtin: bool = False
) -> tuple[Card | None, list[CardProblem]]:
    """Validate a card file's text; return the card (``None`` if any error) and all problems."""
    problems: list[CardProblem] = []
    split = _split_front_matter(text, source, problems)
    if split is None:
        return None, problems
    data, body = split
    checker = _FieldChecker(data, source, problems)
    card = checker.build(body.strip(), builtin=builtin)
    if any(problem.is_error for problem in problems):
        return None, problems
    return card, problems


def _split_front_matter(
    text: str, source: str, problems: list[CardProblem]
) -> tuple[dict[str, Any], str] | None:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        problems.append(
            CardProblem(
                source,
                "front matter",
                "the file must start with a '---' line opening the YAML front matter",
            )
        )
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in _FENCE_ENDS), None)
    if end is None:
        problems.append(
            CardProblem(source, "front matter", "no closing '---' line after the front matter")
        )
        return None
    import yaml  # deferred: `import knowledge` stays cheap

    front = "\n".join(lines[1:end])
    if len(front) > MAX_FRONT_MATTER_CHARS:
        problems.append(
            CardProblem(
                source, "front matter", f"longer than {MAX_FRONT_MATTER_CHARS:,} characters"
            )
        )
        return None
    try:
        if any(isinstance(token, yaml.AliasToken) for token in yaml.scan(front)):
            problems.append(
                CardProblem(
                    source,
                    "front matter",
                    "uses YAML aliases (*name): write each value out, a card needs none",
                )
            )
            return None
        data = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(CardProblem(source, "front matter", f"invalid YAML{where}: {reason}"))
        return None
    if not isinstance(data, dict):
        problems.append(
            CardProblem(source, "front matter", "must be a YAML mapping of field: value")
        )
        return None
    return data, "\n".join(lines[end + 1 :])


class _FieldChecker:
    """Reads typed fields out of the front-matter mapping, recording a problem per bad field."""

    def __init__(self, data: dict[str, Any], source: str, problems: list[CardProblem]) -> None:
        self.data = data
        self.source = source
        self.problems = problems

    def problem(self, field: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(CardProblem(self.source, field, message, severity))

    def build(self, body: str, *, builtin: bool) -> Card | None:
        card_id = self.identifier("id")
        kind_name = self.string("kind")
        kind: CardKind | None = None
        if kind_name is not None:
            if kind_name in CARD_KINDS:
                kind = CardKind(kind_name)
            else:
                self.problem("kind", f"'{kind_name}' is not one of: {', '.join(CARD_KINDS)}")
        title = self.string("title")
        tags = tuple(tag.lower() for tag in self.string_list("tags"))
        sources = self.string_list("sources")
        if not body:
            self.problem("body", "the card has no Markdown body after the front matter")

        known = set(COMMON_FIELDS)
        change_types: tuple[str, ...] = ()
        evidence: tuple[str, ...] = ()
        checks: tuple[str, ...] = ()
        remediation: tuple[str, ...] = ()
        prior: float | None = None
        items: tuple[ChecklistItem, ...] = ()
        sections: tuple[str, ...] = ()
        if kind is CardKind.FAILURE_MODE:
            known.update(FAILURE_MODE_FIELDS)
            change_types = self.string_list("change_types", nonempty=True)
            for value in change_types:
                if value not in CHANGE_TYPES:
                    self.problem(
                        "change_types",
                        f"'{value}' is not a change type (see knowledge/change_types.py)",
                    )
            evidence = self.string_list("evidence", nonempty=True)
            prior = self.prior()
            checks = self.string_list("checks")
            remediation = self.string_list("remediation")
        elif kind is CardKind.CHECKLIST:
            known.update(CHECKLIST_FIELDS)
            items = self.items()
        elif kind is CardKind.TEMPLATE:
            known.update(TEMPLATE_FIELDS)
            if "sections" in self.data:
                sections = self.string_list("sections")

        extra = {key: value for key, value in self.data.items() if key not in known}
        for key in extra:
            owner = _FIELD_OWNERS.get(str(key))
            if owner is not None:
                message = f"only used on {owner} cards"
            else:
                message = "unknown field (kept, but nothing reads it)"
            self.problem(str(key), message, "warning")

        if card_id is None or kind is None or title is None:
            return None
        return Card(
            id=card_id,
            kind=kind,
            title=title,
            tags=tags,
            sources=sources,
            body=body,
            source=self.source,
            builtin=builtin,
            change_types=change_types,
            evidence=evidence,
            prior=prior,
            checks=checks,
            remediation=remediation,
            items=items,
            sections=sections,
            extra=extra,
        )

    def string(self, field: str) -> str | None:
        if field not in self.data or self.data[field] is None:
            self.problem(field, "missing (required)")
            return None
        value = self.data[field]
        if not isinstance(value, str) or not value.strip():
            self.problem(field, f"must be a non-empty string, got {_describe(value)}")
            return None
        return value.strip()

    def identifier(self, field: str) -> str | None:
        value = self.string(field)
        if value is not None and not CARD_ID_PATTERN.match(value):
            self.problem(field, f"'{value}' must be lower-case words joined by hyphens")
            return None
        return value

    def string_list(self, field: str, *, nonempty: bool = False) -> tuple[str, ...]:
        if field not in self.data or self.data[field] is None:
            self.problem(field, "missing (required; use [] for none)")
            return ()
        value = self.data[field]
        if not isinstance(value, list) or not all(
            isinstance(entry, str) and entry.strip() for entry in value
        ):
            self.problem(field, f"must be a list of non-empty strings, got {_describe(value)}")
            return ()
        if nonempty and not value:
            self.problem(field, "must list at least one entry")
        return tuple(entry.strip() for entry in value)

    def prior(self) -> float | None:
        if "prior" not in self.data or self.data["prior"] is None:
            self.problem("prior", "missing (required: a number from 0 to 1)")
            return None
        value = self.data["prior"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.problem("prior", f"must be a number from 0 to 1, got {_describe(value)}")
            return None
        return float(value)

    def items(self) -> tuple[ChecklistItem, ...]:
        value = self.data.get("items")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("items", f"must be a list of mappings, got {_describe(value)}")
            return ()
        items: list[ChecklistItem] = []
        seen: set[str] = set()
        for index, entry in enumerate(value):
            where = f"items[{index}]"
            if not isinstance(entry, dict):
                self.problem(where, f"must be a mapping with id and title, got {_describe(entry)}")
                continue
            item_id, title = entry.get("id"), entry.get("title")
            evidence = entry.get("lineage_evidence", "")
            ok = True
            if not isinstance(item_id, str) or not CARD_ID_PATTERN.match(item_id):
                self.problem(f"{where}.id", "missing or not lower-case words joined by hyphens")
                ok = False
            elif item_id in seen:
                self.problem(f"{where}.id", f"'{item_id}' appears twice in this card")
                ok = False
            if not isinstance(title, str) or not title.strip():
                self.problem(f"{where}.title", "missing or not a non-empty string")
                ok = False
            if not isinstance(evidence, str):
                self.problem(f"{where}.lineage_evidence", "must be a string")
                ok = False
            if ok:
                seen.add(item_id)
                extra = {key: val for key, val in entry.items() if key not in ITEM_FIELDS}
                items.append(ChecklistItem(item_id, title.strip(), evidence.strip(), extra))
        return tuple(items)


def _describe(value: object) -> str:
    """A short, safe rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
