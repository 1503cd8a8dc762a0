from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.analysis.postmortem.conftest import headings, section

Run = Callable[..., Any]  # (*args) -> CliResult(code, out, err)


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No agentops.toml around: built-in cards only, and nothing of the checkout's."""
    monkeypatch.chdir(tmp_path)


def test_postmortem_prints_markdown_running_the_analysis_itself(
    agentops: Run,
    refs: SimpleNamespace,
    library,  # noqa: ANN001
) -> None:
    result = agentops("postmortem", "INC-7")
    assert result.code == 0, result.err
    sections = [title for tag, title in headings(result.out) if tag == "h2"]
    assert sections == list(library.get("postmortem-template").sections)
    # `explain` ran on the graph: the feature commit is the only code change that fits
    assert f"### 1. `{refs.C[1]}`" in section(result.out, "Root causes")
    assert "Fox Mulder" not in result.out and "Dana Scully" not in result.out


def test_postmortem_out_writes_the_file_and_keeps_stdout_clean(
    agentops: Run, tmp_path: Path
) -> None:
    out = tmp_path / "docs" / "INC-7.md"
    result = agentops("postmortem", "incident:INC-7", "--out", str(out))
    assert result.code == 0 and result.out == ""
    assert f"wrote {out}" in result.err
    text = out.read_text()
    assert text.startswith("# Postmortem: NDCG@10 down after the Monday retrain\n")
    assert [p.name for p in out.parent.iterdir()] == ["INC-7.md"]  # no temp file left


def test_postmortem_errors(agentops: Run, refs: SimpleNamespace) -> None:
    not_incident = agentops("postmortem", refs.BAD)
    assert not_incident.code == 1 and "is not an incident" in not_incident.err
    missing = agentops("postmortem", "INC-404")
    assert missing.code == 1 and "no node matches" in missing.err
    no_conversation = agentops("postmortem", "INC-7", "--conversation", "conv-nope")
    assert no_conversation.code == 2 and "no saved conversation 'conv-nope'" in no_conversation.err


PROBE = """
import sys
from agentops import cli
from agentops.cli.incident import incident_app
from agentops.cli.postmortem import postmortem
if "incident" not in {g.name for g in cli.app.registered_groups}:
    cli.app.add_typer(incident_app, name="incident")
if "postmortem" not in {c.name for c in cli.app.registered_commands}:
    cli.app.command("postmortem")(postmortem)
code = cli.main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {"anthropic", "mlflow", "textual"})
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
raise SystemExit(code)
"""


def test_incident_and_postmortem_import_no_heavy_library(
    cli_store,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    for args in (["incident", "list"], ["postmortem", "INC-7"]):
        done = subprocess.run(
            [sys.executable, "-c", PROBE, "--db", cli_store.url, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr.strip().splitlines()[-1] == "HEAVY=", (args, done.stderr)
