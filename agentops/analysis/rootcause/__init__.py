"""`agentops why`: rank every change between the last good version and the bad one.

The lineage diff (DESIGN.md, "Root cause") is `graph.diff.diff` — the same one `agentops
lineage diff` shows: commits between the two code versions, config keys, dependency specs,
dataset versions, run params — and each change is scored by
`agentops.analysis.rootcause.scoring`. Two checks keep the analysis honest:
a version older than the one it replaced points at the promotion, not at what it lacks; and when
the bad run's offline metric sits within the model's usual version-to-version noise, changes to
training are demoted, because nothing in training measurably made the model worse.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops.analysis import builtin_library
from agentops.analysis.rootcause.baseline import (
    Version,
    bad_target,
    find_good,
    healthy,
    load_version,
    load_versions,
)
from agentops.analysis.rootcause.data_changes import (
    LEARNED_FROM,
    compare_datasets,
    data_role,
    freshness_of,
    pair_versions,
)
from agentops.analysis.rootcause.detectors import prior_of
from agentops.analysis.rootcause.detectors.config import SERVING_PATH, leaf
from agentops.analysis.rootcause.evidence import (
    NAMED_AS_STRONGEST,
    WITHIN_NOISE,
    attach_evidence,
)
from agentops.analysis.rootcause.params_origin import ParamOrigin, param_origins
from agentops.analysis.rootcause.relevance import (
    ReachEvidence,
    dev_group_reason,
    dev_manifest_reason,
    pipeline_output_reason,
    unreachable_reason,
)
from agentops.analysis.rootcause.report import (
    CAUSE_FOUND,
    NO_LINEAGE_CAUSE,
    RootCauseReport,
    Suspect,
    Symptom,
)
from agentops.analysis.rootcause.scoring import (
    BENIGN_SCORE,
    CAUSE_SCORE,
    UNREAD_CLASSES,
    apply_priors,
    commit_suspect,
    config_suspect,
    data_suspect,
    dependency_suspect,
    promotion_suspect,
    ruled_out,
)
from agentops.errors import UsageError
from agentops.redact import redact_text
from graph.attributes import DataEdgeAttrs, DatasetAttrs, IncidentAttrs
from graph.refs import NodeKind, parse_ref

if TYPE_CHECKING:
    from graph.code_diff import CodeDiff, CommitChange
    from graph.diff import LineageDiff
    from graph.model import Node
    from graph.store import LineageStore
    from graph.version_lineage import DatasetInput
    from knowledge.library import KnowledgeLibrary

NOISE_FLOOR = 0.03  # below a 3% move, a metric change is never called a regression
NOISE_MULTIPLE = 2.0
ROW_METRIC_WORDS = ("rows", "examples", "samples", "interactions", "records")
EXEMPT_FROM_NOISE = {"serving-config", "eval-data", "alias"}
PLAUSIBLE_SCORE = 0.3  # below this a change is benign: docs, tests, an appended batch


def _known_at(store: LineageStore, versions: list[Version], as_of: datetime) -> list[Version]:
    """The versions as they were known at `as_of`: registered by then, each with only the
    incidents opened by then (a version that broke later was still the good one then)."""
    from dataclasses import replace

    refs = sorted({ref for version in versions for ref in version.incidents})
    later = {node.ref for node in store.get_many(refs) if node.at is not None and node.at > as_of}
    return [
        replace(version, incidents=tuple(i for i in version.incidents if i not in later))
        for version in versions
        if version.model.at is None or version.model.at <= as_of
    ]


def _refuse_a_later_good(given: str, good: Version | None, bad: Version) -> None:
    """GOOD must come before BAD: the diff reads from good to bad, so a reversed pair would
    present the fix as the regression (and invent a cause for it)."""
    if good is None:
        return
    if good.ref == bad.ref:
        raise UsageError(f"--good {given} is BAD itself", hint="give an earlier version")
    same_model = parse_ref(good.ref).name == parse_ref(bad.ref).name
    if good.model.at is not None and bad.model.at is not None:
        later = good.model.at > bad.model.at
    else:
        later = same_model and good.number > bad.number
    if later:
        raise UsageError(
            f"--good {good.ref} is newer than {bad.ref}",
            hint="--good names the earlier version that worked: swap the two?",
        )


def explain(
    store: LineageStore,
    bad: str,
    good: str | None = None,
    as_of: datetime | None = None,
    library: KnowledgeLibrary | None = None,
    repo: Path | None = None,
    entry_points: Sequence[str] = (),
) -> RootCauseReport:
    """Rank the changes between GOOD (given or found) and BAD as suspects, with a verdict.

    `library` holds the failure-mode cards (their priors and remediation): the project's, with
    the team's cards; the built-in ones when omitted. `repo` is the git repository the commits
    came from: with it, a commit whose code edits keep behaviour (docstrings, comments,
    formatting, renamed locals) is ruled out instead of scored as a code change, and so is code
    off the import path of the run's entry points (`entry_points`: agentops.toml's declared
    ones, beside mlflow.source.name and the pipeline's commands) and a config nothing reads.
    """
    from graph.diff import diff

    if library is None:
        library = builtin_library()
    model_ref, incident = bad_target(store, store.resolve(bad))
    versions = load_versions(store, parse_ref(model_ref).name)
    bad_version = next(v for v in versions if v.ref == model_ref)
    incident = incident or (bad_version.incidents[-1] if bad_version.incidents else None)
    if as_of is not None and bad_version.model.at is not None and bad_version.model.at > as_of:
        raise UsageError(
            f"{model_ref} did not exist yet at {as_of.isoformat()} (registered "
            f"{bad_version.model.at.isoformat()})",
            hint="give --as-of a time after BAD was registered, or leave it out",
        )
    if as_of is not None:
        versions = _known_at(store, versions, as_of)
    if good is not None:
        good_ref, _ = bad_target(store, store.resolve(good))
        known = [v for v in versions if v.ref == good_ref]
        good_version: Version | None = known[0] if known else load_version(store, good_ref)
        _refuse_a_later_good(good, good_version, bad_version)
    else:
        good_version = find_good(bad_version, versions, as_of)
    notes: list[str] = []
    symptom = _symptom(store, incident, bad_version, good_version)
    if good_version is None:
        notes.append("no earlier healthy version of this model to compare with")
        return RootCauseReport(
            model_ref,
            None,
            NO_LINEAGE_CAUSE,
            [],
            symptom,
            incident,
            _ref(bad_version.run),
            None,
            notes,
        )
    if good is None:
        notes.append(f"compared with {good_version.ref}: the last version that served before it")
    if as_of is not None:
        notes.append(f"as of {as_of.isoformat()}: versions registered after it were left out")
    changes = diff(store, good_version.ref, bad_version.ref)
    reach = ReachEvidence(
        good_version,
        bad_version,
        repo,
        changes.code.commit_b.removeprefix("commit:") if changes.code else None,
        entry_points,
    )
    suspects = _suspects(store, changes, good_version, bad_version, notes, repo, library, reach)
    moved = _apply_noise(versions, suspects, symptom, good_version, bad_version, notes)
    if moved:
        _name_the_strongest(suspects, moved)
    ranked = _rank([s for s in suspects if s.reaches_model], library)
    verdict = CAUSE_FOUND if any(s.is_cause for s in ranked) else NO_LINEAGE_CAUSE
    report = RootCauseReport(
        model_ref,
        good_version.ref,
        verdict,
        ranked,
        symptom,
        incident,
        _ref(bad_version.run),
        _ref(good_version.run),
        notes,
        ruled_out=_rank([s for s in suspects if not s.reaches_model], library),
    )
    attach_evidence(store, report, library, repo)
    return report


def _ref(node: Any) -> str | None:
    return node.ref if node is not None else None


def _suspects(
    store: LineageStore,
    changes: LineageDiff,
    good: Version,
    bad: Version,
    notes: list[str],
    repo: Path | None,
    library: KnowledgeLibrary,
    reach: ReachEvidence | None = None,
) -> list[Suspect]:
    """Every item of the lineage diff from GOOD to BAD, scored with the library's priors."""
    suspects: list[Suspect] = []
    promotion = promotion_suspect(good, bad)
    if promotion is not None:
        suspects.append(promotion)
    labels = _code_labels(reach)
    data, paths = _data_suspects(store, changes, good, bad, labels)
    data += _data_named_by_code(store, changes, good, bad, data, reach, labels)
    code: list[Suspect] = []
    outputs: dict[str, set[str]] = {}
    if changes.code is None:
        notes.append(f"no code comparison: {changes.code_error}")
    else:
        kept = _behaviour_kept(changes.code, repo, notes, reach)
        outputs = _pipeline_outputs(changes.code, repo)
        code = _code_suspects(
            changes.code, _row_drop(good, bad, data), _training_values(bad), kept, reach, outputs
        )
        if reach is not None:
            notes += reach.notes
    suspects += code
    suspects += data
    suspects += _param_suspects(changes, suspects, repo)
    apply_priors(suspects, library)
    if changes.code is not None:
        _explain_derived_data(data, paths, code, changes.code, outputs)
    _explain_code_built_data(store, data, code)
    if promotion is not None:
        for suspect in suspects[1:]:
            suspect.score *= 0.4
            suspect.evidence.append(
                "part of what the older version lacks, not a change made before the incident"
            )
    return _merge(suspects)


