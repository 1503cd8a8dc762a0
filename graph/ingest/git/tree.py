"""The files of one commit, read straight from git: no checkout, no work tree.

An analysis that asks "what does the code at this commit import?" or "does any file at this
commit name that config?" needs the commit's tree, not whatever is checked out. `CommitTree`
lists it with one `git ls-tree` and reads the files it is asked for through one `git cat-file`
process per batch, keeping what it read, so several questions about one commit share the reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.ingest.git.blobs import read_blobs
from graph.ingest.git.repo import GitRunner, open_repo

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Larger files (generated code, vendored bundles) are listed but never read."""


@dataclass(slots=True)
class CommitTree:
    """The blobs of one commit by path, and the contents read so far."""

    sha: str
    blobs: dict[str, tuple[str, int]]  # path → (blob sha, size)
    runner: GitRunner = field(repr=False)
    contents: dict[str, bytes] = field(default_factory=dict, repr=False)

    @classmethod
    def at(cls, repo_path: str | Path, sha: str) -> CommitTree:
        """List the tree of commit `sha` (raises `IngestError` when git cannot)."""
        runner, _ = open_repo(Path(repo_path))
        _, out, _ = runner.run(["ls-tree", "-r", "-z", "--long", "--full-tree", sha])
        blobs: dict[str, tuple[str, int]] = {}
        for entry in out.split(b"\0"):
            meta, _, path = entry.partition(b"\t")
            parts = meta.split()
            if len(parts) == 4 and parts[1] == b"blob" and parts[3].isdigit():
                name = path.decode("utf-8", "surrogateescape")
                blobs[name] = (parts[2].decode("ascii"), int(parts[3]))
        return cls(sha, blobs, runner)

    def __contains__(self, path: str) -> bool:
        return path in self.blobs

    @property
    def paths(self) -> list[str]:
        return sorted(self.blobs)

    def read(self, paths: list[str]) -> dict[str, bytes]:
        """The contents of those of `paths` the commit has and that are not too large."""
        wanted = [
            p
            for p in dict.fromkeys(paths)
            if p in self.blobs and p not in self.contents and self.blobs[p][1] <= MAX_FILE_BYTES
        ]
        by_sha: dict[str, list[str]] = {}
        for path in wanted:
            by_sha.setdefault(self.blobs[path][0], []).append(path)
        chunks: dict[str, bytearray] = {}

        def sink_for(sha: str, _size: int):
            chunks[sha] = bytearray()
            return chunks[sha].extend

        read_blobs(self.runner, sorted(by_sha), sink_for, lambda _sha: None)
        for sha, data in chunks.items():
            for path in by_sha[sha]:
                self.contents[path] = bytes(data)
        return {p: self.contents[p] for p in dict.fromkeys(paths) if p in self.contents}
