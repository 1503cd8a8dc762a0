"""Hashing throughput of `ingest data`'s fingerprint next to `b3sum` and `sha256sum`.

    uv run python benchmarks/hashing.py                 # a 1 GiB file, 5 warm runs each
    uv run python benchmarks/hashing.py --size 256MiB --runs 3

Makes a file of random bytes, reads it once so every run finds it in the page cache (warm),
then times each hasher RUNS times and prints the median. The floor row is a plain read of the
same file into memory in the same run: no hasher can beat it. `b3sum` is optional (Debian:
`apt-get install b3sum`); without it there is no ratio row. The target (issue 4) is our
fingerprint within 1.2× of b3sum's time on the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.ingest.data.fingerprint import blake3_file  # noqa: E402

TARGET_RATIO = 1.2
_UNITS = {
    "": 1,
    "k": 1 << 10,
    "kib": 1 << 10,
    "m": 1 << 20,
    "mib": 1 << 20,
    "g": 1 << 30,
    "gib": 1 << 30,
}


def parse_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1GiB, 256MiB)")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def make_file(path: Path, size: int) -> None:
    chunk = os.urandom(1 << 24)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)


def read_only(path: Path) -> None:
    with path.open("rb", buffering=0) as handle:
        buffer = bytearray(1 << 20)
        while handle.readinto(buffer):
            pass


def blake3_plain_reads(path: Path) -> None:
    import blake3

    hasher = blake3.blake3()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    hasher.hexdigest()


def sha256_hashlib(path: Path) -> None:
    with path.open("rb") as handle:
        hashlib.file_digest(handle, "sha256").hexdigest()


def command(tool: str) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        subprocess.run([tool, str(path)], check=True, stdout=subprocess.DEVNULL)

    return run


def interleaved_medians(
    rows: list[tuple[str, Callable[[Path], None]]], path: Path, runs: int
) -> list[tuple[str, float]]:
    """Each round times every hasher once, so a burst of load elsewhere hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name, _ in rows}
    for _ in range(runs):
        for name, fn in rows:
            start = time.perf_counter()
            fn(path)
            times[name].append(time.perf_counter() - start)
    return [(name, statistics.median(times[name])) for name, _ in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=parse_size, default=1 << 30, help="file size (1GiB)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per hasher (5)")
    parser.add_argument("--dir", type=Path, default=None, help="where to make the file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "bench.bin"
        make_file(path, args.size)
        read_only(path)  # warm the page cache
        rows: list[tuple[str, Callable[[Path], None]]] = [("read only (floor)", read_only)]
        b3sum = shutil.which("b3sum")
        if b3sum:
            rows.append(("b3sum", command(b3sum)))
        if shutil.which("sha256sum"):
            rows.append(("sha256sum", command("sha256sum")))
        rows += [
            ("agentops fingerprint (blake3, mmap+threads)", lambda p: blake3_file(p)),
            ("blake3 package, plain reads, 1 thread", blake3_plain_reads),
            ("hashlib sha256", sha256_hashlib),
        ]
        results = interleaved_medians(rows, path, args.runs)

    gb = args.size / 1e9
    cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"file: {args.size / (1 << 30):.2f} GiB, warm page cache, median of {args.runs} "
        f"interleaved runs, {cores} cores, load average {load:.1f}, {sys.platform}"
    )
    print(f"| {'hasher':<44} | {'median s':>8} | {'GB/s':>6} | {'vs b3sum':>8} |")
    print(f"|{'-' * 46}|{'-' * 9}:|{'-' * 7}:|{'-' * 9}:|")
    b3 = dict(results).get("b3sum")
    for name, seconds in results:
        ratio = f"{seconds / b3:.2f}×" if b3 else "-"
        print(f"| {name:<44} | {seconds:>8.3f} | {gb / seconds:>6.2f} | {ratio:>8} |")
    ours = dict(results)["agentops fingerprint (blake3, mmap+threads)"]
    if b3:
        verdict = "within" if ours <= TARGET_RATIO * b3 else "NOT within"
        print(
            f"\nfingerprint time is {ours / b3:.2f}× b3sum's: {verdict} the {TARGET_RATIO}× target"
        )
    else:
        print("\nb3sum is not installed (apt-get install b3sum): no ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
