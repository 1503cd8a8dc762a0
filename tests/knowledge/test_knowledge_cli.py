"""`agentops knowledge …` through Typer's CliRunner on a small app that mounts knowledge_app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from agentops.cli.knowledge import knowledge_app, team_folders
from agentops.errors import ProjectError
from knowledge import builtin_cards

app = typer.Typer()
app.add_typer(knowledge_app, name="knowledge")


@app.callback()
def _root() -> None:
    """Stands in for the main agentops CLI."""


def run(*args: str) -> Result:
    # A wide terminal so Rich tables do not fold file paths across lines.
    return CliRunner().invoke(app, ["knowledge", *args], env={"COLUMNS": "250"})


@pytest.fixture(autouse=True)
def _in_empty_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every command from a folder with no agentops.toml unless a test writes one."""
    monkeypatch.chdir(tmp_path)


def write_config(tmp_path: Path, text: str) -> None:
    (tmp_path / "agentops.toml").write_text(text, "utf-8")


def test_list_json_has_one_record_per_card() -> None:
    result = run("list", "--json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == len(builtin_cards())
    assert set(records[0]) == {"id", "kind", "title", "tags", "source", "builtin"}
    by_id = {record["id"]: record for record in records}
    assert by_id["null-spike"]["kind"] == "failure-mode"
    assert by_id["null-spike"]["builtin"] is True
    assert by_id["null-spike"]["source"] == "knowledge/cards/failure-mode/null-spike.md"


def test_list_filters_by_kind_and_renders_a_table() -> None:
    result = run("list", "--kind", "runbook")
    assert result.exit_code == 0, result.stderr
    assert "6 knowledge cards" in result.stdout
    for card_id in ("rollback-alias", "canary-rollout", "data-pin", "roll-forward"):
        assert card_id in result.stdout
    assert "null-spike" not in result.stdout
    kinds = {
        record["kind"] for record in json.loads(run("list", "-k", "template", "--json").stdout)
    }
    assert kinds == {"template"}


def test_list_rejects_an_unknown_kind_as_a_usage_error() -> None:
    result = run("list", "--kind", "playbook")
    assert result.exit_code == 2
    assert "playbook" in result.stderr


def test_show_json_is_the_full_card() -> None:
    result = run("show", "seed-noise", "--json")
    assert result.exit_code == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["id"] == "seed-noise"
    assert card["change_types"] == ["none"]
    assert card["remediation"] == []
    assert card["prior"] == pytest.approx(0.15)
    assert "abstain" in card["body"]
    assert set(card) >= {"title", "tags", "sources", "evidence", "checks", "source", "builtin"}


def test_show_renders_fields_items_and_body() -> None:
    result = run("show", "ml-test-score-infra")
    assert result.exit_code == 0, result.stderr
    assert "ML Test Score: ML infrastructure tests" in result.stdout
    assert "infra-7" in result.stdout and "Serving models can be rolled back" in result.stdout
    assert "What each test means in practice" in result.stdout


def test_show_an_unknown_id_prints_error_and_hint_on_stderr() -> None:
    result = run("show", "null-spikes")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "error: no knowledge card with id 'null-spikes'"
    assert lines[1].startswith("hint: did you mean: null-spike")


def test_search_json_ranks_the_right_card_first() -> None:
    result = run("search", "column renamed upstream", "--json", "--limit", "2")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [set(hit) for hit in hits] == [{"id", "kind", "title", "score", "snippet"}] * 2
    assert hits[0]["id"] == "upstream-schema-change"
    assert hits[0]["score"] > hits[1]["score"]
    assert "renamed" in hits[0]["snippet"]


def test_search_table_and_no_match() -> None:
    result = run("search", "postmortem")
    assert result.exit_code == 0
    first_row = next(line for line in result.stdout.splitlines() if "│ 1 " in line)
    assert "postmortem-template" in first_row
    empty = run("search", "xylophone")
    assert empty.exit_code == 0
    assert empty.stdout == ""
    assert "no cards match 'xylophone'" in empty.stderr
    assert json.loads(run("search", "xylophone", "--json").stdout) == []


def test_check_rejects_a_missing_field_naming_file_and_field(
    write_card: Callable[..., Path],
) -> None:
    write_card("good-card")
    bad = write_card("bad-card", drop=("sources",))
    result = run("check", str(bad.parent))
    assert result.exit_code == 1
    row = next(line for line in result.stdout.splitlines() if "bad-card.md" in line)
    assert str(bad) in row and "sources" in row and "missing (required" in row
    assert result.stderr.startswith(f"error: 1 invalid card field(s) in {bad.parent}\nhint: ")

    as_json = run("check", str(bad.parent), "--json")
    assert as_json.exit_code == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False and report["files"] == 2 and report["errors"] == 1
    assert report["problems"] == [
        {
            "source": str(bad),
            "field": "sources",
            "message": "missing (required; use [] for none)",
            "severity": "error",
        }
    ]


def test_check_passes_a_clean_folder_and_reports_warnings(
    write_card: Callable[..., Path],
) -> None:
    path = write_card("good-card", remediation=["call-the-vendor"])
    result = run("check", str(path.parent))
    assert result.exit_code == 0, result.stderr
    assert "warning" in result.stdout and "call-the-vendor" in result.stdout
    clean = write_card("clean-card", folder=path.parent.parent / "clean")
    ok = run("check", str(clean.parent))
    assert ok.exit_code == 0
    assert ok.stdout.strip() == f"ok: 1 card files in {clean.parent}, no problems"


def test_check_without_path_and_config_checks_the_builtin_cards() -> None:
    result = run("check")
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout.strip()
        == f"ok: {len(builtin_cards())} card files in built-in cards, no problems"
    )


