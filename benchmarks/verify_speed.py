"""`agentops verify` speed: runs per minute, and the cache on a second call, per scenario.

    uv run python benchmarks/verify_speed.py                          # three scenarios, K=2
    uv run python benchmarks/verify_speed.py --scenario compound --repeats 1 --rounds 3

Each scenario's project is built by `fixtures` and synced; then `Project.verify` (what the CLI
calls) re-trains it with the sample project's own `[verify] command`, from an empty cache, in
a fresh copy per round, and once more on the same copy (every tree cached). Reports the median
over rounds: wall time and training runs of the first call, runs per minute, and the second
call's wall time, runs and cache hits. Parallelism is one run per core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from agentops.project import Project  # noqa: E402
from agentops.settings import load_settings  # noqa: E402
from agentops.sync import sync_project  # noqa: E402
from fixtures.build import BaseCache, build_project  # noqa: E402
from graph.store import open_store  # noqa: E402

DEFAULT_SCENARIOS = ("feature-code-bug", "compound", "seed-noise")


def measure(root: Path, incident: str, repeats: int) -> dict[str, float]:
    with Project(load_settings(root)) as project:
        start = time.perf_counter()
        first = project.verify(incident, repeats=repeats, max_runs=200)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        second = project.verify(incident, repeats=repeats, max_runs=200)
        second_s = time.perf_counter() - start
    return {
        "verdict": first.verdict,
        "first_s": first_s,
        "runs": first.runs,
        "per_min": 60 * first.runs / first_s if first_s else 0.0,
        "second_s": second_s,
        "second_runs": second.runs,
        "hits": second.cached_runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", action="append", help="scenario (repeatable)")
    parser.add_argument("--repeats", type=int, default=2, help="K, runs per tree")
    parser.add_argument("--rounds", type=int, default=1, help="fresh copies measured")
    args = parser.parse_args()
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    cache = BaseCache()
    table = Table(
        title=f"agentops verify, K={args.repeats}, {os.cpu_count()} cores (median of {args.rounds})"
    )
    for column in (
        "scenario",
        "verdict",
        "runs",
        "wall s",
        "runs/min",
        "2nd call s",
        "2nd runs",
        "cache hits",
    ):
        table.add_column(column, justify="left" if column in ("scenario", "verdict") else "right")
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        for name in args.scenario or DEFAULT_SCENARIOS:
            built = build_project(Path(tmp) / name, name, cache=cache)
            settings = load_settings(built.root)
            with open_store(settings.db_url) as store:
                sync_project(settings, store)
            rows = []
            for number in range(args.rounds):
                copy = Path(tmp) / f"{name}-{number}"
                shutil.copytree(built.root, copy, symlinks=True)
                rows.append(measure(copy, built.incident_id, args.repeats))

            def med(key: str, rows: list[dict[str, float]] = rows) -> float:
                return statistics.median(r[key] for r in rows)

            table.add_row(
                name,
                str(rows[0]["verdict"]),
                f"{med('runs'):.0f}",
                f"{med('first_s'):.1f}",
                f"{med('per_min'):.0f}",
                f"{med('second_s'):.1f}",
                f"{med('second_runs'):.0f}",
                f"{med('hits'):.0f}",
            )
    cache.close()
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
