"""Parse one streaming `git log -z --name-status` into commit nodes, cheaply.

This loop is the ingest's hot path (the issue's budget is 2× the cost of `git log` itself), so
it does the least work a commit needs: split NUL-separated fields, build the attrs dict, look
the file class up in a per-path cache, and build the `Node` directly (no ref re-parsing).

Output layout with `-z` and `LOG_FORMAT`: each commit is `\\x1e<sha>`, then parents, author
name, author email, committer epoch, committer time in UTC and in its own zone, author time and
the raw message, each ending in NUL; then an empty field; then, if files changed,
`\\n<status>` NUL `<path>` NUL (two paths for renames and copies) per file. Paths are never
quoted under `-z`, so any byte is fine; the message is one field wherever its `\\x1e` or
newlines fall.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.errors import IngestError
from graph.ingest.files.classify import DATA_SUFFIXES
from graph.ingest.files.manifests import manifest_kind
from graph.model import Node
from graph.refs import NodeKind

LOG_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%ct%x00%cd%x00%cI%x00%aI%x00%B%x00"
# The runner sets TZ=UTC, so `%cd` with `--date=iso-strict-local` is the committer time in UTC.
LOG_ARGS = ["log", "--stdin", "-z", "--name-status", "-M", "--date=iso-strict-local"]
LOG_ARGS.append(f"--format={LOG_FORMAT}")

# name-status letters → the change types stored (copies count as adds, type changes as edits)
CHANGES = {"A": "A", "M": "M", "D": "D", "R": "R", "C": "A", "T": "M"}


@dataclass(slots=True)
class VersionWanted:
    """A file version a commit wrote that becomes a node (config, manifest or dataset)."""

    commit: str
    parent: str | None
    change: str  # A, M, R (deletes need no blob)
    path: str
    raw_path: bytes
    old_path: str | None
    old_raw_path: bytes | None
    kind: str  # config | manifest | dataset
    time: datetime


def version_kind(path: str, cls: str) -> str | None:
    """Which node a file of this class becomes when a commit writes it (None: no node)."""
    if cls == "config":
        return "config"
    if cls == "dependency":
        return "manifest" if manifest_kind(path) else None
    if cls == "data":
        return "dataset" if path.lower().endswith(DATA_SUFFIXES) else None
    return None


def clean_text(text: str) -> str:
    """Undo surrogateescape decoding: invalid UTF-8 bytes become U+FFFD (messages, names)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def clean_path(text: str) -> str:
    r"""A storable path: invalid UTF-8 bytes are written `\xNN` so distinct paths stay distinct."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def raw_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def tokens(chunks: Iterable[bytes]) -> Iterator[str]:
    """NUL-separated fields of a byte stream, decoded a whole chunk at a time.

    A chunk is cut at its last NUL, so a multi-byte character is never split; bytes that are
    not UTF-8 survive as surrogates (`clean_text`/`clean_path` decide how to store them).
    """
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk if carry else chunk
        cut = buffer.rfind(b"\0")
        if cut < 0:
            carry = buffer
            continue
        carry = buffer[cut + 1 :]
        yield from buffer[:cut].decode("utf-8", "surrogateescape").split("\0")
    if carry:
        yield carry.decode("utf-8", "surrogateescape")


@dataclass(slots=True)
class LogReader:
    """Turns log output into commit nodes; collects parent links and wanted file versions."""

    classify: Callable[[str], str]
    refs_by_sha: dict[str, list[str]] = field(default_factory=dict)
    boundary: set[str] = field(default_factory=set)  # shallow clone: parents not fetched
    progress: Callable[[int], None] | None = None
    parent_links: list[tuple[str, str, datetime]] = field(default_factory=list)
    wanted: list[VersionWanted] = field(default_factory=list)
    shas: set[str] = field(default_factory=set)
    _kinds: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def _classes(self, path: str) -> tuple[str, str | None]:
        found = self._kinds.get(path)
        if found is None:
            cls = self.classify(path)
            found = self._kinds[path] = (cls, version_kind(path, cls))
        return found

    def nodes(self, chunks: Iterable[bytes]) -> Iterator[Node]:
        """Yield one commit node per record, in log order."""
        it = tokens(chunks)
        take = it.__next__
        commit_kind = NodeKind.COMMIT
        changes = CHANGES
        links = self.parent_links
        wanted = self.wanted
        shas = self.shas
        refs_by_sha = self.refs_by_sha
        boundary = self.boundary
        classes = self._classes
        known_kinds = self._kinds
        progress = self.progress
        fromtimestamp = datetime.fromtimestamp
        count = 0
        token = next(it, None)
        while token is not None:
            if not token.startswith("\x1e") or len(token) not in (41, 65):
                token = next(it, None)  # resynchronise on the next commit header
                continue
            sha = token[1:]
            try:
                parents_text, name, email, epoch, committed_utc, committed, authored, message = (
                    take(),
                    take(),
                    take(),
                    take(),
                    take(),
                    take(),
                    take(),
                    take(),
                )
            except StopIteration:
                raise IngestError(
                    f"git log output ended inside commit {sha}",
                    hint="the repository changed or git was interrupted; run the ingest again",
                ) from None
            token = next(it, None)
            if token == "":
                token = next(it, None)
            files: list[dict[str, Any]] = []
            parents = parents_text.split()
            when = fromtimestamp(int(epoch), UTC)
            if token is not None and token.startswith("\n"):
                token = token[1:]
                while token:
                    if token[0] == "\x1e":
                        break
                    status = token[0]
                    path = take()
                    old = None
                    if status == "R" or status == "C":
                        old, path = path, take()
                    clean = path if path.isascii() else clean_path(path)
                    cls, kind = known_kinds.get(clean) or classes(clean)
                    change = changes.get(status, "M")
                    entry = {"path": clean, "change": change, "class": cls}
                    old_clean = None
                    if old is not None:
                        old_clean = old if old.isascii() else clean_path(old)
                        entry["copied_from" if status == "C" else "old_path"] = old_clean
                    files.append(entry)
                    if kind is not None and change != "D":
                        wanted.append(
                            VersionWanted(
                                sha,
                                parents[0] if parents else None,
                                change,
                                clean,
                                raw_bytes(path),
                                old_clean if status == "R" else None,
                                raw_bytes(old) if status == "R" and old else None,
                                kind,
                                when,
                            )
                        )
                    token = next(it, None)
            if not message.isascii():
                message = clean_text(message)
            if not name.isascii():
                name = clean_text(name)
            if not email.isascii():
                email = clean_text(email)
            attrs: dict[str, Any] = {
                "parents": parents,
                "author": {"name": name, "email": email},
                "authored_at": authored,
                "committed_at": committed_utc,
                "tz_offset": committed[-6:],
                "message": message.rstrip("\n"),
                "files": files,
                "reachable": True,
            }
            refs = refs_by_sha.get(sha)
            if refs:
                attrs["refs"] = refs
            if boundary and sha in boundary:
                attrs["shallow_boundary"] = True
            shas.add(sha)
            for parent in parents:
                links.append((parent, sha, when))
            count += 1
            if progress is not None and not count % 1000:
                progress(count)
            yield Node("commit:" + sha, commit_kind, attrs, when)
        if progress is not None:
            progress(count)
