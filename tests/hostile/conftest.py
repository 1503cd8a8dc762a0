"""Running the real `agentops` command in a subprocess, as a user would, with memory capped.

Each run gets an address-space limit of 1 GiB (`RLIMIT_AS`, set in the child before exec), so
an input that makes agentops allocate without bound fails the test instead of the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

MEMORY_LIMIT = 1 << 30


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]

    def assert_one_clear_error(self) -> str:
        """Exit 1, no traceback, exactly one `error:` line (a `hint:` may follow); its text."""
        assert self.code == 1, (self.code, self.stderr)
        assert "Traceback" not in self.stderr, self.stderr
        assert len(self.error_lines) == 1, self.stderr
        return self.error_lines[0]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_agentops(
    root: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> Outcome:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("AGENTOPS_DB_URL", "MLFLOW_TRACKING_URI", "ANTHROPIC_API_KEY")
    }
    environment |= {"COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    done = subprocess.run(
        [sys.executable, "-c", "from agentops.cli import entry; entry()", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        preexec_fn=_cap_memory,
        timeout=120,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder (its store at .agentops/lineage.db on first use)."""
    root = tmp_path / "project"
    root.mkdir()
    return root