def _behaviour_kept(
    diff: CodeDiff, repo: Path | None, notes: list[str], reach: ReachEvidence | None = None
) -> dict[str, bool]:
    """Which commits' code edits keep behaviour, read from the repository (empty without one);
    code off the entry points' import path is not asked about, whatever it does."""
    code = {c.sha: c.files.get("code", []) for c in diff.commits if c.files.get("code")}
    if reach is not None:
        for sha, paths in list(code.items()):
            off_path = reach.off_path(paths)
            code[sha] = [path for path in paths if path not in off_path]
        code = {sha: paths for sha, paths in code.items() if paths}
    if repo is None or not code:
        return {}
    from graph.errors import GraphError
    from graph.ingest.git.behaviour import behaviour_preserving

    try:
        return behaviour_preserving(repo, code)
    except GraphError as exc:
        notes.append(f"code edits not checked for behaviour: {exc.message}")
        return {}


def _pipeline_outputs(diff: CodeDiff, repo: Path | None) -> dict[str, set[str]]:
    """The files the bad side's DVC pipelines write, with what each is made from (empty
    without a repository)."""
    if repo is None:
        return {}
    from graph.errors import GraphError
    from graph.ingest.dvc import pipeline_outputs

    try:
        return pipeline_outputs(repo, diff.commit_b.removeprefix("commit:"))
    except GraphError:
        return {}


