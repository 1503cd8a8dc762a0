"""Loading the library: built-ins plus team folders in order, and the lookups on it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import (
    CardError,
    CardKind,
    CardNotFoundError,
    FolderError,
    KnowledgeError,
    load_library,
)

REPO = Path(__file__).resolve().parents[2]


def test_a_team_card_overrides_the_builtin_with_the_same_id(
    write_card: Callable[..., Path],
) -> None:
    path = write_card("null-spike", title="Our null spikes come from the CRM export", prior=0.8)
    library = load_library([path.parent])
    card = library.get("null-spike")
    assert card.title == "Our null spikes come from the CRM export"
    assert card.source == str(path) and not card.builtin
    assert len(library) == len(load_library())  # replaced, not added
    [(replaced, replacement)] = library.overridden
    assert replaced.builtin and replaced.id == "null-spike"
    assert replacement is card
    # the override is what lookups by change type see
    assert card in library.for_change_type("data-schema")
    assert card not in library.for_change_type("data-nulls")


def test_later_folders_override_earlier_ones(
    write_card: Callable[..., Path], tmp_path: Path
) -> None:
    first = write_card("crm-export", folder=tmp_path / "a", title="From folder a")
    second = write_card("crm-export", folder=tmp_path / "b", title="From folder b")
    library = load_library([first.parent, second.parent])
    assert library.get("crm-export").title == "From folder b"
    assert len(library) == len(load_library()) + 1


def test_team_cards_are_found_recursively_and_readmes_and_drafts_are_skipped(
    write_card: Callable[..., Path], tmp_path: Path
) -> None:
    ops = tmp_path / "ops"
    write_card("nested-lesson", folder=ops / "failure-modes")
    (ops / "README.md").write_text("# Our ops cards\n", "utf-8")
    write_card("draft", folder=ops / "_drafts", text="not a card")
    library = load_library([ops])
    assert "nested-lesson" in library
    assert library.get("nested-lesson").source == str(ops / "failure-modes" / "nested-lesson.md")


def test_a_missing_team_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FolderError) as caught:
        load_library([tmp_path / "docs" / "ops"])
    assert "does not exist" in caught.value.message
    assert "agentops.toml" in caught.value.hint


def test_an_invalid_team_card_fails_loading_naming_file_and_field(
    write_card: Callable[..., Path],
) -> None:
    path = write_card("broken", drop=("evidence",))
    with pytest.raises(CardError) as caught:
        load_library([path.parent])
    assert caught.value.source == str(path)
    assert caught.value.field == "evidence"


def test_two_cards_with_one_id_in_a_folder_are_an_error(
    write_card: Callable[..., Path],
) -> None:
    write_card("same", filename="a.md")
    path = write_card("same", filename="b.md")
    with pytest.raises(CardError) as caught:
        load_library([path.parent])
    assert caught.value.field == "id"
    assert "a.md" in caught.value.message and str(path) in caught.value.message


def test_lookup_by_kind_and_tag() -> None:
    library = load_library()
    runbooks = library.by_kind(CardKind.RUNBOOK)
    assert {card.id for card in runbooks} >= {"rollback-alias", "data-pin"}
    assert library.by_kind("runbook") == runbooks
    assert {card.id for card in library.by_tag("ROLLBACK")} >= {"rollback-alias", "canary-rollout"}
    assert library.by_tag("no-such-tag") == []
    with pytest.raises(KnowledgeError, match="unknown card kind 'playbook'"):
        library.by_kind("playbook")


def test_lookup_by_change_type_ranks_failure_modes_by_prior() -> None:
    library = load_library()
    schema = library.for_change_type("data-schema")
    assert schema[0].id == "upstream-schema-change"
    assert {card.id for card in schema} == {"upstream-schema-change", "data-leakage"}
    priors = [card.prior for card in library.for_change_type("code")]
    assert priors == sorted(priors, reverse=True)
    assert [card.id for card in library.for_change_type("none")] == ["seed-noise"]
    assert [card.id for card in library.for_change_type("eval-data")] == ["eval-set-change"]
    assert [card.id for card in library.for_change_type("alias")] == ["wrong-model-promoted"]
    with pytest.raises(KnowledgeError, match="unknown change type 'schema'"):
        library.for_change_type("schema")


def test_get_an_unknown_id_suggests_close_ids() -> None:
    library = load_library()
    with pytest.raises(CardNotFoundError) as caught:
        library.get("null-spikes")
    assert caught.value.message == "no knowledge card with id 'null-spikes'"
    assert "null-spike" in caught.value.hint
    assert library.find("null-spikes") is None


def test_checklist_items_resolve_by_id() -> None:
    card, item = load_library().checklist_item("infra-7")
    assert card.id == "ml-test-score-infra"
    assert item.title == "Serving models can be rolled back"
    with pytest.raises(CardNotFoundError):
        load_library().checklist_item("infra-8")


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_knowledge_is_cheap_and_has_no_side_effects() -> None:
    loaded = _run(
        "import sys, knowledge; "
        "print(sorted(m for m in ('yaml', 'agentops', 'graph', 'rich', 'typer', "
        "'knowledge.library', 'knowledge.search') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_knowledge_never_imports_agentops_or_graph() -> None:
    loaded = _run(
        "import sys; from knowledge import check_folder, load_library; "
        "library = load_library(); library.search('schema'); "
        "print(sorted(m.split('.')[0] for m in sys.modules "
        "if m.split('.')[0] in ('agentops', 'graph')))"
    )
    assert loaded == "[]"
    sources = (REPO / "knowledge").rglob("*.py")
    offenders = [
        path.name
        for path in sources
        if any(
            line.lstrip().startswith(
                ("import agentops", "from agentops", "import graph", "from graph")
            )
            for line in path.read_text("utf-8").splitlines()
        )
    ]
    assert offenders == []
