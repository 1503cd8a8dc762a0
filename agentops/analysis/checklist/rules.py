"""Readiness rules: what the lineage shows about each ML Test Score / production-readiness item.

Each rule looks for specific evidence in the graph around the bad version (`LineageFacts`), says
what it looked for (`looked_for`), what it found (`found`, one fact a line), and a status:

- `present` — the evidence the item asks for is in the graph;
- `partial` — some of it is (e.g. tests exist, but the change that broke things came without one);
- `missing` — it was looked for and is not there;
- `unknown` — the graph cannot tell (nothing to judge, or the evidence would live elsewhere).

A rule never says `missing` without naming what it searched. Absence in the graph is not proof of
absence in the world (a schema check may run in a CI the graph does not ingest); the output says
so once, and each `found` line names the nodes it is about. The code, data and training rules
live here; deployment and monitoring rules in `checklist_rules_serving`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentops.analysis.checklist.facts import LineageFacts, param_items
from graph.attributes import ConfigAttrs, DataEdgeAttrs, DatasetAttrs, RunAttrs
from graph.refs import EdgeKind

PRESENT, PARTIAL, MISSING, UNKNOWN = "present", "partial", "missing", "unknown"
STATUS_ORDER = {MISSING: 0, PARTIAL: 1, UNKNOWN: 2, PRESENT: 3}
SHOWN = 5  # facts of one kind listed before "… and N more"

EXPECTATION_FILE = re.compile(
    r"(schema|expectation|great_expectations|pandera|soda|contract|data_?quality|validation)",
    re.IGNORECASE,
)
DATA_TEST_FILE = re.compile(r"(data|schema|expectation|validat|quality|contract)", re.IGNORECASE)
VALIDATION_RUN = re.compile(r"(validat|expectation|data.?check|quality|great.?expect)", re.I)
TEST_RUN = re.compile(r"(\bci\b|pytest|\btests?\b|unit|integration)", re.IGNORECASE)
QUALITY_FACETS = ("dataQualityAssertions", "dataQualityMetrics", "expectations")
SEED_PARAM = re.compile(r"(^|[._])(seed|random_state|random_seed)$", re.IGNORECASE)
LOCK_KINDS = ("lock", "pipfile-lock")


@dataclass(slots=True)
class ReadinessItem:
    """One checklist item judged from the graph."""

    item: str
    title: str
    checklist: str
    status: str
    looked_for: str
    found: list[str] = field(default_factory=list)
    rule: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "title": self.title,
            "checklist": self.checklist,
            "status": self.status,
            "looked_for": self.looked_for,
            "found": list(self.found),
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True)
class Judgement:
    status: str
    found: list[str]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    items: tuple[str, ...]
    looked_for: str
    judge: Callable[[LineageFacts], Judgement]


def rule(
    registry: list[Rule], *items: str, looked_for: str
) -> Callable[[Callable[[LineageFacts], Judgement]], Any]:
    """Add a rule judging `items` to a module's `registry` (one judgement, reported under each
    item id)."""

    def register(judge: Callable[[LineageFacts], Judgement]) -> Callable[[LineageFacts], Judgement]:
        registry.append(Rule(judge.__name__, items, looked_for, judge))
        return judge

    return register


RULES: list[Rule] = []  # this module's rules, in report order


def listed(facts: list[str], noun: str = "more") -> list[str]:
    if len(facts) <= SHOWN:
        return facts
    return [*facts[:SHOWN], f"… and {len(facts) - SHOWN} {noun}"]


def short(sha: str) -> str:
    return sha[:10]


# -- data ------------------------------------------------------------------------------------------


def validation_evidence(facts: LineageFacts) -> tuple[list[str], list[str]]:
    """(automatic evidence, weaker evidence) that the bad run's input data is validated.

    Automatic: an expectations/schema file among the configs at the bad commit; a data-quality
    facet on an input dataset or its input edge (OpenLineage `dataQualityAssertions`/`Metrics`);
    a run with a validation-like name that read the very dataset versions the bad run read.
    Weaker: test files whose path speaks of data, schemas or validation (they exist, but the
    graph cannot show that they run on each new dataset version).
    """
    strong: list[str] = []
    for node in facts.configs:
        if EXPECTATION_FILE.search(node.name):
            strong.append(f"expectations/schema file {node.ref}")
    inputs = {node.ref: node for node, _ in facts.bad.inputs}
    for node, attrs in facts.bad.inputs:
        facets = {**DatasetAttrs(node).facets, **DataEdgeAttrs(attrs).facets}
        named = [name for name in QUALITY_FACETS if name in facets]
        if named:
            strong.append(f"{node.ref} carries data-quality facets: {', '.join(named)}")
    readers = [
        edge.dst
        for edge in facts.input_edges
        if edge.kind is EdgeKind.INPUT and edge.src in inputs and edge.dst != facts.report.bad_run
    ]
    for run in facts.runs(readers):
        view = RunAttrs(run)
        label = " ".join(
            name or "" for name in (view.run_name, view.experiment, view.job_name, view.source_name)
        )
        if VALIDATION_RUN.search(label):
            strong.append(f"validation run {run.ref} read the same dataset versions")
    weak = [
        f"test file {path}"
        for path, kind in sorted(facts.repo_files.items())
        if kind == "tests" and DATA_TEST_FILE.search(path.rsplit("/", 1)[-1])
    ]
    return strong, weak


@rule(
    RULES,
    "data-1",
    looked_for="an expectations/schema file among the config files at the bad commit (a name "
    "with schema, expectation, great_expectations, pandera, soda, contract or validation); a "
    "data-quality facet on the bad run's input datasets or their input edges; a run with a "
    "validation-like name reading the same dataset versions; test files about data or schemas",
)
def expectations_recorded(facts: LineageFacts) -> Judgement:
    """Data-1 asks for feature expectations captured in a schema and checked on every version.

    Present when an automatic check is visible (see `validation_evidence`); partial when only
    data-related test files exist; missing when none of these is in the graph — then the dataset
    versions the bad run read have no recorded expectations at all.
    """
    strong, weak = validation_evidence(facts)
    names = ", ".join(node.ref for node, _ in facts.bad.inputs) or "none"
    if strong:
        return Judgement(PRESENT, listed(strong))
    if weak:
        return Judgement(
            PARTIAL,
            [*listed(weak), f"nothing shows they ran on the bad run's inputs ({names})"],
        )
    return Judgement(
        MISSING,
        [
            f"no expectations/schema file among {len(facts.configs)} config files at the bad "
            "commit",
            f"no data-quality facet and no validation run on the bad run's inputs ({names})",
            f"no data or schema test among {sum(k == 'tests' for k in facts.repo_files.values())}"
            " test files in the last commits",
        ],
    )


@rule(
    RULES,
    "data-7",
    "infra-2",
    looked_for="commits touching code files in the history walked back from the bad commit, "
    "whether each also touched a test file, and whether any CI/test run is recorded for them",
)
def code_changes_tested(facts: LineageFacts) -> Judgement:
    """Data-7 (feature code) and infra-2 (model code) ask that code changes come with tests
    that run. The graph shows commits and their file classes, and runs linked to commits.

    Present when every code commit touched tests and a test run (a run named like CI, pytest or
    tests) is linked to them; partial when test files exist but some code commits came without
    a test change (each listed, newest first); missing when no test file exists at all; unknown
    when no code commit is in the walked history.
    """
    by_commit: dict[str, tuple[str, set[str], list[str]]] = {}
    for entry in facts.commit_files:
        subject, kinds, code = by_commit.setdefault(entry.sha, (entry.subject, set(), []))
        kinds.add(entry.kind)
        if entry.kind == "code":
            code.append(entry.path)
    code_commits = {sha: v for sha, v in by_commit.items() if v[2]}
    if not code_commits:
        return Judgement(UNKNOWN, [f"no code commit among the last {len(facts.commits)} commits"])
    untested = [
        f"commit {short(sha)} ({subject!r}) changed {', '.join(code[:3])} with no test change"
        for sha, (subject, kinds, code) in code_commits.items()
        if "tests" not in kinds
    ]
    test_files = sorted(path for path, kind in facts.repo_files.items() if kind == "tests")
    ci_runs = [
        run.ref
        for run in facts.runs(
            [
                edge.dst
                for edge in facts.store.edges_of([f"commit:{sha}" for sha in code_commits])
                if edge.kind is EdgeKind.CODE_OF
            ]
        )
        if TEST_RUN.search((RunAttrs(run).run_name or "") + (RunAttrs(run).experiment or ""))
    ]
    found = [
        f"{len(code_commits)} code commits, {len(code_commits) - len(untested)} with a test change",
        f"test files: {', '.join(test_files[:SHOWN])}" if test_files else "no test files",
        f"CI/test runs: {', '.join(ci_runs[:SHOWN])}"
        if ci_runs
        else "no CI or test run recorded for these commits",
        *listed(untested, "more untested code commits"),
    ]
    if not test_files:
        return Judgement(MISSING, found)
    if untested or not ci_runs:
        return Judgement(PARTIAL, found)
    return Judgement(PRESENT, found)


@rule(
    RULES,
    "ready-data-2",
    looked_for="dataset input edges (content-addressed versions) on the training runs of the "
    "model's recent versions",
)
def training_data_versioned(facts: LineageFacts) -> Judgement:
    """Every training run should record exactly which dataset versions it read. Dataset refs
    are content digests, so an input edge is a version pin. Missing when the bad run has none;
    partial when some recent runs have none."""
    runs = [v for v in facts.versions if v.run is not None]
    without = [v.ref for v in runs if not v.inputs]
    found = [f"{len(runs) - len(without)} of {len(runs)} recent training runs record inputs"]
    if without:
        found.append(f"no dataset inputs recorded for: {', '.join(without[:SHOWN])}")
    if not facts.bad.inputs:
        return Judgement(MISSING, found)
    return Judgement(PARTIAL if without else PRESENT, found)


# -- training --------------------------------------------------------------------------------------


def unpinned(facts: LineageFacts) -> tuple[list[str], list[str], list[str]]:
    """(manifests, lockfiles, unpinned `manifest: package spec` lines) at the bad commit.

    A spec is pinned when it starts with `==` (or `===`); the interpreter constraint (`python`)
    is not a package. A lockfile (uv.lock, poetry.lock, Pipfile.lock) pins everything.
    """
    manifests = [config for config in map(ConfigAttrs, facts.configs) if config.is_manifest]
    locks = [m.node.name for m in manifests if m.manifest_kind in LOCK_KINDS]
    loose = []
    for manifest in manifests:
        for package, spec in sorted(manifest.packages.items()):
            if package.lower() == "python":
                continue
            if not str(spec).startswith("=="):
                loose.append(f"{manifest.node.name}: {package} {spec or '(any version)'}".rstrip())
    return [m.node.name for m in manifests], locks, loose


@rule(
    RULES,
    "infra-1",
    "ready-infra-1",
    looked_for="on the bad run: a linked commit, dataset inputs, a seed parameter; at the bad "
    "commit: dependency manifests whose package specs are all pinned with == or a lockfile",
)
def training_reproducible(facts: LineageFacts) -> Judgement:
    """Reproducible training needs the code (commit), the data (input versions), the randomness
    (a seed) and the environment (pinned dependencies) recorded. Each missing part is named;
    "dependency pins missing" means a manifest spec without `==` and no lockfile."""
    run = facts.bad.run
    if run is None:
        return Judgement(MISSING, [f"{facts.bad.ref} has no training run in the graph"])
    seeds = {k: v for k, v in param_items(run).items() if SEED_PARAM.search(k)}
    manifests, locks, loose = unpinned(facts)
    parts = {
        "commit": facts.bad_commit is not None,
        "inputs": bool(facts.bad.inputs),
        "seed": bool(seeds),
        "pins": bool(manifests) and (bool(locks) or not loose),
    }
    found = [
        f"{run.ref} ← {facts.bad_commit.ref}" if facts.bad_commit else f"{run.ref}: no commit",
        f"{len(facts.bad.inputs)} dataset inputs recorded",
        "seed: " + ", ".join(f"{k}={v}" for k, v in seeds.items()) if seeds else "no seed param",
    ]
    if not manifests:
        found.append("no dependency manifest at the bad commit")
    elif locks:
        found.append(f"lockfile: {', '.join(locks)}")
    elif loose:
        found += listed([f"not pinned: {line}" for line in loose], "more unpinned packages")
    else:
        found.append(f"every package pinned with == in {', '.join(manifests)}")
    if all(parts.values()):
        return Judgement(PRESENT, found)
    return Judgement(MISSING if not (parts["commit"] or parts["inputs"]) else PARTIAL, found)


def traced(param: str, keys: set[str]) -> bool:
    """A run parameter comes from a config key when it equals it or ends with `.<key>`
    (`serve.blend.mf` from serve.yaml's `blend.mf`)."""
    return param in keys or any(param.endswith("." + key) for key in keys)


@rule(
    RULES,
    "model-1",
    looked_for="a commit linked to the bad run, and each of the run's parameters among the "
    "keys of the config files at that commit",
)
def specs_checked_in(facts: LineageFacts) -> Judgement:
    """Model specs reviewed and checked in: the run names its commit, and its parameters come
    from versioned config files rather than from a command line nobody kept."""
    run = facts.bad.run
    if run is None or facts.bad_commit is None:
        return Judgement(MISSING, ["the bad version's run is not linked to a commit"])
    keys = {
        str(key)
        for config in map(ConfigAttrs, facts.configs)
        if not config.is_manifest
        for key in config.keys
    }
    params = sorted(param_items(run))
    loose = [p for p in params if not traced(p, keys)]
    found = [
        f"{run.ref} ← {facts.bad_commit.ref}",
        f"{len(params) - len(loose)} of {len(params)} parameters found in config files",
    ]
    if loose:
        found.append("not in any config file: " + ", ".join(loose[:SHOWN]))
    return Judgement(PARTIAL if loose else PRESENT, found)


@rule(
    RULES,
    "model-3",
    looked_for="a parent (sweep) run above the bad run with several children, or other runs of "
    "the bad commit with different parameters",
)
def hyperparameters_tuned(facts: LineageFacts) -> Judgement:
    """Tuned hyperparameters leave a search in the graph: parent/child runs or sibling runs of
    one commit that differ in parameters. A lone run with fixed values is not a search."""
    run = facts.bad.run
    if run is None:
        return Judgement(UNKNOWN, ["no training run for the bad version"])
    edges = facts.store.edges_of([run.ref])
    parents = [e.src for e in edges if e.kind is EdgeKind.PARENT_RUN and e.dst == run.ref]
    if parents:
        children = [
            e.dst
            for e in facts.store.edges_of(parents)
            if e.kind is EdgeKind.PARENT_RUN and e.src in parents
        ]
        if len(set(children)) > 1:
            return Judgement(PRESENT, [f"sweep {parents[0]} has {len(set(children))} trial runs"])
    siblings = []
    if facts.bad_commit is not None:
        refs = [
            e.dst
            for e in facts.store.edges_of([facts.bad_commit.ref])
            if e.kind is EdgeKind.CODE_OF and e.dst != run.ref
        ]
        mine = param_items(run)
        siblings = [other.ref for other in facts.runs(refs) if param_items(other) != mine]
    if siblings:
        return Judgement(PRESENT, [f"other runs of the commit with other params: {siblings[:3]}"])
    return Judgement(
        MISSING,
        [f"{run.ref} has no parent sweep run and no sibling run of its commit with other params"],
    )


@rule(
    RULES,
    "ready-model-3",
    looked_for="runs of the model's recent versions with the same commit but different seeds "
    "(repeated runs that measure run-to-run noise)",
)
def variance_known(facts: LineageFacts) -> Judgement:
    """Run-to-run variance is known only if the pipeline was run more than once with different
    seeds on the same code; otherwise a metric move cannot be told from noise."""
    by_commit: dict[str, set[str]] = {}
    seeds_seen: set[str] = set()
    for version in facts.versions:
        if version.run is None:
            continue
        seeds = [str(v) for k, v in param_items(version.run).items() if SEED_PARAM.search(k)]
        seeds_seen.update(seeds)
        commit = RunAttrs(version.run).git_commit or version.run.ref
        by_commit.setdefault(commit, set()).update(seeds or ["(none)"])
    repeated = [commit for commit, seeds in by_commit.items() if len(seeds) > 1]
    if repeated:
        return Judgement(PRESENT, [f"commit {short(repeated[0])} trained with several seeds"])
    runs = sum(v.run is not None for v in facts.versions)
    if not seeds_seen:
        return Judgement(MISSING, [f"none of {runs} recent training runs logs a seed"])
    return Judgement(
        MISSING,
        [
            f"{runs} recent training runs, seeds used: {', '.join(sorted(seeds_seen))}; no commit "
            "was trained twice with different seeds"
        ],
    )


@rule(
    RULES,
    "model-5",
    "ready-model-1",
    looked_for="another run (a baseline) that read the bad run's evaluation dataset version",
)
def baseline_compared(facts: LineageFacts) -> Judgement:
    """A simpler model is compared on the same evaluation data: another run reading the very
    eval dataset version the bad run was scored on."""
    evals = [node.ref for node, attrs in facts.bad.inputs if DataEdgeAttrs(attrs).context == "eval"]
    if not evals:
        return Judgement(MISSING, ["the bad run records no evaluation dataset input"])
    others = sorted(
        {
            edge.dst
            for edge in facts.input_edges
            if edge.kind is EdgeKind.INPUT
            and edge.src in evals
            and edge.dst != (facts.bad.run.ref if facts.bad.run else None)
        }
    )
    if others:
        return Judgement(PRESENT, [f"runs also scored on {evals[0]}: {', '.join(others[:3])}"])
    return Judgement(MISSING, [f"no other run read the evaluation data {', '.join(evals)}"])


@rule(
    RULES,
    "model-6",
    looked_for="per-slice metrics on the bad run (metric names with a slice part after '.', "
    "'/' or ':', e.g. ndcg_at_10.new_users)",
)
def slice_metrics(facts: LineageFacts) -> Judgement:
    """Quality on important slices shows up as per-slice metrics on the evaluation run."""
    run = facts.bad.run
    metrics = sorted(RunAttrs(run).metric_names if run else [])
    sliced = [name for name in metrics if re.search(r"[./:]", name)]
    if sliced:
        return Judgement(PRESENT, [f"slice metrics: {', '.join(sliced[:SHOWN])}"])
    shown = ", ".join(metrics[:8]) or "none"
    return Judgement(MISSING, [f"the bad run logs only overall metrics: {shown}"])