def _code_suspects(
    diff: CodeDiff,
    row_drop: float | None,
    training_values: dict[str, Any],
    behaviour_kept: dict[str, bool],
    reach: ReachEvidence | None = None,
    outputs: Collection[str] = frozenset(),
) -> list[Suspect]:
    suspects = [
        _tooling_only(c.sha, c.subject, c.files)
        or _commit_suspect(c, row_drop, behaviour_kept.get(c.sha, False), reach)
        for c in diff.commits
        if not c.merge
    ]
    for config in diff.configs:
        if config.manifest or config.new is None:
            continue
        keys = [k.to_json() for k in config.keys]
        reason = unreachable_reason(config.path) or pipeline_output_reason(config.path, outputs)
        use = reach.config(config.path, [k["key"] for k in keys]) if reach and not reason else None
        reason = reason or (use.reason if use else None)
        if reason:
            changed = [f"{config.path}: {k['key']}" for k in keys]
            suspects.append(ruled_out(config.new, "config", config.path, reason, changed))
            continue
        suspect = config_suspect(config.path, config.new, config.old, keys, training_values)
        suspect.evidence += [f"read: {item}" for item in (use.evidence if use else ())]
        suspect.related = [c.sha for c in diff.commits if _touches(c.files, config.path)][:1]
        suspect.related = [f"commit:{sha}" for sha in suspect.related]
        suspects.append(suspect)
    by_manifest: dict[str, list[dict[str, Any]]] = {}
    for change in diff.dependencies:
        by_manifest.setdefault(change.manifest, []).append(change.to_json())
    for manifest, changes in by_manifest.items():
        commits = [c.sha for c in diff.commits if _touches(c.files, manifest)]
        manifest_ref = next((c.new for c in diff.configs if c.path == manifest), None)
        runtime = [c for c in changes if not dev_group_reason(c["package"])]
        judged = {c["package"]: reach.package(manifest, c["package"]) for c in runtime if reach}
        installed = [c for c in runtime if _installed(judged.get(c["package"]))]
        reason = dev_manifest_reason(manifest) or (
            None if runtime else dev_group_reason(changes[0]["package"])
        )
        if not reason and runtime and not installed:
            reason = "; ".join(judgement[1] for judgement in judged.values() if judgement)
        if reason and manifest_ref:
            moved = [
                f"{c['package']} {c.get('old') or '∅'} → {c.get('new') or '∅'}" for c in changes
            ]
            suspects.append(ruled_out(manifest_ref, "dependency", manifest, reason, moved))
            continue
        commit = commits[0] if commits else None
        suspect = dependency_suspect(commit, manifest_ref, installed or changes)
        suspect.evidence += [judgement[1] for judgement in judged.values() if judgement]
        suspects.append(suspect)
    return _rule_out_commits_of_ruled_out_files(suspects, diff)


