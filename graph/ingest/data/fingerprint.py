"""Content fingerprints of data files and folders: BLAKE3, with a stat cache.

BLAKE3 because it is the fastest cryptographic hash there is and parallel by design: a big
file is memory-mapped and hashed on every core (`update_mmap` with `max_threads=AUTO`), which
matches the `b3sum` tool (benchmarks/hashing.py; the README has the table). Below
`MMAP_THRESHOLD` a plain read on one thread is faster than setting up threads and a mapping.
The algorithm name is recorded next to every digest, so another one can be added later.

A folder is one dataset (docs/conventions.md): its digest is BLAKE3 over the sorted
`relpath\\0digest\\n` lines of its regular files, relpath with `/` separators.

Stat cache: a file whose (size, mtime_ns, inode) are those recorded when it was hashed is not
read again. Like git's index, an entry is trusted only if the file's mtime was older than the
moment it was hashed by more than `RACY_WINDOW_NS`: a file rewritten within the same clock tick
keeps its mtime, and such an entry is re-hashed instead (then trusted next time).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import IngestError

if TYPE_CHECKING:
    from graph.store import LineageStore

ALGORITHM = "blake3"
MMAP_THRESHOLD = 1 << 20  # measured here: reads win at 256 KiB, mmap+threads from 1 MiB
READ_CHUNK = 1 << 20
RACY_WINDOW_NS = 2_000_000_000
STAT_NAMESPACE = "data:stat"

Progress = Callable[[int], None]
"""Called with the number of bytes just hashed (or skipped thanks to the cache)."""


@dataclass(frozen=True, slots=True)
class FileStat:
    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStat:
        info = path.stat()
        return cls(info.st_size, info.st_mtime_ns, info.st_ino)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The content digest of a file or folder, with what it took to get it."""

    digest: str
    algorithm: str
    size: int  # bytes (a folder: all its files)
    mtime_ns: int  # a folder: its newest file
    files: int = 1
    bytes_read: int = 0  # 0 when every file came from the stat cache


def blake3_file(path: Path | str, size: int | None = None) -> str:
    """The BLAKE3 hex digest of a file's bytes (mmap + all cores when it is big)."""
    import blake3

    size = os.path.getsize(path) if size is None else size
    if size >= MMAP_THRESHOLD:
        hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
        hasher.update_mmap(str(path))
        return hasher.hexdigest()
    hasher = blake3.blake3()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def blake3_bytes(data: bytes) -> str:
    import blake3

    return blake3.blake3(data).hexdigest()


class StatCache:
    """(size, mtime_ns, inode) → digest for absolute file paths, loaded from and saved to the
    store's state (namespace `data:stat`). Only entries touched are loaded and written back."""

    def __init__(self, entries: dict[str, dict[str, Any]] | None = None) -> None:
        self._entries: dict[str, dict[str, Any]] = dict(entries or {})
        self._dirty: dict[str, dict[str, Any]] = {}

    @classmethod
    def load(cls, store: LineageStore, paths: Iterable[Path]) -> StatCache:
        keys = sorted({str(path) for path in paths})
        return cls(store.get_state(STAT_NAMESPACE, keys) if keys else {})

    def save(self, store: LineageStore) -> None:
        if self._dirty:
            store.put_state(STAT_NAMESPACE, self._dirty)
            self._dirty = {}

    def lookup(self, path: Path, stat: FileStat) -> str | None:
        entry = self._entries.get(str(path))
        if not entry or entry.get("algorithm") != ALGORITHM:
            return None
        same = (entry.get("size"), entry.get("mtime_ns"), entry.get("inode")) == (
            stat.size,
            stat.mtime_ns,
            stat.inode,
        )
        settled = stat.mtime_ns + RACY_WINDOW_NS < int(entry.get("hashed_at_ns", 0))
        return str(entry["digest"]) if same and settled else None

    def record(self, path: Path, stat: FileStat, digest: str) -> None:
        entry = {
            "size": stat.size,
            "mtime_ns": stat.mtime_ns,
            "inode": stat.inode,
            "digest": digest,
            "algorithm": ALGORITHM,
            "hashed_at_ns": time.time_ns(),
        }
        self._entries[str(path)] = entry
        self._dirty[str(path)] = entry


def fingerprint_file(
    path: Path, cache: StatCache | None = None, progress: Progress | None = None
) -> Fingerprint:
    """Fingerprint one file, reading it only if the stat cache cannot vouch for it."""
    path = path.resolve()
    try:
        stat = FileStat.of(path)
        digest = cache.lookup(path, stat) if cache else None
        read = 0
        if digest is None:
            digest = blake3_file(path, stat.size)
            read = stat.size
            if cache:
                cache.record(path, stat, digest)
    except OSError as exc:
        raise IngestError(
            f"cannot read data file {path}: {exc.strerror or exc}",
            hint="check the path and its permissions",
        ) from None
    if progress:
        progress(stat.size)
    return Fingerprint(digest, ALGORITHM, stat.size, stat.mtime_ns, 1, read)


def folder_files(folder: Path) -> list[Path]:
    """The regular files under a folder, sorted by their relative path (symlinks followed)."""
    found = [
        Path(dirpath) / name
        for dirpath, _dirs, names in os.walk(folder)
        for name in names
        if (Path(dirpath) / name).is_file()
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def fingerprint_folder(
    folder: Path, cache: StatCache | None = None, progress: Progress | None = None
) -> Fingerprint:
    """One digest for a folder: BLAKE3 over the sorted `relpath\\0digest\\n` of its files."""
    folder = folder.resolve()
    files = folder_files(folder)
    if not files:
        raise IngestError(
            f"data folder {folder} has no files", hint="point at a file or a folder with data"
        )
    lines, size, newest, read = [], 0, 0, 0
    for file in files:
        part = fingerprint_file(file, cache, progress)
        lines.append(f"{file.relative_to(folder).as_posix()}\0{part.digest}\n")
        size += part.size
        newest = max(newest, part.mtime_ns)
        read += part.bytes_read
    digest = blake3_bytes("".join(lines).encode("utf-8"))
    return Fingerprint(digest, ALGORITHM, size, newest, len(files), read)


def fingerprint_path(
    path: Path, cache: StatCache | None = None, progress: Progress | None = None
) -> Fingerprint:
    if path.is_dir():
        return fingerprint_folder(path, cache, progress)
    return fingerprint_file(path, cache, progress)
