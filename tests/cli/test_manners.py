"""Issue 18's manners: --version, --format wherever --json is, usage errors exit 2 with the
choices, no TUI without a terminal, read commands never create a store, read-only stores open
for queries, an unknown model and an empty question are usage errors, -C runs on a folder."""

from __future__ import annotations

import json
import sqlite3
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer

from agentops.cli import app, main
from tests.cli.conftest import run


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out == f"agentops {version('agentops')}\n"


def _commands(command, path: tuple[str, ...] = ()):  # noqa: ANN001, ANN202
    """Every leaf command of the CLI with its path (typer vendors its own click)."""
    if hasattr(command, "list_commands"):
        ctx = type(command).context_class(command)
        for name in command.list_commands(ctx):
            yield from _commands(command.get_command(ctx, name), (*path, name))
    else:
        yield path, command


def test_every_command_with_json_also_takes_format() -> None:
    with_json = [
        (" ".join(path), {opt for p in command.params for opt in getattr(p, "opts", [])})
        for path, command in _commands(typer.main.get_command(app))
        if any("--json" in getattr(p, "opts", []) for p in command.params)
    ]
    assert len(with_json) > 15  # status, sync, why, lineage …, incident …, knowledge …, ingest …
    assert [name for name, options in with_json if "--format" not in options] == []


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["lineage", "show", "recsys/2"],
        ["lineage", "diff", "recsys/1", "recsys/2"],
        ["incident", "list"],
        ["why", "recsys/2"],
    ],
)
def test_format_json_is_what_json_prints(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, by_flag, _ = run(capsys, *argv, "--json")
    assert code == 0
    code, by_format, _ = run(capsys, *argv, "--format", "json")
    assert code == 0 and json.loads(by_format) == json.loads(by_flag)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["lineage", "show", "recsys/2", "--format", "yaml"], "'text', 'json'"),
        (["lineage", "upstream", "recsys/2", "--format", "png"], "'tree', 'table', 'json'"),
        (["lineage", "upstream", "recsys/2", "--kind", "modle"], "node kinds: commit, config"),
        (["why", "recsys/2", "--as-of", "yesterday"], "use ISO-8601"),
        (["checklist", "suggest", "recsys/2", "--format", "html"], "'md', 'json', 'pytest'"),
        (["-C", "no-such-folder", "status"], "no-such-folder is not a folder"),
    ],
)
def test_usage_errors_exit_2_and_name_the_choices(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and says in err


def test_chat_without_a_terminal_is_one_line_and_no_app(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentops.tui.app import ChatApp

    monkeypatch.setattr(ChatApp, "run", lambda *a, **k: pytest.fail("the TUI started"))
    code, out, err = run(capsys, "chat")  # pytest's stdin and stdout are not terminals
    assert code == 2 and out == ""
    assert err.startswith("error: agentops chat needs a terminal on stdin and stdout\n")


@pytest.mark.parametrize(
    "argv", [["status"], ["why", "recsys/2"], ["lineage", "upstream", "recsys/2"]]
)
def test_read_commands_outside_a_project_create_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert err.startswith("error: no agentops project here")
    assert "run `agentops init` or use -C" in err
    assert list(tmp_path.iterdir()) == []


def test_a_named_store_that_is_not_there_is_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "--db", f"sqlite:///{tmp_path / 'gone' / 'l.db'}", "status")
    assert code == 1 and f"no lineage store at {tmp_path / 'gone' / 'l.db'}" in err
    assert list(tmp_path.iterdir()) == []
    assert main(["init"]) == 0  # init may create
    assert (tmp_path / ".agentops" / "lineage.db").is_file()


def test_minus_c_runs_on_that_project_and_comes_back(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    code, out, _ = run(capsys, "-C", str(project), "status", "--json")
    assert code == 0 and json.loads(out)["nodes"]["model"] == 2
    assert Path.cwd() == elsewhere and list(elsewhere.iterdir()) == []


def test_a_read_only_store_answers_queries(
    project: Path, capsys: pytest.CaptureFixture[str], sample: SimpleNamespace
) -> None:
    """Through a URL the store must open read-only (tests run as root, who may write anything;
    a file this user cannot write takes the same path)."""
    db = project / ".agentops" / "lineage.db"
    read_only = f"sqlite:///{db}?mode=ro"
    code, out, _ = run(capsys, "--db", read_only, "lineage", "upstream", "recsys/2", "--json")
    assert code == 0 and sample.RUN2 in {n["ref"] for n in json.loads(out)["nodes"]}
    code, out, err = run(capsys, "--db", read_only, "ask", "what fed recsys/2?", "--model", "stub")
    assert code == 0 and sample.RUN2 in out and "not saved: the store is read-only" in err
    code, _, err = run(capsys, "--db", read_only, "graph", "load", "sample.jsonl")
    assert code == 1 and "readonly" in err  # writes are refused, with one line
    assert sqlite3.connect(db).execute("SELECT count(*) FROM nodes").fetchone() == (13,)


def test_ask_refuses_an_unknown_model_and_an_empty_question(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "ask", "why?", "--model", "nosuch")
    assert code == 2 and out == ""
    assert "error: unknown model 'nosuch'" in err
    assert "known models: stub, " in err and "claude-sonnet-5-5" in err
    code, out, err = run(capsys, "ask", "  ")
    assert code == 2 and out == "" and "error: the question is empty" in err


def test_ask_with_the_stub_prints_no_token_counts(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    code, out, err = run(capsys, "ask", "what fed recsys/2?")
    assert code == 0 and "dataset:ratings@bbbbbbbbbbbb" in out
    assert "tool calls; saved as conv-" in err or "tool call; saved as conv-" in err
    assert "tokens" not in err


def test_progress_is_a_live_status_on_a_terminal_and_plain_lines_otherwise() -> None:
    from io import StringIO

    from rich.console import Console

    from agentops.cli.context import progress

    for is_terminal in (True, False):
        written = StringIO()
        console = Console(file=written, force_terminal=is_terminal, width=80)
        with progress(console) as step:
            step("building the sample project")
            step("ingesting it")
        if is_terminal:  # Rich's live status: cursor hidden, the phase drawn, then erased
            shown = written.getvalue()
            assert shown.startswith("\x1b[?25l") and "ingesting it" in shown
            assert shown.endswith("\x1b[1A\x1b[2K")
        else:
            assert written.getvalue() == "building the sample project…\ningesting it…\n"