def _rule_out_commits_of_ruled_out_files(suspects: list[Suspect], diff: CodeDiff) -> list[Suspect]:
    """A commit whose every file is a config or manifest ruled out (or docs and tests) cannot
    reach the model either: it is ruled out with their reasons, not ranked on its message."""
    reasons = {
        s.ref.removeprefix("config:").rpartition("@")[0]: s.relevance.reason
        for s in suspects
        if s.ref.startswith("config:") and s.relevance is not None and not s.reaches_model
    }
    by_ref = {f"commit:{c.sha}": c for c in diff.commits if not c.merge}
    judged: list[Suspect] = []
    for suspect in suspects:
        commit = by_ref.get(suspect.ref)
        if commit is not None and suspect.reaches_model:
            files = [
                p for c, paths in commit.files.items() if c not in UNREAD_CLASSES for p in paths
            ]
            if files and all(path in reasons for path in files):
                reason = "; ".join(dict.fromkeys(reasons[path] for path in files))
                evidence = [f"message: {commit.subject!r}", *(f"changed: {p}" for p in files)]
                what = f"commit {commit.subject!r}"
                suspect = ruled_out(suspect.ref, suspect.kind, what, reason, evidence)
        judged.append(suspect)
    return judged


def _installed(judgement: tuple[bool, str] | None) -> bool:
    """A package reaches the model unless the model's logged environment says it does not."""
    return judgement is None or judgement[0]


def _commit_suspect(
    commit: CommitChange, row_drop: float | None, kept: bool, reach: ReachEvidence | None
) -> Suspect:
    """A commit judged on the code that can reach the model: code only tooling runs is set
    aside, and so is Python no entry point imports (a commit with nothing else is ruled out)."""
    files = _reachable(commit.files)
    code = files.get("code", [])
    off_path = reach.off_path(code) if reach else {}
    if off_path:
        files["code"] = [path for path in code if path not in off_path]
        others = {cls for cls, paths in files.items() if paths}
        if others <= UNREAD_CLASSES:
            evidence = [f"code: {', '.join(sorted(off_path))}", f"message: {commit.subject!r}"]
            reason = "; ".join(off_path.values())
            what = f"commit {commit.subject!r}"
            return ruled_out(f"commit:{commit.sha}", "code", what, reason, evidence)
    suspect = commit_suspect(commit.sha, commit.subject, files, row_drop, kept)
    if reach is not None and suspect.reaches_model:
        suspect.evidence += reach.import_chains(files.get("code", []))
    suspect.evidence += list(off_path.values())
    return suspect


def _tooling_only(sha: str, subject: str, files: dict[str, list[str]]) -> Suspect | None:
    """A commit whose every file is tooling (CI workflows, linters, …) or a development-only
    manifest, whatever class it was filed under: ruled out, with each file's reason."""
    paths = [p for ps in files.values() for p in ps]
    reasons = [unreachable_reason(p) or dev_manifest_reason(p) for p in paths]
    if not paths or not all(reasons):
        return None
    evidence = [f"{cls}: {', '.join(sorted(ps))}" for cls, ps in sorted(files.items()) if ps]
    return ruled_out(
        f"commit:{sha}", "code", f"commit {subject!r}", "; ".join(dict.fromkeys(reasons)), evidence
    )


def _reachable(files: dict[str, list[str]]) -> dict[str, list[str]]:
    """A commit's files less the code that only tooling runs (CI scripts, noxfile.py, …)."""
    return {
        cls: [p for p in paths if cls != "code" or not unreachable_reason(p)]
        for cls, paths in files.items()
    }


