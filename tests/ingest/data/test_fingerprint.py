"""BLAKE3 fingerprints of files and folders, and the stat cache that avoids re-reading."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import blake3
import pytest

from graph.ingest.data import fingerprint as fp
from graph.ingest.data.fingerprint import (
    StatCache,
    blake3_file,
    fingerprint_file,
    fingerprint_folder,
)

EMPTY_BLAKE3 = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"  # spec vector


def _age(path: Path, seconds: int = 60) -> None:
    """Back-date a file so the stat cache may trust it (racy-git rule)."""
    past = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(past, past))


def test_blake3_of_an_empty_file_is_the_spec_vector(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert blake3_file(empty) == EMPTY_BLAKE3


@pytest.mark.parametrize("size", [1000, fp.MMAP_THRESHOLD + 12_345])
def test_small_reads_and_big_mmaps_hash_the_same_bytes(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert blake3_file(path) == blake3.blake3(data).hexdigest()


def test_matches_b3sum_when_installed(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(os.urandom(fp.MMAP_THRESHOLD * 2))
    expected = blake3.blake3(path.read_bytes()).hexdigest()
    b3sum = shutil.which("b3sum")
    if b3sum:  # the CLI is optional (benchmark only); the package result is checked regardless
        out = subprocess.run([b3sum, str(path)], capture_output=True, text=True, check=True)
        assert out.stdout.split()[0] == expected
    assert blake3_file(path) == expected


def test_folder_digest_follows_the_convention(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    (folder / "day=2").mkdir(parents=True)
    (folder / "day=1.csv").write_text("a\n1\n")
    (folder / "day=2" / "part-0.csv").write_text("a\n2\n")
    lines = "".join(
        f"{rel}\0{blake3.blake3((folder / rel).read_bytes()).hexdigest()}\n"
        for rel in sorted(["day=1.csv", "day=2/part-0.csv"])
    )
    print_ = fingerprint_folder(folder)
    assert print_.digest == blake3.blake3(lines.encode()).hexdigest()
    assert (print_.files, print_.size, print_.algorithm) == (2, 8, "blake3")

    (folder / "day=2" / "part-0.csv").write_text("a\n3\n")
    assert fingerprint_folder(folder).digest != print_.digest


def test_stat_cache_skips_unchanged_files_and_rereads_changed_ones(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("user,item\n1,2\n")
    _age(path)
    cache = StatCache()
    first = fingerprint_file(path, cache)
    assert first.bytes_read == path.stat().st_size

    again = fingerprint_file(path, cache)
    assert (again.digest, again.bytes_read) == (first.digest, 0)

    path.write_text("user,item\n1,3\n")  # same size, new mtime
    _age(path, 30)
    changed = fingerprint_file(path, cache)
    assert changed.bytes_read > 0 and changed.digest != first.digest


def test_stat_cache_does_not_trust_a_file_modified_as_it_was_hashed(tmp_path: Path) -> None:
    """Within the racy window a rewrite can keep the same mtime: such entries are re-hashed."""
    path = tmp_path / "fresh.csv"
    path.write_text("a\n1\n")
    cache = StatCache()
    fingerprint_file(path, cache)
    assert fingerprint_file(path, cache).bytes_read > 0


def test_stat_cache_round_trips_through_the_store(tmp_path: Path, sqlite_store) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    _age(path)
    cache = StatCache.load(sqlite_store, [path.resolve()])
    fingerprint_file(path, cache)
    cache.save(sqlite_store)
    reloaded = StatCache.load(sqlite_store, [path.resolve()])
    assert fingerprint_file(path, reloaded).bytes_read == 0


def test_an_unreadable_path_is_an_ingest_error(tmp_path: Path) -> None:
    from graph.errors import IngestError

    with pytest.raises(IngestError, match="cannot read data file"):
        fingerprint_file(tmp_path / "missing.csv")
