"""`agentops verify`: is it really X? Revert X, re-train, compare.

`why` ranks suspects from evidence; `verify` tests them. GOOD and BAD are re-trained K times
with the project's own `[verify] command` (noise, and a check that the command reproduces the
recorded metric — if it does not, nothing it says would mean anything, so it stops). Then BAD's
tree is re-trained with each ranked suspect reverted (a data or config suspect also together
with the commit that introduced it), in parallel, each tree once per hash (`runner`); the share
of the regression each revert recovers gives its verdict (`verdicts`). When no suspect explains
80% alone, the confirmed and inconclusive ones are tried together and in pairs, and the smallest
set that explains it is reported.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING

from agentops.analysis.metric_direction import higher_is_better
from agentops.analysis.verify.report import (
    CAUSE_CONFIRMED,
    CONFIRMED,
    INCONCLUSIVE,
    NO_CONFIRMED_CAUSE,
    REJECTED,
    CauseSet,
    SuspectVerdict,
    VerifyReport,
)
from agentops.analysis.verify.runner import RunFailed, Runner, RunSettings
from agentops.analysis.verify.trees import (
    BuiltTree,
    RestorePath,
    RevertCommit,
    Step,
    TreeBuilder,
    TreeNotBuilt,
    Unbuildable,
)
from agentops.analysis.verify.verdicts import (
    EXPLAIN_SHARE,
    Baseline,
    baseline,
    regression_beyond_noise,
    reproduces,
)
from agentops.errors import AgentCancelled, VerifyError
from graph.attributes import DatasetAttrs, RunAttrs
from graph.refs import EdgeKind

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport, Suspect
    from graph.store import LineageStore

MAX_SET_POOL = 3  # pairs are tried among the three strongest unexplained suspects


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    command: str
    metric: str | None = None
    repeats: int = 2
    max_runs: int = 60
    timeout: float = 1800.0
    jobs: int = 0  # 0: one per core


@dataclass(frozen=True, slots=True)
class Progress:
    """What the progress display shows: the tree being trained, runs done and planned."""

    tree: str
    done: int
    planned: int


@dataclass(frozen=True, slots=True)
class _Trial:
    """One candidate tree to train: the suspects it reverts and how."""

    refs: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class _Outcome:
    values: list[float]
    error: str = ""


def verify(
    store: LineageStore,
    report: RootCauseReport,
    repo: Path,
    cache_dir: Path,
    options: VerifyOptions,
    on_progress: Callable[[Progress], None] | None = None,
) -> VerifyReport:
    """Re-train BAD with each suspect of `report` reverted and judge what each revert recovers."""
    started = time.monotonic()
    if report.good is None or report.good_run is None or report.bad_run is None:
        raise VerifyError(
            f"{report.bad}: no good version with a training run to compare with",
            hint="name one with --good",
        )
    metric = options.metric or (report.symptom.metric if report.symptom else None)
    if not metric:
        raise VerifyError(f"{report.bad}: no symptom metric to compare", hint="give --metric")
    good_run, bad_run = _run(store, report.good_run), _run(store, report.bad_run)
    good_commit, bad_commit = _commit(report.good_run, good_run), _commit(report.bad_run, bad_run)
    recorded_good, recorded_bad = good_run.metrics.get(metric), bad_run.metrics.get(metric)
    if recorded_good is None and report.symptom and metric == report.symptom.metric:
        recorded_good, recorded_bad = report.symptom.baseline, report.symptom.observed
    worse = _worse_sign(metric, recorded_good, recorded_bad)
    runner = Runner(RunSettings(options.command, metric, options.timeout, cache_dir))
    builder = TreeBuilder(repo)
    session = _Session(runner, builder, options, on_progress, bad_commit)
    try:
        outcomes = session.train(
            {("GOOD",): _Trial(("GOOD",), ()), ("BAD",): _Trial(("BAD",), ())},
            commits={("GOOD",): good_commit},
        )
        for side in ("GOOD", "BAD"):
            if outcomes[(side,)].error:
                raise VerifyError(
                    f"the [verify] command failed on {side}'s tree "
                    f"({(good_commit if side == 'GOOD' else bad_commit)[:12]}): "
                    f"{outcomes[(side,)].error}",
                    hint="run it by hand in a checkout of that commit: it must exit 0 and write "
                    "a JSON object of metrics to $AGENTOPS_METRICS",
                )
        base = baseline(outcomes[("GOOD",)].values, outcomes[("BAD",)].values)
        _check_reproduces(base, metric, recorded_good, recorded_bad)
        result = VerifyReport(
            report.bad,
            report.good,
            metric,
            base.good,
            base.bad,
            recorded_good,
            recorded_bad,
            base.noise,
            options.repeats,
            [],
            NO_CONFIRMED_CAUSE,
        )
        if not regression_beyond_noise(base, worse):
            result.notes.append(
                f"re-trained {metric}: GOOD {base.good:.4g}, BAD {base.bad:.4g} — no regression "
                "beyond run-to-run noise, so no cause to confirm"
            )
            result.suspects = [
                SuspectVerdict(s.ref, s.kind, INCONCLUSIVE, 0.0, 0, "no regression to explain")
                for s in report.suspects
            ]
        else:
            _judge(store, report, base, good_commit, session, result)
    except KeyboardInterrupt:
        runner.stop()
        raise AgentCancelled(
            f"verify stopped: {runner.ran} finished runs kept in the cache",
            hint="run it again to go on where it stopped",
        ) from None
    finally:
        session.close()
        builder.close()
    result.runs, result.cached_runs = runner.ran, runner.reused
    result.seconds = time.monotonic() - started
    return result


def _run(store: LineageStore, run_ref: str) -> RunAttrs:
    node = store.get(run_ref)
    if node is None:
        raise VerifyError(f"{run_ref} is not in the lineage store", hint="run agentops sync")
    return RunAttrs(node)


def _commit(run_ref: str, run: RunAttrs) -> str:
    sha = run.git_commit
    if not sha:
        raise VerifyError(
            f"{run_ref} records no git commit: its tree cannot be checked out",
            hint="log runs with their commit (MLflow's mlflow.source.git.commit tag)",
        )
    return sha


def _worse_sign(metric: str, good: float | None, bad: float | None) -> float:
    """+1 when a higher value is worse. From the recorded move, as `why` reads the symptom;
    from the metric's name when nothing moved."""
    return -1.0 if higher_is_better(metric, good, bad) else 1.0