def test_check_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: knowledge folder {tmp_path / 'nope'}: does not exist")


def test_agentops_toml_team_folders_override_builtins(
    tmp_path: Path, write_card: Callable[..., Path]
) -> None:
    write_config(tmp_path, 'knowledge = ["docs/ops"]\n')
    write_card("null-spike", folder=tmp_path / "docs" / "ops", title="Our CRM null spikes")
    shown = json.loads(run("show", "null-spike", "--json").stdout)
    assert shown["title"] == "Our CRM null spikes"
    assert shown["builtin"] is False
    assert shown["source"] == str(tmp_path / "docs" / "ops" / "null-spike.md")
    listed = run("list", "--kind", "failure-mode")
    row = next(line for line in listed.stdout.splitlines() if "null-spike" in line)
    assert "Our CRM null spikes" in row and "docs/ops/null-spike.md" in row
    checked = run("check")
    assert checked.stdout.strip() == f"ok: 1 card files in {tmp_path / 'docs' / 'ops'}, no problems"


def test_a_broken_team_card_stops_commands_with_file_field_and_hint(
    tmp_path: Path, write_card: Callable[..., Path]
) -> None:
    write_config(tmp_path, 'knowledge = ["docs/ops"]\n')
    bad = write_card("half-done", folder=tmp_path / "docs" / "ops", drop=("prior",))
    result = run("list")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {bad}: field 'prior': missing (required: a number from 0 to 1)",
        "hint: run `agentops knowledge check` to list every problem in the folder",
    ]


def test_a_missing_configured_folder_is_reported(tmp_path: Path) -> None:
    write_config(tmp_path, 'knowledge = ["docs/ops"]\n')
    result = run("search", "schema")
    assert result.exit_code == 1
    assert "docs/ops: does not exist" in result.stderr
    assert "hint: check the `knowledge = [...]` list in agentops.toml" in result.stderr


@pytest.mark.parametrize(
    ("config", "fragment"),
    [('knowledge = "docs/ops"\n', "must be a list of folder paths"), ("knowledge = [\n", "TOML")],
)
def test_team_folders_rejects_a_bad_config(tmp_path: Path, config: str, fragment: str) -> None:
    write_config(tmp_path, config)
    with pytest.raises(ProjectError) as caught:
        team_folders(tmp_path)
    assert fragment in caught.value.message + caught.value.hint


def test_team_folders_resolves_paths_against_the_config_file(tmp_path: Path) -> None:
    assert team_folders(tmp_path) == []
    write_config(tmp_path, 'db = "sqlite:///x.db"\n')
    assert team_folders(tmp_path) == []
    write_config(tmp_path, 'knowledge = ["docs/ops", "/abs/cards"]\n')
    assert team_folders(tmp_path) == [tmp_path / "docs" / "ops", Path("/abs/cards")]
