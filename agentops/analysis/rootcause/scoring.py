"""Turning each change between the good and the bad version into a scored suspect.

Each builder here gathers one change's typed evidence, lists what the change is (its files, its
keys, its figures) and asks the detectors (`rootcause.detectors`, one per failure-mode card)
what they find in it. A suspect's score is its strongest finding once weighed with the card's
prior (`apply_priors`, from the library `explain` was given); the card of that finding names
the pattern. A change no detector finds anything in is benign (docs, tests, an appended batch).
Scores at or above CAUSE_SCORE are causes; when none is, the verdict is that no change in the
lineage explains the symptom.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from agentops.analysis.rootcause.detectors import (
    CommitFacts,
    ConfigDiff,
    DependencyMoves,
    Promotion,
    detect,
    posterior,
    prior_of,
)
from agentops.analysis.rootcause.detectors.config import SERVING_PATH
from agentops.analysis.rootcause.report import Finding, Relevance, Suspect
from agentops.redact import redact_value
from graph.code_diff import KeyChange, PackageChange

if TYPE_CHECKING:
    from agentops.analysis.rootcause.baseline import Version
    from agentops.analysis.rootcause.data_changes import DatasetChange
    from knowledge.library import KnowledgeLibrary

CAUSE_SCORE = 0.5
BENIGN_SCORE = 0.05
UNREAD_CLASSES = {"docs", "tests"}  # file classes no training or serving code reads


def found(suspect: Suspect, findings: Iterable[Finding]) -> Suspect:
    """The suspect with its findings: scored by the strongest, named by its card, its figures
    added to the evidence. Before `apply_priors` the score is the bare strength."""
    suspect.findings = list(findings)
    for finding in suspect.findings:
        suspect.evidence += [line for line in finding.evidence if line not in suspect.evidence]
    _take_strongest(suspect, {})
    return suspect


def apply_priors(suspects: Iterable[Suspect], library: KnowledgeLibrary) -> None:
    """Score every suspect with findings as max over findings of `posterior(strength, prior)`,
    the prior read from the finding's card in `library` (a team's card overriding a built-in
    one included); the card of that finding becomes the suspect's."""
    for suspect in suspects:
        cards = {finding.detector for finding in suspect.findings}
        _take_strongest(suspect, {card: prior_of(card, library) for card in cards})


def _take_strongest(suspect: Suspect, priors: dict[str, float]) -> None:
    if not suspect.findings:
        return

    def weighed(finding: Finding) -> float:
        prior = priors.get(finding.detector)
        return finding.strength if prior is None else posterior(finding.strength, prior)

    best = max(suspect.findings, key=weighed)
    suspect.score, suspect.card = weighed(best), best.detector
    suspect.kind = best.change_type or suspect.kind


def commit_suspect(
    sha: str,
    subject: str,
    files: dict[str, list[str]],
    train_rows_drop: float | None,
    behaviour_kept: bool = False,
) -> Suspect:
    """A commit scored by what it touched; config and dependency changes are judged apart.

    `behaviour_kept` says its code edits only touch docstrings, comments, formatting or local
    names (`graph.ingest.git.behaviour`): such a commit cannot have changed the model.
    """
    classes = {cls for cls, paths in files.items() if paths}
    code = files.get("code", [])
    evidence = [f"{cls}: {', '.join(sorted(paths)[:6])}" for cls, paths in sorted(files.items())]
    evidence.insert(0, f"message: {subject!r}")
    if classes and classes <= UNREAD_CLASSES and not code:
        what = " and ".join(sorted(classes))
        reason = f"it touches {what} only, which neither training nor serving reads"
        return ruled_out(f"commit:{sha}", "code", f"commit {subject!r}", reason, evidence)
    if not code:
        kind = "code" if classes else "none"
        what = "/".join(sorted(classes)) or "no files"
        return Suspect(
            f"commit:{sha}",
            kind,
            f"commit touches {what} only: {subject}",
            BENIGN_SCORE,
            None,
            evidence,
        )
    if behaviour_kept:
        reason = (
            "the code's syntax trees are equal once docstrings, comments, formatting and "
            "local names are set aside: what the code computes did not change"
        )
        what = f"behaviour-preserving code edit {subject!r}"
        return ruled_out(f"commit:{sha}", "code", what, reason, evidence)
    suspect = Suspect(f"commit:{sha}", "code", f"code change: {subject}", 0.0, None, evidence)
    return found(suspect, detect(CommitFacts(sha, subject, files, train_rows_drop)))


