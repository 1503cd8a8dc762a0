"""Root-cause accuracy of `agentops why` over every scenario of every fixture project.

    uv run python benchmarks/rca_accuracy.py [--project NAME …] [--scenario NAME …]

Builds each scenario's sample project (real git, data, MLflow runs that really trained), syncs
it into a fresh lineage store, asks the project's front door (what `agentops why` asks) to
explain the incident and compares with the ground truth: top-1 (the first suspect is a planted
cause), top-3, all causes found (compound), the verdict (no-cause scenarios must abstain), and
whether a decoy — a change planted to look guilty, which cannot have caused the regression —
was ranked above every cause. Prints one row per scenario, then totals per project and per
family.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from agentops.project import Project
from agentops.settings import load_settings
from fixtures.projects import PROJECTS

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
MEASURES = ("top-1", "top-3", "all causes", "verdict", "no decoy above")


@dataclass(frozen=True)
class Outcome:
    project: str
    scenario: str
    family: str
    passed: tuple[bool, ...]  # one per MEASURES
    first: str
    took_ms: float


def family(truth: dict) -> str:
    cards = truth.get("cards") or [c["card"] for c in truth["causes"]]
    return "compound" if len(cards) > 1 else FAMILY.get(cards[0], "other")


def judge(project: str, scenario: str, truth: dict, report, took_ms: float) -> Outcome:
    causes = {c["ref"] for c in truth["causes"]}
    refs = [s.ref for s in report.suspects]
    verdict_ok = report.verdict == truth["verdict"]
    top1 = verdict_ok and (not causes or (bool(refs) and refs[0] in causes))
    top3 = verdict_ok and (not causes or bool(set(refs[:3]) & causes))
    complete = verdict_ok and {s.ref for s in report.causes} == causes
    first_cause = next((i for i, ref in enumerate(refs) if ref in causes), len(refs))
    decoys = set(truth.get("decoys", ())) - causes
    clean = not (decoys & set(refs[:first_cause])) if causes else True
    passed = (bool(top1), bool(top3), bool(complete), verdict_ok, clean)
    return Outcome(project, scenario, family(truth), passed, refs[0] if refs else "-", took_ms)


def run(project_names: list[str], scenarios: set[str] | None) -> list[Outcome]:
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="agentops-rca-") as work:
        for project_name in project_names:
            fixture = PROJECTS[project_name]
            try:
                for name in fixture.scenarios:
                    if scenarios and name not in scenarios:
                        continue
                    built = fixture.build(Path(work) / project_name / name, name)
                    truth = json.loads(Path(built.ground_truth_path).read_text())
                    with Project(load_settings(built.root)) as project:
                        project.sync()
                        started = time.perf_counter()
                        report = project.explain(truth["incident"])
                        took = (time.perf_counter() - started) * 1000
                    outcomes.append(judge(project_name, name, truth, report, took))
            finally:
                fixture.close()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS))
    parser.add_argument("--scenario", action="append")
    args = parser.parse_args()
    from rich.console import Console
    from rich.table import Table

    outcomes = run(args.project or list(PROJECTS), set(args.scenario or ()))
    table = Table(
        "project", "scenario", "family", *MEASURES, "first suspect", "why time",
        title="agentops why vs ground truth",
    )  # fmt: skip
    for o in outcomes:
        marks = ("yes" if ok else "NO" for ok in o.passed)
        table.add_row(o.project, o.scenario, o.family, *marks, o.first[:40], f"{o.took_ms:.0f} ms")
    console = Console(width=160)
    console.print(table)
    for label, key in (("project", lambda o: o.project), ("family", lambda o: o.family)):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            groups[key(outcome)].append(outcome)
        groups["all"] = outcomes
        summary = Table(label, "scenarios", *MEASURES, title=f"by {label}")
        for name, members in groups.items():
            rates = (sum(o.passed[i] for o in members) / len(members) for i in range(len(MEASURES)))
            summary.add_row(name, str(len(members)), *(f"{r:.0%}" for r in rates))
        console.print(summary)


if __name__ == "__main__":
    main()
