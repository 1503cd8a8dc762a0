"""Reading many blobs through one `git cat-file` process (never a process per file).

`blob_info` asks `--batch-check` for the blob id, type and size behind `<commit>:<path>` names;
`read_blobs` streams the contents of chosen blobs through `--batch`, handing each to a callback
in chunks, so a 2 GB data file is hashed without being held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from graph.errors import IngestError
from graph.ingest.git.repo import GitRunner


@dataclass(frozen=True, slots=True)
class BlobInfo:
    sha: str
    size: int


class _ByteStream:
    """Line and exact-length reads over a stream of chunks."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""
        self._pos = 0

    def _fill(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True

    def readline(self) -> bytes | None:
        while (end := self._buffer.find(b"\n", self._pos)) < 0:
            if not self._fill():
                return None
        line = self._buffer[self._pos : end]
        self._pos = end + 1
        return line

    def read(self, size: int, sink: Callable[[bytes], None]) -> None:
        """Pass exactly `size` bytes to `sink` (in one or more pieces)."""
        while size > 0:
            if self._pos >= len(self._buffer) and not self._fill():
                raise IngestError(
                    "git cat-file output ended early",
                    hint="the repository changed while it was read; run the ingest again",
                )
            piece = self._buffer[self._pos : self._pos + size]
            self._pos += len(piece)
            size -= len(piece)
            sink(piece)
        if self._pos >= len(self._buffer):
            self._buffer, self._pos = b"", 0


def blob_info(runner: GitRunner, names: list[bytes]) -> list[BlobInfo | None]:
    """For each object name (`<commit>:<path>` or a sha): its blob, or None if not a blob."""
    if not names:
        return []
    lines = _ByteStream(
        runner.stream(
            ["cat-file", "--buffer", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
            (name + b"\n" for name in names),
        )
    )
    found: list[BlobInfo | None] = []
    for _ in names:
        line = lines.readline()
        if line is None:
            raise IngestError(
                "git cat-file --batch-check answered fewer objects than asked",
                hint="the repository changed while it was read; run the ingest again",
            )
        parts = line.split(b" ")
        if len(parts) == 3 and parts[1] == b"blob":
            found.append(BlobInfo(parts[0].decode("ascii"), int(parts[2])))
        else:  # missing (deleted, submodule, odd path) or not a blob
            found.append(None)
    return found


def read_blobs(
    runner: GitRunner,
    shas: list[str],
    on_blob: Callable[[str, int], Callable[[bytes], None]],
    on_done: Callable[[str], None],
) -> None:
    """Stream the contents of blobs: `on_blob(sha, size)` returns the sink for its bytes."""
    if not shas:
        return
    stream = _ByteStream(runner.stream(["cat-file", "--buffer", "--batch"], _lines(shas)))
    for sha in shas:
        header = stream.readline()
        if header is None:
            raise IngestError(
                "git cat-file --batch answered fewer blobs than asked",
                hint="the repository changed while it was read; run the ingest again",
            )
        parts = header.split(b" ")
        if len(parts) != 3:  # "<sha> missing": pruned while we read
            continue
        size = int(parts[2])
        stream.read(size, on_blob(sha, size))
        stream.read(1, lambda _newline: None)
        on_done(sha)


def _lines(shas: list[str]) -> Iterator[bytes]:
    for sha in shas:
        yield sha.encode("ascii") + b"\n"
