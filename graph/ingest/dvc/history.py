"""The versions of a few files across a git history, read with a fixed number of git processes.

One `git log` lists every commit (on the refs `ingest git` reads, oldest first) that changed a file
matching the pathspecs, and one `git cat-file --batch` reads each changed version; existence
checks go through one `git cat-file --batch-check`. Never a process per commit: on a long
history that is the difference between milliseconds and minutes.

Paths are taken as arguments, never through a shell; git output is decoded as UTF-8 with
surrogate escapes so no path can break the parse.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import IngestError

GIT_TIMEOUT_S = 600


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    time: datetime


@dataclass(frozen=True, slots=True)
class FileVersion:
    """One file as a commit left it (`content` is None when the commit deleted it)."""

    commit: Commit
    path: str
    content: bytes | None


@dataclass(frozen=True, slots=True)
class History:
    root: Path
    versions: list[FileVersion]
    shallow: bool
    fingerprint: str  # changes whenever the listed history changes


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise IngestError("git is not installed", hint="install git and try again") from None
    except subprocess.TimeoutExpired:
        raise IngestError(f"git {args[0]} in {root} took over {GIT_TIMEOUT_S} s") from None


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def repo_root(path: Path) -> tuple[Path, bool]:
    """The work tree's top folder holding `path`, and whether the clone is shallow."""
    if not path.exists():
        raise IngestError(f"no such folder: {path}", hint="give the path of a git repository")
    done = _git(path, "rev-parse", "--show-toplevel", "--is-shallow-repository")
    if done.returncode != 0:
        raise IngestError(
            f"{path} is not inside a git work tree",
            hint="DVC history is read from git: run this in (or point it at) the repository",
        )
    top, shallow = _text(done.stdout).splitlines()[:2]
    return Path(top), shallow.strip() == "true"


def file_history(
    path: Path,
    pathspecs: Sequence[str],
    wanted: Callable[[str], bool],
    rev: str | None = None,
    all_refs: bool = False,
) -> History:
    """Every version of the wanted files under `path`, oldest commit first.

    The commits are those `ingest git` reads with the same `rev`/`all_refs` (the ref selection
    is `graph.ingest.git.refs.read_tips`, shared): by default branches, remote-tracking
    branches (what a plain `git clone` leaves), tags and HEAD; `all_refs` adds every other ref,
    such as DVC experiments under `refs/exps`.
    """
    import hashlib

    from graph.ingest.git.refs import read_tips
    from graph.ingest.git.repo import open_repo

    root, shallow = repo_root(path)
    tips = read_tips(*open_repo(root), rev, all_refs)
    if not tips.positives:
        return History(root, [], shallow, "")
    revisions = sorted(set(tips.positives.values())) + [f"^{sha}" for sha in tips.negatives]
    done = _git(
        path,
        "log",
        "--stdin",
        "--date-order",
        "--reverse",
        "-z",
        "--no-renames",
        "--diff-merges=first-parent",
        "--format=%x01%H %ct",
        "--name-status",
        "--",
        *pathspecs,
        stdin="".join(f"{revision}\n" for revision in revisions).encode("ascii"),
    )
    if done.returncode != 0:
        raise IngestError(f"git log failed in {root}: {_text(done.stderr).strip()}")
    changes = list(_parse_log(done.stdout, wanted))
    contents = read_blobs(root, [f"{c.sha}:{p}" for c, p, status in changes if status != "D"])
    versions = [
        FileVersion(commit, p, None if status == "D" else contents.get(f"{commit.sha}:{p}"))
        for commit, p, status in changes
    ]
    return History(root, versions, shallow, hashlib.sha256(done.stdout).hexdigest())


def _parse_log(raw: bytes, wanted: Callable[[str], bool]) -> list[tuple[Commit, str, str]]:
    found: list[tuple[Commit, str, str]] = []
    for record in _text(raw).split("\x01")[1:]:
        header, _, rest = record.partition("\0")
        sha, _, stamp = header.partition(" ")
        commit = Commit(sha, datetime.fromtimestamp(int(stamp), UTC))
        tokens = rest.lstrip("\n").split("\0")
        for status, file_path in zip(tokens[0::2], tokens[1::2], strict=False):
            if status and file_path and wanted(file_path):
                found.append((commit, file_path, status[0]))
    return found


def tree_paths(root: Path, commit: str) -> list[str]:
    """Every file path in `commit`'s tree (none when git does not know the commit)."""
    done = _git(root, "ls-tree", "-r", "-z", "--name-only", commit)
    return [p for p in _text(done.stdout).split("\0") if p] if done.returncode == 0 else []


def _in_tree(spec: str) -> bool:
    """A `<commit>:<path>` that git can look up: a path inside the repository, on one line.
    (A path outside it, e.g. `../x` from a crafted dvc.lock, makes cat-file abort the batch.)"""
    path = spec.partition(":")[2]
    return "\n" not in spec and not path.startswith("/") and ".." not in path.split("/")


def _cat_file(root: Path, mode: str, specs: Sequence[str]) -> tuple[list[str], bytes]:
    """Run one `git cat-file <mode>` over the specs git can look up; (those specs, stdout)."""
    asked = [spec for spec in dict.fromkeys(specs) if _in_tree(spec)]
    if not asked:
        return [], b""
    stdin = "".join(s + "\n" for s in asked).encode("utf-8", "surrogateescape")
    done = _git(root, "cat-file", mode, stdin=stdin)
    if done.returncode != 0:
        raise IngestError(f"git cat-file failed in {root}: {_text(done.stderr).strip()}")
    return asked, done.stdout


def read_blobs(root: Path, specs: Sequence[str]) -> dict[str, bytes]:
    """Contents of `<commit>:<path>` objects, by spec, from one `git cat-file --batch`."""
    asked, out = _cat_file(root, "--batch", specs)
    position, found = 0, {}
    for spec in asked:
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if header[-1] == b"missing" or len(header) != 3:
            continue
        size = int(header[2])
        found[spec] = out[position : position + size]
        position += size + 1
    return found


def object_ids(root: Path, specs: Sequence[str]) -> dict[str, tuple[str, str]]:
    """`<commit>:<path>` → (object type, object sha) for the specs that exist, from one
    `git cat-file --batch-check`."""
    asked, out = _cat_file(root, "--batch-check", specs)
    found: dict[str, tuple[str, str]] = {}
    for spec, line in zip(asked, out.splitlines(), strict=False):
        parts = line.split()
        if len(parts) == 3 and parts[-1] != b"missing":
            found[spec] = (parts[1].decode(), parts[0].decode())
    return found


def next_changes(root: Path, commit: str, pathspecs: Sequence[str]) -> list[str]:
    """On each branch (local or remote-tracking) that contains `commit`, the first commit after
    it that changed a file matching `pathspecs`; oldest first, each once. A tool that records
    what a job produced in a commit of its own (`dvc repro`, then `git commit dvc.lock`)
    records it here."""
    tips = _git(
        root,
        "for-each-ref",
        "--contains",
        commit,
        "--format=%(objectname)",
        "refs/heads",
        "refs/remotes",
    )
    found: list[str] = []
    for tip in dict.fromkeys(_text(tips.stdout).split()) if tips.returncode == 0 else []:
        done = _git(
            root,
            "rev-list",
            "--reverse",
            "--ancestry-path",
            f"{commit}..{tip}",
            "--",
            *pathspecs,
        )
        first = _text(done.stdout).split()[:1] if done.returncode == 0 else []
        found += [sha for sha in first if sha not in found]
    return found
