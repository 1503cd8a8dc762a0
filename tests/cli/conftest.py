"""The CLI's shared fixture: a project folder whose store holds the sample graph."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from agentops.cli import main
from graph.export.dump import dump


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: SimpleNamespace) -> Path:
    """A project folder whose store holds the sample graph, loaded through the CLI."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    from graph.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'seed.db'}") as seed:
        seed.upsert(*sample.graph())
        with (tmp_path / "sample.jsonl").open("w") as out:
            dump(seed, out)
    assert main(["init"]) == 0
    assert main(["graph", "load", "sample.jsonl"]) == 0
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
