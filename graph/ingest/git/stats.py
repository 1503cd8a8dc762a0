"""Lines added and removed per file, computed only for the commits an analysis looks at.

`--numstat` over a whole history costs several times the ingest itself, so it is not part of
it: an analysis asks for the commits it cares about, git answers in one process for all of
them, and the answer is cached in store state (namespace "git", key `numstat:<sha>`) so the
next question is free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.errors import IngestError
from graph.ingest.git.log import clean_path, tokens
from graph.ingest.git.repo import GitRunner, open_repo
from graph.store import LineageStore

STATE_NAMESPACE = "git"


@dataclass(frozen=True, slots=True)
class FileLines:
    """Lines added/removed in one file; None for binary files (git counts no lines)."""

    path: str
    added: int | None
    removed: int | None

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "added": self.added, "removed": self.removed}


def commit_line_stats(store: LineageStore, repo_path: str | Path, sha: str) -> list[FileLines]:
    """Lines added/removed per file by one commit (against its first parent), cached."""
    return line_stats(store, repo_path, [sha])[sha]


def line_stats(
    store: LineageStore, repo_path: str | Path, shas: Sequence[str]
) -> dict[str, list[FileLines]]:
    """`commit_line_stats` for many commits: cached ones from state, the rest in one git call."""
    wanted = list(dict.fromkeys(sha.lower().removeprefix("commit:") for sha in shas))
    cached = store.get_state(STATE_NAMESPACE, [f"numstat:{sha}" for sha in wanted])
    found = {
        key.removeprefix("numstat:"): [FileLines(*row) for row in rows]
        for key, rows in cached.items()
    }
    missing = [sha for sha in wanted if sha not in found]
    if missing:
        runner, _ = open_repo(Path(repo_path))
        computed = _numstat(runner, missing)  # keyed by the full shas git printed
        store.put_state(
            STATE_NAMESPACE,
            {
                f"numstat:{sha}": [[f.path, f.added, f.removed] for f in files]
                for sha, files in computed.items()
            },
        )
        found.update(_by_requested(missing, computed))
    unknown = [sha for sha in wanted if sha not in found]
    if unknown:
        raise IngestError(
            f"commit {unknown[0]} is not in the repository at {repo_path}",
            hint="give the repository the commits were ingested from",
        )
    return {sha: found[sha] for sha in wanted}


def _numstat(runner: GitRunner, shas: list[str]) -> dict[str, list[FileLines]]:
    """One `git log --no-walk --numstat -z` over the given commits (first-parent diffs)."""
    for sha in shas:
        if not sha or not all(c in "0123456789abcdef" for c in sha):
            raise IngestError(f"{sha!r} is not a commit sha", hint="give a full or short hex sha")
    chunks = runner.stream(
        [
            "log",
            "--stdin",
            "--no-walk=unsorted",
            "-z",
            "--numstat",
            "-M",
            "--diff-merges=first-parent",
            "--format=%x1e%H",
        ],
        [sha.encode("ascii") + b"\n" for sha in shas],
    )
    result: dict[str, list[FileLines]] = {}
    current: list[FileLines] = []
    fields = tokens(chunks)
    for field in fields:
        if field.startswith("\x1e"):
            current = result.setdefault(field[1:], [])
            continue
        field = field.lstrip("\n")
        if not field:
            continue
        added, removed, path = (field.split("\t", 2) + ["", ""])[:3]
        if not path:  # a rename: the old and the new path follow as fields of their own
            next(fields, "")
            path = next(fields, "")
        current.append(
            FileLines(
                clean_path(path),
                int(added) if added.isdigit() else None,
                int(removed) if removed.isdigit() else None,
            )
        )
    return result


def _by_requested(
    shas: list[str], result: dict[str, list[FileLines]]
) -> dict[str, list[FileLines]]:
    """Key the answers by the shas as asked (short shas map to the full ones git printed)."""
    out: dict[str, list[FileLines]] = {}
    for sha in shas:
        if sha in result:
            out[sha] = result[sha]
            continue
        matches = [full for full in result if full.startswith(sha)]
        if len(matches) == 1:
            out[sha] = result[matches[0]]
    return out