def ruled_out(ref: str, kind: str, what: str, reason: str, evidence: list[str]) -> Suspect:
    """A change that cannot reach the model: listed with its reason, scored nothing."""
    return Suspect(
        ref,
        kind,
        f"ruled out, {what}: {reason}",
        0.0,
        None,
        [*evidence, reason],
        relevance=Relevance(False, reason),
    )


def dependency_suspect(
    commit: str | None, manifest_ref: str | None, changes: list[dict[str, Any]]
) -> Suspect:
    """Runtime packages whose spec changed in one manifest (`changes`: the diff's JSON rows)."""
    moves = tuple(
        PackageChange(
            c["manifest"], c["package"], c.get("status", "changed"), c.get("old"), c.get("new")
        )
        for c in changes
    )
    evidence = [f"{m.manifest}: {m.package} {m.old or '∅'} → {m.new or '∅'}" for m in moves]
    names = ", ".join(sorted({m.package for m in moves}))
    ref = f"commit:{commit}" if commit else (manifest_ref or "")
    related = [manifest_ref] if manifest_ref and commit else []
    suspect = Suspect(
        ref,
        "dependency",
        f"dependency change: {names}",
        BENIGN_SCORE,
        None,
        evidence,
        related=related,
    )
    return found(suspect, detect(DependencyMoves(moves)))


def config_suspect(
    path: str,
    new_ref: str,
    old_ref: str | None,
    keys: list[dict[str, Any]],
    training_values: dict[str, Any],
) -> Suspect:
    """A config version judged by its changed keys (`keys`: the diff's JSON rows)."""
    serving = bool(SERVING_PATH.search(path))
    changed = tuple(
        KeyChange(k["key"], k.get("status", "changed"), k.get("old"), k.get("new")) for k in keys
    )
    evidence = [
        f"{path}: {k.key} {redact_value(k.old, k.key)!r} → {redact_value(k.new, k.key)!r}"
        for k in changed
    ]
    names = ", ".join(k.key for k in changed) or "content"
    summary = f"{'serving' if serving else 'config'} change in {path}: {names}"
    kind = "serving-config" if serving else "config"
    suspect = Suspect(new_ref, kind, summary, BENIGN_SCORE, None, evidence, previous=old_ref)
    return found(suspect, detect(ConfigDiff(path, changed, training_values, serving)))


def data_suspect(change: DatasetChange) -> Suspect:
    """A dataset version judged by schema, nulls, labels, freshness, rows and drift."""
    evidence: list[str] = []
    if change.row_change is not None and change.version_changed:
        evidence.append(
            f"rows {change.rows_before:,} → {change.rows_after:,} ({change.row_change:+.1%})"
        )
    findings = detect(change)
    if change.refreshed and change.freshness is not None:
        evidence.append(
            f"a routine refresh of the evaluation data, not a cause: {change.freshness.describe()}"
        )
    elif not findings:
        evidence.append("same schema and distribution (PSI < 0.1): an appended batch, not a cause")
    ref = change.new.ref if change.new is not None else (change.old.ref if change.old else "")
    if not change.version_changed:
        summary = f"dataset {change.name}: the {change.role or 'same'} version both runs read"
    elif change.refreshed:
        summary = f"evaluation data {change.name} refreshed"
    else:
        summary = f"dataset {change.name} changed"
    previous = change.old.ref if change.old and change.version_changed else None
    suspect = Suspect(
        ref, "data-rows", summary, BENIGN_SCORE * 2, None, evidence, previous=previous
    )
    return found(suspect, findings)


def promotion_suspect(good: Version, bad: Version) -> Suspect | None:
    """The promoted version, when an older version replaced a newer one (else None)."""
    findings = detect(Promotion(good, bad))
    if not findings:
        return None
    suspect = Suspect(
        bad.ref,
        "alias",
        f"an older version was promoted: {bad.ref}",
        0.0,
        None,
        previous=good.ref,
        related=[d.ref for d in bad.deployments],
    )
    return found(suspect, findings)