def _check_reproduces(
    base: Baseline, metric: str, recorded_good: float | None, recorded_bad: float | None
) -> None:
    move = (recorded_bad - recorded_good) if None not in (recorded_good, recorded_bad) else 0.0
    for side, measured, recorded in (
        ("GOOD", base.good, recorded_good),
        ("BAD", base.bad, recorded_bad),
    ):
        if not reproduces(measured, recorded, base.noise, move):
            raise VerifyError(
                f"the [verify] command does not reproduce {side}'s recorded {metric}: "
                f"{measured:.6g} re-trained, {recorded:.6g} recorded — a verdict would mean "
                "nothing",
                hint="make the command train as the recorded run did (same code, data, config, "
                "seed), or pick a reproducible --metric",
            )


def _variants(
    store: LineageStore, suspect: Suspect, good_commit: str, introduced_by: str | None
) -> list[tuple[Step, ...]]:
    """The ways to revert one suspect alone on BAD's tree; its share is the best of them.

    A commit: its own diff reversed. A config or data file: GOOD's version, and the version
    just before the commit that introduced it (that commit's change of this one file, without
    the unrelated updates between GOOD and it: weekly data moves on).
    """
    kind, _, key = suspect.ref.partition(":")
    if kind == "commit":
        return [(RevertCommit(key),)]
    if kind == "config":
        path: str | None = key.rpartition("@")[0]
        md5 = None
    elif kind == "dataset":
        node = store.get(suspect.ref)
        path = DatasetAttrs(node).path if node else None
        if not path:
            return [(Unbuildable(f"{suspect.ref}: no file path known to restore"),)]
        if suspect.previous is None:
            return [(Unbuildable(f"{suspect.ref} is new in BAD: GOOD had no version of it"),)]
        md5 = _md5(store, suspect.previous)
    elif suspect.kind == "alias":
        why_not = "an alias move, not a change in the tree: re-training cannot test it"
        return [(Unbuildable(why_not),)]
    else:
        return [(Unbuildable(f"{suspect.ref}: not a commit, config or data file to revert"),)]
    assert path is not None
    variants: list[tuple[Step, ...]] = [(RestorePath(path, good_commit, md5),)]
    if introduced_by is not None:
        variants.append((RestorePath(path, introduced_by.partition(":")[2], before=True),))
    return variants


def _md5(store: LineageStore, ref: str) -> str | None:
    """The md5 a DVC-tracked version is also known by (None for git-only content)."""
    node = store.get(ref) if ref.startswith("dataset:") else None
    aliases = DatasetAttrs(node).aliases.get("md5", []) if node else []
    return aliases[0] if aliases else None