def _touches(files: dict[str, list[str]], path: str) -> bool:
    return any(path in paths for paths in files.values())


def _training_values(bad: Version) -> dict[str, Any]:
    """What training used, by leaf key: the bad run's params that are not serving settings."""
    return {leaf(k): v for k, v in bad.params.items() if not SERVING_PATH.search(k)}


def _explain_derived_data(
    data: list[Suspect],
    paths: dict[str, str],
    code: list[Suspect],
    diff: CodeDiff,
    outputs: dict[str, set[str]],
) -> None:
    """A dataset a pipeline stage writes changes when the stage's code, params or
    dependencies change: when a commit of the window touched one of them, or a version of a
    data file the pipeline reads (not writes) changed, the data's change is that change's
    consequence (its evidence), not a cause of its own (DVC's dvc.lock names each out's deps;
    `outputs` holds each out's deps, theirs in turn included)."""
    by_commit = {f"commit:{c.sha}": c for c in diff.commits if not c.merge}
    for suspect in data:
        sources = outputs.get(paths.get(suspect.ref, ""))
        if not sources:
            continue
        writers = [
            s
            for s in code
            if s.ref in by_commit
            and s.reaches_model
            and any(p in sources for ps in by_commit[s.ref].files.values() for p in ps)
        ]
        writers += [
            s
            for s in data
            if s.reaches_model
            and paths.get(s.ref) in sources
            and paths.get(s.ref) not in outputs  # the pipeline's input, not another product
        ]
        if not writers:
            continue
        writer = max(writers, key=lambda s: s.score)
        path = paths[suspect.ref]
        _as_consequence(
            suspect,
            writer,
            f"{path} (written by a stage that depends on it) changed",
            suspect.evidence[:3],
            f"{path} is written by a DVC stage whose inputs {writer.ref} changed",
        )


def _as_consequence(
    suspect: Suspect, cause: Suspect, moved: str, what: list[str], because: str
) -> None:
    """`suspect` changed because `cause` did: its evidence (`what`) and strength go to the
    cause, and it keeps half its score, with `because` as the reason."""
    cause.evidence += [f"{moved}: {e}" for e in what]
    cause.score = max(cause.score, suspect.score)
    suspect.score *= 0.5
    suspect.evidence.append(f"{because}: a consequence of that change")


def _explain_code_built_data(store: LineageStore, data: list[Suspect], code: list[Suspect]) -> None:
    """A dataset MLflow logged from a frame the code built (its source type `code`: autolog's
    training and evaluation frames, `mlflow.data.from_pandas` with no source) changes when what
    built it changes: a changed data file the run reads, else a commit on the model's import
    path. Its move is then that change's evidence, not a cause of its own."""
    nodes = {n.ref: n for n in store.get_many([s.ref for s in data])}
    built = [s for s in data if s.ref in nodes and DatasetAttrs(nodes[s.ref]).built_in_code]
    files = [s for s in data if s not in built and s.reaches_model and s.score > BENIGN_SCORE]
    commits = [s for s in code if s.reaches_model and s.score > BENIGN_SCORE]
    makers = files or commits
    if not makers:
        return
    maker = max(makers, key=lambda s: s.score)
    for suspect in built:
        _as_consequence(
            suspect,
            maker,
            f"the {nodes[suspect.ref].name} frame MLflow logged moved with it",
            suspect.evidence[1:4],
            f"built by the code (MLflow logged its source as code) from what {maker.ref} changed",
        )


def _code_labels(reach: ReachEvidence | None) -> frozenset[str]:
    """The columns the code on the model's path calls the label (none without a repository)."""
    mentions = reach.mentions if reach is not None else None
    return frozenset(mentions.labels) if mentions is not None else frozenset()


