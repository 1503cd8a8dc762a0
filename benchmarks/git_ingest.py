"""Benchmark `ingest git` against the floor: raw `git log --name-status` of the same history.

    uv run python benchmarks/git_ingest.py                    # synthetic 50,000-commit repo
    uv run python benchmarks/git_ingest.py --repo ~/src/linux --runs 3

The synthetic repository is built with `git fast-import` (about 20 s for 50,000 commits) and
kept under `--work` so later runs reuse it. Each round times the floor and a full ingest into a
fresh SQLite store back to back, so both see the same machine load; the table shows medians.
Target (issue 3): full ingest within 2× of the floor, incremental no-op ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_synthetic_repo(path: Path, commits: int, seed: int = 7) -> None:
    """A recsys-like history: code, tests, docs, configs, requirements, data; merges every 40."""
    rnd = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    code = [f"src/recsys/module_{i:03d}.py" for i in range(400)]
    tests = [f"tests/test_module_{i:03d}.py" for i in range(150)]
    docs = [f"docs/page_{i:02d}.md" for i in range(40)]
    configs = [f"configs/train_{i}.yaml" for i in range(8)]
    stream = bytearray()

    def blob(text: str) -> bytes:
        data = text.encode()
        return b"data %d\n%s\n" % (len(data), data)

    def modify(name: str, text: str) -> bytes:
        return b"M 100644 inline " + name.encode() + b"\n" + blob(text)

    epoch = 1_600_000_000
    main = side = 0
    for i in range(1, commits + 1):
        on_side = i % 40 in (10, 20) and i > 40  # short-lived branch, merged at i % 40 == 30
        branch = b"refs/heads/side" if on_side else b"refs/heads/main"
        who = b"Dev %d <dev%d@example.com> %d +0200" % (i % 17, i % 17, epoch + i * 60)
        stream += b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (branch, i, who, who)
        stream += blob(f"change {i}: tweak things\n\nLonger body of commit {i}.\n")
        if on_side:
            stream += b"from :%d\n" % (side or main)
            side = i
        elif main:
            stream += b"from :%d\n" % main
            if i % 40 == 30 and side:
                stream += b"merge :%d\n" % side
                side = 0
        if i == 1:
            for name in code + tests + docs:
                stream += modify(name, f"# {name}\nvalue = 0\n")
            for k, name in enumerate(configs):
                stream += modify(name, f"train:\n  lr: 0.01\n  epochs: {k}\n")
            stream += modify("requirements.txt", "numpy==1.26.0\npandas>=2.0\n")
            stream += modify("data/ratings.csv", "user,item,rating\n1,2,5\n")
        else:
            for _ in range(rnd.choice((1, 1, 2, 2, 3, 4))):
                r = rnd.random()
                name = rnd.choice(code if r < 0.6 else tests if r < 0.85 else docs)
                stream += modify(name, f"# {name}\nvalue = {i}\n")
            if i % 25 == 0:
                lr = i / 1e5
                stream += modify(rnd.choice(configs), f"train:\n  lr: {lr}\n  epochs: {i % 50}\n")
            if i % 500 == 0:
                stream += modify("requirements.txt", f"numpy==1.26.{i // 500}\npandas>=2.{i % 7}\n")
            if i % 5000 == 0:
                stream += modify("data/ratings.csv", f"user,item,rating\n1,2,5\n{i},3,4\n")
        if not on_side:
            main = i
    stream += b"reset refs/heads/main\nfrom :%d\n" % main
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(stream), cwd=path, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    subprocess.run(["git", "branch", "-q", "-D", "side"], cwd=path, check=False)


def commit_count(repo: Path) -> int:
    out = subprocess.run(
        ["git", "rev-list", "--count", "--branches", "--tags", "--remotes", "HEAD"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def time_floor(repo: Path) -> tuple[float, float]:
    """Raw `git log --name-status` over the same refs, its output read and dropped.

    Returns wall seconds and CPU seconds (git's own).
    """
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        ["git", "log", "--name-status", "--branches", "--tags", "--remotes", "HEAD"],
        cwd=repo,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    while process.stdout.read(1 << 20):
        pass
    process.wait()
    return time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu


def time_ingest(repo: Path, work: Path, name: str) -> tuple[float, float, object]:
    """A full ingest into a fresh SQLite file: wall seconds, CPU seconds (Python and git)."""
    from graph.ingest.git import ingest_git
    from graph.store import open_store

    db = work / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with open_store(f"sqlite:///{db}") as store:
        cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = ingest_git(store, repo)
        elapsed = time.perf_counter() - start
        cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu
        return elapsed, cpu, result


def time_noop(repo: Path, work: Path, name: str) -> float:
    from graph.ingest.git import ingest_git
    from graph.store import open_store

    with open_store(f"sqlite:///{work / f'{name}.db'}") as store:
        start = time.perf_counter()
        result = ingest_git(store, repo)
        elapsed = time.perf_counter() - start
    assert result.noop, "the second run should have had nothing to do"
    return elapsed


def time_noop_process(repo: Path, work: Path, name: str) -> float:
    """A no-op in a fresh interpreter: imports, store opening and git calls included."""
    code = (
        "import sys; from graph.store import open_store; from graph.ingest.git import ingest_git;"
        "s = open_store(sys.argv[1]); assert ingest_git(s, sys.argv[2]).noop"
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, f"sqlite:///{work / f'{name}.db'}", str(repo)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, help="benchmark this repository instead")
    parser.add_argument("--commits", type=int, default=50_000, help="synthetic history length")
    parser.add_argument("--runs", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "agentops-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    repo = args.repo
    if repo is None:
        repo = args.work / f"synthetic-{args.commits}"
        if not (repo / ".git").is_dir():
            print(
                f"building {args.commits:,} commits with git fast-import in {repo} …",
                file=sys.stderr,
            )
            start = time.perf_counter()
            build_synthetic_repo(repo, args.commits)
            print(f"built in {time.perf_counter() - start:.1f}s", file=sys.stderr)
    commits = commit_count(repo)
    floors, floor_cpus, ingests, ingest_cpus, noops, cold = [], [], [], [], [], []
    result = None
    for round_ in range(args.runs):
        wall, cpu = time_floor(repo)
        floors.append(wall)
        floor_cpus.append(cpu)
        wall, cpu, result = time_ingest(repo, args.work, "bench")
        ingests.append(wall)
        ingest_cpus.append(cpu)
        noops.append(time_noop(repo, args.work, "bench"))
        cold.append(time_noop_process(repo, args.work, "bench"))
        print(
            f"round {round_ + 1}: floor {floors[-1]:.2f}s (cpu {floor_cpus[-1]:.2f}s), "
            f"ingest {ingests[-1]:.2f}s (cpu {ingest_cpus[-1]:.2f}s), "
            f"no-op {noops[-1]:.3f}s (fresh process {cold[-1]:.2f}s)",
            file=sys.stderr,
        )
    floor, ingest = statistics.median(floors), statistics.median(ingests)
    floor_cpu, ingest_cpu = statistics.median(floor_cpus), statistics.median(ingest_cpus)
    print(f"\nrepository: {repo} ({commits:,} commits; medians of {args.runs} rounds)")
    print(f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| measure | wall | commits/s | vs floor | CPU (all processes) | vs floor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| floor: `git log --name-status` | {floor:.2f} s | {commits / floor:,.0f} | 1.00× "
        f"| {floor_cpu:.2f} s | 1.00× |"
    )
    print(
        f"| `ingest git` into SQLite (full) | {ingest:.2f} s | {commits / ingest:,.0f} "
        f"| {ingest / floor:.2f}× | {ingest_cpu:.2f} s | {ingest_cpu / floor_cpu:.2f}× |"
    )
    print(f"| incremental no-op (library call) | {statistics.median(noops):.3f} s | | | | |")
    print(f"| incremental no-op (fresh process) | {statistics.median(cold):.2f} s | | | | |")
    if result is not None:
        print(f"\nlast ingest: {result.summary()}")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
