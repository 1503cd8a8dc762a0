"""Class 8: untrusted text never reaches a person's terminal as control characters: a commit
message's escapes (clear screen, window title, bell) and a data file's raw bytes are stripped
from everything printed, whatever command prints them."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.conftest import commit_files, run_agentops

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x08\r"
CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0))]


def _assert_plain(*texts: str) -> None:
    for text in texts:
        found = sorted({repr(c) for c in text if c in CONTROL})
        assert not found, (found, text[:500])


def test_commit_message_and_file_bytes_are_printed_without_control_characters(
    project: Path,
) -> None:
    sha = commit_files(
        project,
        {"train.py": "print(1)\n"},
        message=f"fix loader {ESCAPES}done",
    )
    (project / "junk.csv").write_bytes(b"a\n\x1b]0;owned\x07,\x1b[2J,\x00\xff\n")
    outcomes = [
        run_agentops(project, "ingest", "git", "."),
        run_agentops(project, "ingest", "data", "junk.csv"),
        run_agentops(project, "lineage", "show", f"commit:{sha}"),
        run_agentops(project, "ask", f"what does commit {sha} change?", "--model", "stub"),
        run_agentops(project, "lineage", "show", f"commit:{sha}\x1b[2J"),
    ]
    for outcome in outcomes:
        assert "Traceback" not in outcome.stderr, outcome.stderr
        _assert_plain(outcome.stdout, outcome.stderr)
    assert "fix loader" in outcomes[2].stdout + outcomes[3].stdout