def _data_suspects(
    store: LineageStore, changes: LineageDiff, good: Version, bad: Version, labels: frozenset[str]
) -> tuple[list[Suspect], dict[str, str]]:
    """Each dataset whose version differs upstream, its versions paired by the role the runs
    gave them and their path, then content (`pair_versions`), judged with that role; and the
    training data both runs read when it did not move forward while the evaluation data did.
    With them, each suspect's file path where its dataset names one."""
    datasets = changes.version_changes(NodeKind.DATASET)
    uses = (*good.inputs, *bad.inputs)
    read: dict[str, Node] = {use.dataset.ref: use.dataset for use in uses}
    missing = sorted({ref for c in datasets for ref in (*c.a_refs, *c.b_refs)} - read.keys())
    if missing:  # upstream of the runs' inputs: read here, with their profiles
        read.update((node.ref, node) for node in store.get_many(missing))
    roles = {use.dataset.ref: _role_of(use) for use in uses}
    freshness = freshness_of(
        [(roles[use.dataset.ref], use.dataset) for use in good.inputs],
        [(roles[use.dataset.ref], use.dataset) for use in bad.inputs],
    )
    inputs = bad.attrs.input_columns
    suspects: list[Suspect] = []
    paths: dict[str, str] = {}
    for change in datasets:
        old = [read[ref] for ref in change.a_refs if ref in read]
        new = [read[ref] for ref in change.b_refs if ref in read]
        pairs = pair_versions(old, new, roles)
        paired = any(before and after for before, after in pairs)
        for before, after in pairs:
            node = after or before
            if node is None:
                continue
            said = [roles[n.ref] for n in (after, before) if n is not None and n.ref in roles]
            if paired and not said and (before is None or after is None):
                continue  # an upstream version left over once its group paired
            role = said[0] if said else data_role(node.name, DatasetAttrs(node).path, None, None)
            if role == "example":
                suspects.append(_example_ruled_out(node))
                continue
            compared = compare_datasets(change.name, before, after, role, freshness, inputs, labels)
            suspects.append(data_suspect(compared))
            if path := DatasetAttrs(node).path:
                paths[suspects[-1].ref] = path
    if freshness.training_lags:
        both = {use.dataset.ref for use in good.inputs} & {use.dataset.ref for use in bad.inputs}
        for use in bad.inputs:
            role = roles[use.dataset.ref]
            if use.dataset.ref in both and role in LEARNED_FROM:
                same = compare_datasets(
                    use.dataset.name, use.dataset, use.dataset, role, freshness, inputs, labels
                )
                if same.lags_evaluation:  # data with no time columns says nothing of time
                    suspects.append(data_suspect(same))
    return suspects, paths


def _data_named_by_code(
    store: LineageStore,
    changes: LineageDiff,
    good: Version,
    bad: Version,
    known: list[Suspect],
    reach: ReachEvidence | None,
    labels: frozenset[str],
) -> list[Suspect]:
    """Data files the window's commits changed that no run logged as an input but that the
    code on the model's import path names (`pd.read_csv("data/wine.csv")`): MLflow's own
    examples read their CSV without `mlflow.log_input`, so only the code says it is read."""
    mentions = reach.mentions if reach is not None else None
    if changes.code is None or mentions is None:
        return []
    covered = {s.ref for s in known} | {s.previous for s in known if s.previous}
    covered |= {use.dataset.ref for use in (*good.inputs, *bad.inputs)}
    found: list[Suspect] = []
    for change in changes.code.data:
        if change.new in covered or (change.old and change.old in covered):
            continue
        nodes = {n.ref: n for n in store.get_many([r for r in (change.old, change.new) if r])}
        new, old = nodes.get(change.new), nodes.get(change.old or "")
        path = DatasetAttrs(new).path if new is not None else None
        named = mentions.file_named(path) if path else None
        if new is None or named is None:
            continue
        role = data_role(new.name, path, None, None)
        compared = compare_datasets(
            change.name, old, new, role, None, bad.attrs.input_columns, labels
        )
        if not compared.profiled:  # a model file, a metrics file, a new file: nothing to compare
            continue
        suspect = data_suspect(compared)
        suspect.evidence.append(
            f"read by the code on the model's path, though no run logged it: {named}"
        )
        for commit in changes.code.commits:
            if path in commit.files.get("data", []):
                suspect.related.append(f"commit:{commit.sha}")
                suspect.evidence.append(f"changed by commit {commit.sha[:10]}: {commit.subject!r}")
        found.append(suspect)
    return found


def _role_of(use: DatasetInput) -> str:
    """How the run used a dataset: the edge's role or context, else its name or path."""
    edge = DataEdgeAttrs(use.attrs)
    return data_role(use.dataset.name, DatasetAttrs(use.dataset).path, edge.role, edge.context)