def _introducing_commit(store: LineageStore, suspect: Suspect) -> str | None:
    """The commit that brought a data or config suspect in (they may only show together)."""
    if suspect.ref.startswith("config:"):
        related = [r for r in suspect.related if r.startswith("commit:")]
        return related[0] if related else None
    if suspect.ref.startswith("dataset:"):
        for edge in store.edges_of([suspect.ref]):
            if edge.kind == EdgeKind.INTRODUCED and edge.dst == suspect.ref:
                return edge.src
    return None


def _judge(
    store: LineageStore,
    report: RootCauseReport,
    base: Baseline,
    good_commit: str,
    session: _Session,
    result: VerifyReport,
) -> None:
    """Each suspect reverted alone (every variant), and within the commit that introduced it.

    Within its commit: the commit reverted whole, and reverted with this file kept as BAD has
    it. What the first recovers and the second does not needs this file. That never confirms
    it (confirmed means its revert alone recovers half): files of one export are also needed
    only to stay consistent with each other, so re-training cannot tell them apart. It keeps a
    file from being rejected, and the pair joins the candidate sets.
    """
    introduced = {s.ref: _introducing_commit(store, s) for s in report.suspects}
    trials: dict[tuple[str, ...], _Trial] = {}
    variants: dict[str, list[tuple[str, ...]]] = {}
    for suspect in report.suspects:
        commit = introduced[suspect.ref]
        steps_alone = _variants(store, suspect, good_commit, commit)
        for number, steps in enumerate(steps_alone):
            key = (suspect.ref, f"#{number}")
            trials[key] = _Trial((suspect.ref,), steps)
            variants.setdefault(suspect.ref, []).append(key)
        restore = steps_alone[0][0]
        if commit is not None and commit != suspect.ref and isinstance(restore, RestorePath):
            revert = RevertCommit(commit.partition(":")[2])
            kept = replace(restore, commit=session.bad_commit, md5=_md5(store, suspect.ref))
            trials[(suspect.ref, commit)] = _Trial((suspect.ref, commit), (revert,))
            trials[(suspect.ref, commit, "kept")] = _Trial((suspect.ref, commit), (revert, kept))
    outcomes = session.train(trials)
    shares = {key: base.share(fmean(o.values)) for key, o in outcomes.items() if o.values}
    best_steps: dict[str, tuple[Step, ...]] = {}
    together: dict[tuple[str, ...], float] = {}
    for suspect in report.suspects:
        tried = [key for key in variants[suspect.ref] if key in shares]
        commit = introduced[suspect.ref]
        whole = shares.get((suspect.ref, commit)) if commit else None
        without = shares.get((suspect.ref, commit, "kept")) if commit else None
        needed = whole - without if whole is not None and without is not None else None
        if not tried:
            errors = [outcomes[key].error for key in variants[suspect.ref]]
            result.suspects.append(
                SuspectVerdict(suspect.ref, suspect.kind, INCONCLUSIVE, 0.0, 0, errors[0])
            )
            continue
        best = max(tried, key=lambda key: shares[key])
        best_steps[suspect.ref] = trials[best].steps
        share = shares[best]
        verdict, reason = base.verdict(share), ""
        if verdict == REJECTED and needed is not None and needed > base.resolution:
            # the rule: confirmed means reverting it ALONE recovers half; the files of
            # one commit (an export) may also only work together, so this is not a rejection
            verdict = INCONCLUSIVE
            reason = f"reverting {commit} needs it reverted too: its files may work only together"
        if needed is not None and needed > base.resolution and whole is not None:
            together[(suspect.ref, str(commit))] = whole
        result.suspects.append(
            SuspectVerdict(
                suspect.ref,
                suspect.kind,
                verdict,
                share,
                len(outcomes[best].values),
                reason,
                commit if needed is not None else None,
                needed,
            )
        )
    result.cause_set = _smallest_set(base, best_steps, together, session, result)
    best_share = max((s.share for s in result.suspects if s.runs), default=0.0)
    if result.confirmed or (result.cause_set and result.cause_set.share >= EXPLAIN_SHARE):
        result.verdict = CAUSE_CONFIRMED
    elif result.suspects and all(s.verdict == REJECTED for s in result.suspects):
        result.verdict = NO_CONFIRMED_CAUSE
        result.notes.append(
            f"no suspect's revert recovers the {result.metric} regression (best {best_share:.0%})"
        )
    else:
        result.verdict = INCONCLUSIVE


