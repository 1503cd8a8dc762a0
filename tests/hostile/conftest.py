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
        """Exit 1 (a failure) or 2 (a usage error), no traceback, exactly one `error:` line (a
        `hint:` may follow); its text."""
        assert self.code in (1, 2), (self.code, self.stderr)
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
    """A project folder as `agentops init` leaves it: agentops.toml and an empty store."""
    from agentops.settings import init_project, load_settings
    from graph.store import open_store

    root = tmp_path / "project"
    root.mkdir()
    init_project(root)  # an empty folder: no source found
    open_store(load_settings(root).db_url).close()
    return root


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=A", "-c", "user.email=a@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def commit_files(root: Path, files: dict[str, str | bytes], message: str = "add files") -> str:
    """Write `files` under `root` (a git repo is made on first use), commit them; the sha."""
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def yaml_alias_bomb(levels: int = 12, fan_out: int = 10) -> str:
    """A few hundred bytes of YAML whose aliases expand to fan_out ** levels values."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * fan_out) + "]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * fan_out) + "]")
    return "\n".join(lines) + "\n"
