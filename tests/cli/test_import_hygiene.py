"""`agentops --help` and the lineage commands must not import the heavy libraries (the model
and MLflow SDKs, Textual, the MCP SDK)."""

import json
import subprocess
import sys
from pathlib import Path

HEAVY = "anthropic,mlflow,textual,mcp"

# argv[1] is the list of heavy modules; the rest is the agentops command line.
PROBE = """
import sys
from agentops.cli import main
heavy_names = set(sys.argv[1].split(','))
code = main(sys.argv[2:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & heavy_names)
print('HEAVY=' + ','.join(heavy), file=sys.stderr)
raise SystemExit(code)
"""


def imported_heavy(args: list[str], cwd: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, HEAVY, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("HEAVY=")][-1]
    return [m for m in line.removeprefix("HEAVY=").split(",") if m]


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    assert imported_heavy(["--help"], tmp_path) == []


def test_lineage_commands_import_no_heavy_library(tmp_path: Path) -> None:
    (tmp_path / "g.jsonl").write_text(json.dumps({"type": "node", "ref": "model:recsys/1"}) + "\n")
    assert imported_heavy(["graph", "load", "g.jsonl"], tmp_path) == []
    assert imported_heavy(["lineage", "upstream", "recsys/1", "--json"], tmp_path) == []
    assert imported_heavy(["status"], tmp_path) == []


def test_the_probe_would_see_a_heavy_import(tmp_path: Path) -> None:
    """Guard the guard: a command that does import a heavy module is caught."""
    done = subprocess.run(
        [sys.executable, "-c", "import textual\n" + PROBE, HEAVY, "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HEAVY=textual" in done.stderr
