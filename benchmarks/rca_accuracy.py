"""Root-cause accuracy of `agentops why` over every fixture scenario.

    uv run python benchmarks/rca_accuracy.py [--scenario NAME …]

Builds each scenario's sample project (real git, data, MLflow runs that really trained), syncs
it into a fresh lineage store, asks the project's front door (what `agentops why` asks) to
explain the incident and compares with the ground
truth: top-1 (the first suspect is a planted cause), top-3, all causes found (compound), and the
verdict (no-cause scenarios must abstain). Prints one row per scenario and one per family.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from agentops.project import Project
from agentops.settings import load_settings
from fixtures import SCENARIOS, BaseCache, build_project

FAMILY = {
    "upstream-schema-change": "data",
    "null-spike": "data",
    "label-shift": "data",
    "stale-data": "data",
    "eval-set-change": "data",
    "feature-code-bug": "code",
    "join-bug": "code",
    "dependency-bump": "code",
    "config-regression": "config",
    "training-serving-skew": "config",
    "wrong-model-promoted": "promotion",
    "seed-noise": "no cause",
    "covariate-drift": "no cause",
}


def family(truth: dict) -> str:
    cards = truth.get("cards") or [c["card"] for c in truth["causes"]]
    return "compound" if len(cards) > 1 else FAMILY.get(cards[0], "other")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    names = args.scenario or list(SCENARIOS)
    cache = BaseCache()
    rows, by_family = [], defaultdict(lambda: [0, 0, 0, 0, 0])
    with tempfile.TemporaryDirectory(prefix="agentops-rca-") as work:
        for name in names:
            built = build_project(Path(work) / name, name, cache=cache)
            settings = load_settings(built.root)
            truth = json.loads(Path(built.ground_truth_path).read_text())
            with Project(settings) as project:
                project.sync()
                started = time.perf_counter()
                report = project.explain(truth["incident"])
                elapsed = time.perf_counter() - started
            causes = {c["ref"] for c in truth["causes"]}
            refs = [s.ref for s in report.suspects]
            verdict_ok = report.verdict == truth["verdict"]
            top1 = verdict_ok and (not causes or (refs[:1] and refs[0] in causes))
            top3 = verdict_ok and (not causes or bool(set(refs[:3]) & causes))
            complete = verdict_ok and {s.ref for s in report.causes} == causes
            fam = family(truth)
            counts = by_family[fam]
            for i, ok in enumerate((True, top1, top3, complete, verdict_ok)):
                counts[i] += int(bool(ok))
            rows.append(
                (
                    name,
                    fam,
                    top1,
                    top3,
                    complete,
                    verdict_ok,
                    refs[0] if refs else "-",
                    f"{elapsed * 1000:.0f} ms",
                )
            )
    cache.close()

    def mark(ok: object) -> str:
        return "yes" if ok else "NO"

    table = Table(
        "scenario",
        "family",
        "top-1",
        "top-3",
        "all causes",
        "verdict",
        "first suspect",
        "why time",
        title="agentops why vs ground truth",
    )
    for name, fam, top1, top3, complete, verdict_ok, first, took in rows:
        table.add_row(
            name, fam, mark(top1), mark(top3), mark(complete), mark(verdict_ok), first[:48], took
        )
    summary = Table(
        "family", "scenarios", "top-1", "top-3", "all causes", "verdict", title="by family"
    )
    totals = [0, 0, 0, 0, 0]
    for fam, counts in sorted(by_family.items()):
        n = counts[0]
        summary.add_row(fam, str(n), *(f"{c / n:.0%}" for c in counts[1:]))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    summary.add_row("all", str(totals[0]), *(f"{c / totals[0]:.0%}" for c in totals[1:]))
    console = Console(width=140)
    console.print(table)
    console.print(summary)


if __name__ == "__main__":
    main()