def _smallest_set(
    base: Baseline,
    steps: dict[str, tuple[Step, ...]],
    together: dict[tuple[str, ...], float],
    session: _Session,
    result: VerifyReport,
) -> CauseSet | None:
    """Delta debugging, small: when no single suspect explains ≥ 80%, the confirmed and
    inconclusive ones in pairs and all together (a set can explain what none does alone, and
    one member can hide another's effect, so every pair is tried); the smallest set that
    explains the regression wins; among sets of one size, the one of suspects `why` ranked
    higher (a data file before the whole export commit that carried it)."""
    singles = [s for s in result.suspects if s.runs and s.share >= EXPLAIN_SHARE]
    if singles:
        best = max(singles, key=lambda s: s.share)
        return CauseSet((best.ref,), best.share, best.runs)
    pool = [
        s.ref
        for s in sorted(result.suspects, key=lambda s: -s.share)
        if s.verdict in (CONFIRMED, INCONCLUSIVE) and s.runs
    ][:MAX_SET_POOL]
    sets = [*itertools.combinations(pool, 2), *([tuple(pool)] if len(pool) > 2 else [])]
    trials = {refs: _Trial(refs, tuple(st for ref in refs for st in steps[ref])) for refs in sets}
    found = [
        CauseSet(refs, share, result.repeats)
        for refs, share in together.items()
        if share >= EXPLAIN_SHARE
    ]
    for refs, outcome in session.train(trials).items():
        share = base.share(fmean(outcome.values)) if outcome.values else 0.0
        if share >= EXPLAIN_SHARE:
            found.append(CauseSet(refs, share, len(outcome.values)))
    rank = {s.ref: number for number, s in enumerate(result.suspects)}
    return min(
        found,
        key=lambda c: (len(c.refs), sum(rank.get(r, len(rank)) for r in c.refs), -c.share),
        default=None,
    )


class _Session:
    """Builds and trains trials in parallel, within the run budget, reporting progress."""

    def __init__(
        self,
        runner: Runner,
        builder: TreeBuilder,
        options: VerifyOptions,
        on_progress: Callable[[Progress], None] | None,
        bad_commit: str,
    ) -> None:
        self.runner = runner
        self.builder = builder
        self.options = options
        self.on_progress = on_progress or (lambda _p: None)
        self.bad_commit = bad_commit
        self.budgeted = 0  # runs the plan holds, cached or not: the same call plans the same trees
        self.planned = 0  # of which still to train
        self.done = 0
        workers = options.jobs or os.cpu_count() or 1
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify")
        self.by_key: dict[str, _Outcome] = {}

    def train(
        self,
        trials: dict[tuple[str, ...], _Trial],
        commits: dict[tuple[str, ...], str] | None = None,
    ) -> dict[tuple[str, ...], _Outcome]:
        """Each trial's K metric values (or why there are none), trained in parallel."""
        k = self.options.repeats
        outcomes: dict[tuple[str, ...], _Outcome] = {}
        keyed: dict[str, list[tuple[str, ...]]] = {}
        trees: dict[str, BuiltTree] = {}
        for refs, trial in trials.items():
            commit = (commits or {}).get(refs, self.bad_commit)
            try:
                tree = self.builder.build(commit, trial.steps)
            except TreeNotBuilt as exc:
                outcomes[refs] = _Outcome([], str(exc))
                continue
            if tree.key in self.by_key:
                outcomes[refs] = self.by_key[tree.key]
                continue
            if tree.key in keyed:
                keyed[tree.key].append(refs)
                continue
            if self.budgeted + k > self.options.max_runs:
                outcomes[refs] = _Outcome([], f"not tried: --max-runs {self.options.max_runs}")
                continue
            self.budgeted += k
            self.planned += max(0, k - len(self.runner.cached(tree.key)))
            keyed[tree.key] = [refs]
            trees[tree.key] = tree
        self.on_progress(Progress("", self.done, self.planned))
        futures = {
            key: self.pool.submit(self._train_one, " + ".join(keyed[key][0]), tree)
            for key, tree in trees.items()
        }
        for key, future in futures.items():
            outcome = future.result()
            self.by_key[key] = outcome
            for refs in keyed[key]:
                outcomes[refs] = outcome
        return outcomes

    def _train_one(self, label: str, tree: BuiltTree) -> _Outcome:
        def ran() -> None:
            self.done += 1
            self.on_progress(Progress(label, self.done, self.planned))

        self.on_progress(Progress(label, self.done, self.planned))
        try:
            return _Outcome(self.runner.values(tree.path, tree.key, self.options.repeats, ran))
        except RunFailed as exc:
            return _Outcome([], f"training failed: {exc}")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
