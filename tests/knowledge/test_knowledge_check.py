"""`check_folder`: every problem in a team folder, including the ones only visible across cards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import FolderError, check_folder, load_library


def test_a_clean_team_folder_has_no_problems(write_card: Callable[..., Path]) -> None:
    path = write_card("crm-nulls")
    assert check_folder(path.parent) == []


def test_check_rejects_a_card_with_a_missing_field_naming_file_and_field(
    write_card: Callable[..., Path],
) -> None:
    write_card("fine-card")
    bad = write_card("bad-card", drop=("title",))
    problems = check_folder(bad.parent)
    assert [(p.source, p.field, p.severity) for p in problems] == [(str(bad), "title", "error")]
    assert str(problems[0]) == f"{bad}: field 'title': missing (required)"


def test_check_reports_all_problems_in_all_files(write_card: Callable[..., Path]) -> None:
    first = write_card("first", drop=("sources",), prior=2)
    second = write_card("second", kind="runbook", drop=("tags",))
    problems = check_folder(first.parent)
    assert {(p.source, p.field) for p in problems if p.is_error} == {
        (str(first), "sources"),
        (str(first), "prior"),
        (str(second), "tags"),
    }


def test_dangling_references_and_misnamed_files_are_warnings(
    write_card: Callable[..., Path],
) -> None:
    path = write_card(
        "team-mode",
        filename="renamed.md",
        checks=["data-1", "data-99"],
        remediation=["data-pin", "null-spike", "call-the-vendor"],
    )
    problems = check_folder(path.parent)
    assert all(problem.severity == "warning" for problem in problems)
    messages = sorted((p.field, p.message) for p in problems)
    assert messages == [
        ("checks", "'data-99' is neither a card id nor a checklist item id"),
        ("id", "'team-mode' differs from the file name; name the file team-mode.md"),
        ("remediation", "'call-the-vendor' is not the id of a runbook card"),
        ("remediation", "'null-spike' is not the id of a runbook card"),
    ]


def test_references_may_point_at_runbooks_in_the_same_folder(
    write_card: Callable[..., Path],
) -> None:
    write_card("call-the-vendor", kind="runbook")
    path = write_card("team-mode", remediation=["call-the-vendor"])
    assert check_folder(path.parent) == []


def test_check_folder_resolves_against_the_given_library(
    write_card: Callable[..., Path], tmp_path: Path
) -> None:
    runbooks = write_card("call-the-vendor", kind="runbook", folder=tmp_path / "shared")
    team = write_card("team-mode", remediation=["call-the-vendor"], folder=tmp_path / "team")
    assert [p.field for p in check_folder(team.parent)] == ["remediation"]
    assert check_folder(team.parent, library=load_library([runbooks.parent])) == []


def test_duplicate_ids_are_errors(write_card: Callable[..., Path]) -> None:
    first = write_card("twice", filename="twice-again.md")  # sorts first: '-' < '.'
    second = write_card("twice", filename="twice.md")
    errors = [p for p in check_folder(second.parent) if p.is_error]
    assert [(p.source, p.field) for p in errors] == [(str(second), "id")]
    assert errors[0].message == f"'twice' is also used by {first}"


def test_checking_a_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(FolderError):
        check_folder(tmp_path / "nope")
