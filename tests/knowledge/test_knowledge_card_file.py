"""Parsing and validating one card file: every bad field is reported with file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import CardError, CardKind
from knowledge.card_file import inspect_card, parse_card, read_card


def test_a_valid_failure_mode_card_parses_into_typed_fields(
    write_card: Callable[..., Path],
) -> None:
    path = write_card("schema-lesson", tags=["Data", "schema"], prior=1)
    card = read_card(path)
    assert card.id == "schema-lesson"
    assert card.kind is CardKind.FAILURE_MODE
    assert card.tags == ("data", "schema")  # tags are case-folded for lookup
    assert card.prior == 1.0 and isinstance(card.prior, float)
    assert card.change_types == ("data-schema",)
    assert card.remediation == ("data-pin",)
    assert card.body.startswith("# A team lesson")
    assert card.source == str(path)
    assert not card.builtin


@pytest.mark.parametrize("field", ["id", "kind", "title", "tags", "sources"])
def test_a_missing_common_field_names_the_file_and_the_field(
    write_card: Callable[..., Path], field: str
) -> None:
    path = write_card("incomplete", kind="runbook", drop=(field,))
    with pytest.raises(CardError) as caught:
        read_card(path)
    assert caught.value.field == field
    assert caught.value.source == str(path)
    assert str(path) in caught.value.message
    assert f"'{field}'" in caught.value.message
    assert "missing" in caught.value.message


@pytest.mark.parametrize("field", ["change_types", "evidence", "prior", "checks", "remediation"])
def test_a_failure_mode_without_its_own_fields_is_rejected(
    write_card: Callable[..., Path], field: str
) -> None:
    with pytest.raises(CardError) as caught:
        read_card(write_card("half-done", drop=(field,)))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"kind": "playbook"}, "kind", "not one of"),
        ({"id": "Not An Id"}, "id", "lower-case words"),
        ({"tags": "schema"}, "tags", "list of non-empty strings"),
        ({"change_types": ["schema"]}, "change_types", "'schema' is not a change type"),
        ({"change_types": []}, "change_types", "at least one"),
        ({"prior": 1.5}, "prior", "from 0 to 1"),
        ({"prior": True}, "prior", "from 0 to 1"),
        ({"prior": "high"}, "prior", "from 0 to 1"),
        ({"title": "  "}, "title", "non-empty string"),
    ],
)
def test_invalid_values_are_reported_on_their_field(
    fields: dict[str, object], field: str, fragment: str, card_text: Callable[..., str]
) -> None:
    with pytest.raises(CardError) as caught:
        parse_card(card_text("bad-card", **fields), "ops/bad-card.md")
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert caught.value.message.startswith("ops/bad-card.md: field ")


def test_inspect_reports_every_problem_not_just_the_first(card_text: Callable[..., str]) -> None:
    text = card_text("two-problems", drop=("title",), prior=7)
    card, problems = inspect_card(text, "x.md")
    assert card is None
    assert {problem.field for problem in problems if problem.is_error} == {"title", "prior"}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("# just markdown\n", "must start with a '---'"),
        ("---\nid: x\n", "no closing '---'"),
        ("---\nid: [unclosed\n---\nbody\n", "invalid YAML at line"),
        ("---\n- a list\n---\nbody\n", "YAML mapping"),
    ],
)
def test_broken_front_matter_is_reported_as_such(text: str, fragment: str) -> None:
    with pytest.raises(CardError) as caught:
        parse_card(text, "broken.md")
    assert caught.value.field == "front matter"
    assert fragment in caught.value.message


def test_a_card_without_body_is_rejected(card_text: Callable[..., str]) -> None:
    with pytest.raises(CardError) as caught:
        parse_card(card_text("empty", kind="runbook", body="\n  \n"), "empty.md")
    assert caught.value.field == "body"


def test_unknown_and_misplaced_fields_are_kept_as_warnings(card_text: Callable[..., str]) -> None:
    text = card_text("runbook-x", kind="runbook", owner="team-a", prior=0.5)
    card, problems = inspect_card(text, "runbook-x.md")
    assert card is not None
    assert card.extra == {"owner": "team-a", "prior": 0.5}
    assert card.prior is None
    messages = {problem.field: problem.message for problem in problems}
    assert all(problem.severity == "warning" for problem in problems)
    assert messages["prior"] == "only used on failure-mode cards"
    assert "unknown field" in messages["owner"]


def test_checklist_items_are_validated_one_by_one(card_text: Callable[..., str]) -> None:
    items = [
        {"id": "team-1", "title": "Schema is checked", "lineage_evidence": "expectations run"},
        {"id": "team-1", "title": "Duplicate id"},
        {"title": "No id"},
        "not a mapping",
    ]
    card, problems = inspect_card(card_text("team-list", kind="checklist", items=items), "c.md")
    assert card is None
    assert [problem.field for problem in problems] == ["items[1].id", "items[2].id", "items[3]"]


def test_checklist_items_keep_extra_keys(card_text: Callable[..., str]) -> None:
    items = [{"id": "team-1", "title": "A", "lineage_evidence": "B", "test_type": "INV"}]
    card = parse_card(card_text("team-list", kind="checklist", items=items), "c.md")
    assert card.items[0].id == "team-1"
    assert card.items[0].extra == {"test_type": "INV"}
    assert card.to_dict()["items"] == [
        {"id": "team-1", "title": "A", "lineage_evidence": "B", "test_type": "INV"}
    ]


def test_unreadable_file_is_a_card_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes("---\nid: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CardError) as caught:
        read_card(path)
    assert caught.value.field == "file"