def _example_ruled_out(node: Node) -> Suspect:
    reason = (
        "an input example is the sample logged beside the model for its signature: training "
        "and evaluation never read it"
    )
    return ruled_out(node.ref, "data-rows", f"input example {node.name}", reason, [])


def _metric(version: Version, words: tuple[str, ...]) -> float | None:
    """The run's first metric whose name contains one of `words`."""
    return next(
        (value for name, value in version.metrics.items() if any(w in name.lower() for w in words)),
        None,
    )


def _row_drop(good: Version, bad: Version, data: list[Suspect]) -> float | None:
    """How much the run's own row count fell, when no input dataset shrank to explain it."""
    if any(f.detector == "join-bug" for s in data for f in s.findings):
        return None
    before, after = _metric(good, ROW_METRIC_WORDS), _metric(bad, ROW_METRIC_WORDS)
    if not before or after is None:
        return None
    return (before - after) / before


def _param_suspects(changes: LineageDiff, known: list[Suspect], repo: Path | None) -> list[Suspect]:
    """Run params that changed and that no config change already accounts for: on the commit
    whose diff set their new values (`params_origin`), the others on the bad run."""
    explained = " ".join(item for s in known for item in s.evidence)
    keys = [
        {"key": change.key, "old": change.old, "new": change.new}
        for change in changes.params
        if leaf(change.key) not in explained
    ]
    if not keys or changes.run_b is None:
        return []
    origins: dict[str, ParamOrigin] = {}
    if repo is not None and changes.code is not None:
        origins = param_origins(keys, changes.code, repo)
    groups: dict[str, list[dict[str, Any]]] = {}
    for key in keys:
        origin = origins.get(key["key"])
        groups.setdefault(f"commit:{origin.sha}" if origin else changes.run_b, []).append(key)
    suspects = []
    for ref, group in groups.items():
        on_run = ref == changes.run_b
        suspect = config_suspect("run params", ref, changes.run_a if on_run else None, group, {})
        suspect.kind = "params"
        suspect.summary = "run params changed: " + ", ".join(k["key"] for k in group)
        if not on_run:
            suspect.related.append(changes.run_b)
            suspect.evidence += [
                f"this commit set {k['key']}: {origins[k['key']].path}: "
                f"{origins[k['key']].line[:100]}"
                for k in group
            ]
        suspects.append(suspect)
    return suspects


def _symptom(
    store: LineageStore, incident: str | None, bad: Version, good: Version | None
) -> Symptom | None:
    if incident:
        node = store.get(incident)
        raw = IncidentAttrs(node).symptom if node else {}
        if raw.get("metric"):
            return Symptom(
                str(raw["metric"]),
                _float(raw.get("baseline")),
                _float(raw.get("observed")),
                "incident",
            )
    metric = _primary_metric(bad)
    if metric is None or good is None:
        return None
    return Symptom(metric, _metric(good, (metric,)), _metric(bad, (metric,)), "runs")


def _primary_metric(version: Version) -> str | None:
    """The metric a regression is judged on: a held-out one (MLflow autolog's `training_*`
    metrics score the data the model was fit on), the usual headline metrics first."""
    names = [n for n in version.metrics if not TRAINING_METRIC.match(n)] or list(version.metrics)
    for word in HEADLINE_METRICS:
        for name in names:
            if word in name.lower():
                return name
    return next(iter(names), None)


HEADLINE_METRICS = (
    "ndcg", "auc", "accuracy", "f1", "recall", "precision", "map", "rmse",
    "root_mean_squared_error", "loss", "mae", "mean_absolute_error", "r2", "error",
)  # fmt: skip
TRAINING_METRIC = re.compile(r"(training|train)[_.]", re.IGNORECASE)


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _apply_noise(
    versions: list[Version],
    suspects: list[Suspect],
    symptom: Symptom | None,
    good: Version,
    bad: Version,
    notes: list[str],
) -> float | None:
    """Demote training changes when the bad run's offline metric moved no more than usual.

    Returns the relative move when it is beyond the usual noise (something made it), else None.
    """
    if symptom is None:
        return None
    before, after = _metric(good, (symptom.metric,)), _metric(bad, (symptom.metric,))
    if before in (None, 0) or after is None:
        return None
    change = (after - before) / abs(before)
    noise = _usual_noise(versions, bad, symptom.metric)
    if noise is None:
        notes.append(
            f"offline {symptom.metric} of the runs: {before:.4g} → {after:.4g} ({change:+.1%}); "
            "not enough healthy history to estimate its noise: judged on the evidence alone"
        )
        return None
    limit = max(NOISE_FLOOR, NOISE_MULTIPLE * noise)
    if abs(change) > limit:
        notes.append(
            f"offline {symptom.metric} of the runs: {before:.4g} → {after:.4g} ({change:+.1%}); "
            f"usual version-to-version move {noise:.1%}"
        )
        return change
    notes.append(
        f"offline {symptom.metric} of the runs moved {change:+.1%}, within the usual "
        f"version-to-version noise (±{limit:.1%}): training did not make the model measurably "
        "worse"
    )
    for suspect in suspects:
        if suspect.kind not in EXEMPT_FROM_NOISE:
            suspect.score *= 0.5
            suspect.evidence.append(f"the offline metric moved only {change:+.1%} {WITHIN_NOISE}")
    return None


