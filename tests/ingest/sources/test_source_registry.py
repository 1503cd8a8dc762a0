"""The ingest source registry: what it lists, and that one registration is all a new source
needs to appear in `agentops ingest` and `agentops sync` (through the real CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops.cli import main
from graph.errors import IngestError
from graph.ingest import (
    IngestReport,
    Key,
    Parameter,
    Progress,
    Source,
    SourceOptions,
    register,
    sources,
    unregister,
)
from graph.model import Node
from graph.store import LineageStore


class NotesSource(Source):
    """A tiny source: each note (a line of a text file) becomes a node `commit:<40 hex>`."""

    name = "notes"
    help = "Read notes files. One node per line."
    keys = (Key("path", "path", "notes.txt"), Key("label", "string", "note"))
    parameters = (
        Parameter("path", Path, "The notes file."),
        Parameter("shout", bool, "Upper-case the notes.", ("--shout",), False),
    )

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        path = options.arguments.get("path") or options.table["path"]
        if not path.is_file():
            raise IngestError(f"no notes file at {path}")
        lines = path.read_text().splitlines()
        if options.arguments.get("shout"):
            lines = [line.upper() for line in lines]
        nodes = [
            Node.make(f"commit:{index:040x}", {"message": line, "label": options.table["label"]})
            for index, line in enumerate(lines, start=1)
        ]
        store.upsert(nodes)
        return IngestReport(self.name, f"notes: {len(lines)} notes", details={"notes": lines})


@pytest.fixture
def notes_source() -> Iterator[NotesSource]:
    source = NotesSource()
    register(source)
    try:
        yield source
    finally:
        unregister(source.name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    (tmp_path / ".agentops").mkdir()
    return tmp_path


def test_the_registry_lists_exactly_the_built_in_sources_in_run_order() -> None:
    assert list(sources()) == ["git", "data", "mlflow", "openlineage", "dvc", "incidents"]
    assert all(source.name == name for name, source in sources().items())


def test_a_registered_source_gets_its_ingest_command(
    notes_source: NotesSource, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--help"]) == 0
    listed = capsys.readouterr().out
    assert "notes" in listed and "Read notes files." in listed
    assert main(["ingest", "notes", "--help"]) == 0
    usage = capsys.readouterr().out
    assert "[PATH]" in usage and "--shout" in usage and "--json" in usage
    assert "[sources.notes] in agentops.toml:" in usage and "label: string" in usage
    (project / "mine.txt").write_text("first\nsecond\n")
    assert main(["ingest", "notes", "mine.txt", "--shout", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"notes": ["FIRST", "SECOND"]}
    assert "notes: 2 notes" in captured.err
    assert main(["ingest", "notes"]) == 1  # the table's default path, notes.txt: not there
    assert f"error: no notes file at {project / 'notes.txt'}" in capsys.readouterr().err


def test_a_registered_source_runs_in_sync_after_the_built_in_ones(
    notes_source: NotesSource, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "team.txt").write_text("one\ntwo\n")
    (project / "incidents").mkdir()
    (project / "agentops.toml").write_text(
        '[sources.notes]\npath = "notes/team.txt"\nlabel = "team"\n'
        '[sources.incidents]\npaths = ["incidents"]\n'
    )
    assert main(["sync", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["sources"]
    assert [report["source"] for report in first] == ["incidents", "notes"]
    notes = first[1]
    assert notes["ok"] and notes["summary"] == "notes: 2 notes"
    assert notes["nodes"] == {"new": 2, "updated": 0}  # measured on the store
    assert main(["sync", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)["sources"][1]
    assert again["nodes"] == {"new": 0, "updated": 2}


def test_table_keys_are_checked_and_resolved_against_the_project_root(tmp_path: Path) -> None:
    source = NotesSource()
    options = source.options({"path": "sub/n.txt"}, tmp_path, {"shout": True})
    assert options.table == {"path": tmp_path / "sub" / "n.txt", "label": "note"}
    assert options.arguments == {"shout": True}
    with pytest.raises(IngestError, match=r"\[sources.notes\] label must be a string"):
        source.options({"label": 3}, tmp_path)
    incidents = sources()["incidents"]
    assert incidents.options({"paths": "one"}, tmp_path).table == {"paths": [tmp_path / "one"]}
    with pytest.raises(IngestError, match=r"\[sources.incidents\] paths must be a list"):
        incidents.options({"paths": [1]}, tmp_path)


def test_a_wrong_table_fails_that_source_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "incidents").mkdir()
    (project / "agentops.toml").write_text(
        "[sources.dvc]\npath = 1\n[sources.incidents]\npaths = ['incidents']\n"
    )
    assert main(["sync", "--json"]) == 1
    reports = {r["source"]: r for r in json.loads(capsys.readouterr().out)["sources"]}
    assert not reports["dvc"]["ok"] and "[sources.dvc] path must be a string" in str(
        reports["dvc"]["problems"]
    )
    assert reports["incidents"]["ok"]


def test_starting_the_cli_imports_no_source() -> None:
    """Sources are loaded when `ingest` or `sync` needs them, not for `agentops --help`."""
    probe = (
        "import sys\nfrom agentops.cli import main\nmain(['--help'])\n"
        "print([m for m in sys.modules if m.startswith('graph.ingest.')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