def _name_the_strongest(suspects: list[Suspect], change: float) -> None:
    """The runs' metric moved beyond noise, so some change made it move: when no suspect
    reached the cause score on its own, the strongest change that is not benign (docs, tests,
    an appended batch) is named, with that reasoning as its evidence."""
    if any(s.score >= CAUSE_SCORE for s in suspects):
        return
    candidates = [s for s in suspects if s.score >= PLAUSIBLE_SCORE]
    if not candidates:
        return
    strongest = max(candidates, key=lambda s: s.score)
    strongest.score = CAUSE_SCORE
    strongest.evidence.append(
        f"the offline metric moved {change:+.1%}, beyond its usual noise, and "
        f"{NAMED_AS_STRONGEST}: the likeliest cause, though its own evidence is weak"
    )


def _usual_noise(versions: list[Version], bad: Version, metric: str) -> float | None:
    """Median relative move of the metric between consecutive healthy earlier versions, or None
    with fewer than two of them (then no band can be told from one data point).

    Only healthy versions count (served, no incident, never rolled back): an experiment never
    promoted is not the model's rhythm, and a known-bad version and its fix are a regression and
    its repair, not noise — counting them would widen the band until real regressions hide in it.
    """
    values = sorted(
        (version.number, value)
        for version in healthy(versions, bad)
        if (value := _metric(version, (metric,))) is not None
    )
    if len(values) < 2:
        return None
    moves = [abs(b - a) / abs(a) for (_, a), (_, b) in zip(values, values[1:], strict=False) if a]
    return statistics.median(moves) if moves else 0.0


def _merge(suspects: list[Suspect]) -> list[Suspect]:
    """One suspect per ref: the highest score wins, the evidence is pooled."""
    merged: dict[str, Suspect] = {}
    for suspect in suspects:
        if not suspect.ref:
            continue
        kept = merged.get(suspect.ref)
        if kept is None:
            merged[suspect.ref] = suspect
            continue
        winner, other = (suspect, kept) if suspect.score > kept.score else (kept, suspect)
        winner.evidence += [e for e in other.evidence if e not in winner.evidence]
        winner.related += [r for r in other.related if r not in winner.related]
        merged[suspect.ref] = winner
    return list(merged.values())


def _rank(suspects: list[Suspect], library: KnowledgeLibrary) -> list[Suspect]:
    """Order by score, the card's prior breaking ties; fill in remediation from the card."""
    priors: dict[str, float] = {}
    for suspect in suspects:
        card = library.find(suspect.card) if suspect.card else None
        if card is not None:
            priors[suspect.ref] = prior_of(card.id, library)
            suspect.remediation = list(getattr(card, "remediation", ()) or ())
    ranked = sorted(suspects, key=lambda s: (-round(s.score, 3), -priors.get(s.ref, 0.0), s.ref))
    for rank, suspect in enumerate(ranked, start=1):
        suspect.rank = rank
        suspect.is_cause = suspect.score >= CAUSE_SCORE
        # commit messages and config values are whatever people wrote: keep secrets out
        suspect.summary = redact_text(suspect.summary)
        suspect.evidence = [redact_text(item) for item in suspect.evidence]
        suspect.findings = [
            replace(found, evidence=tuple(redact_text(item) for item in found.evidence))
            for found in suspect.findings
        ]
    return ranked
