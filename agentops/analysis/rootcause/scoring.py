"""Turning each change between the good and the bad version into a scored suspect.

A score (0..1) says how well a change explains the symptom, from the evidence alone: the kind
of change (docs and tests explain nothing; a training hyperparameter moved 10× explains a lot),
its size, and what the data profiles show. The failure-mode card chosen names the pattern, and
its prior breaks near-ties. Scores at or above CAUSE_SCORE are causes; when none is, the verdict
is that no change in the lineage explains the symptom.
"""

from __future__ import annotations

import re
from typing import Any

from agentops.analysis.rootcause.data_changes import (
    PSI_MAJOR,
    PSI_MODERATE,
    ROW_DROP,
    DatasetChange,
)
from agentops.analysis.rootcause.report import Relevance, Suspect
from agentops.redact import redact_value

CAUSE_SCORE = 0.5
BENIGN_SCORE = 0.05

# Config keys whose change does not touch what the model learns or serves.
BENIGN_KEY = re.compile(
    r"(^|[._])(log|logs|logging|log_level|level|verbose|verbosity|debug|tracking|description|"
    r"comment|owner|tags?|notes?|output_dir|name|title|color|colour)($|[._])",
    re.IGNORECASE,
)
# Keys that set how the model is trained: a move here is a hyperparameter regression suspect.
HYPERPARAMETER_KEY = re.compile(
    r"(lr|learning_rate|regulari[sz]ation|reg|lambda|l1|l2|alpha|beta|gamma|epochs?|"
    r"iterations?|n_iter|factors?|rank|dim|dims|embedding|hidden|layers?|dropout|momentum|"
    r"weight_decay|batch_size|depth|max_depth|n_estimators|trees|leaves|k|top_k|window|"
    r"decay|temperature|threshold|smoothing|min_count|negatives?)$",
    re.IGNORECASE,
)
SERVING_PATH = re.compile(r"(serv|inference|online|predict|deploy)", re.IGNORECASE)
LABEL_NAME = re.compile(
    r"(^|_)(label|target|rating|ratings|score|stars|y|outcome|clicked|click|converted|"
    r"purchase|relevance)($|_)",
    re.IGNORECASE,
)
UNREAD_CLASSES = {"docs", "tests"}  # file classes no training or serving code reads
JOIN_WORDS = re.compile(r"\b(join|merge|filter|dedup\w*|sampl\w*|drop(ped)?|inner)\b", re.I)
TRIVIAL_WORDS = re.compile(r"\b(typo|docs?|comment|format\w*|lint|whitespace|rename)\b", re.I)


def leaf(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _ratio(old: Any, new: Any) -> float | None:
    a, b = _number(old), _number(new)
    if a is None or b is None or a == 0 or b == 0:
        return None
    return max(a / b, b / a)


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
    if TRIVIAL_WORDS.search(subject) and not JOIN_WORDS.search(subject):
        score, card = 0.35, "feature-code-bug"
    else:
        score, card = 0.75, "feature-code-bug"
    if train_rows_drop is not None and train_rows_drop >= ROW_DROP:
        evidence.append(
            f"training rows fell {train_rows_drop:.0%} between the runs while the input "
            "datasets did not shrink: rows are lost in code (join, filter or sampling)"
        )
        score, card = 0.9, "join-bug"
    elif JOIN_WORDS.search(subject):
        card = "join-bug"
    return Suspect(f"commit:{sha}", "code", f"code change: {subject}", score, card, evidence)


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
    """Packages whose spec changed; a major-version move scores highest."""
    evidence, score = [], 0.45
    for change in changes:
        evidence.append(
            f"{change['manifest']}: {change['package']} {change.get('old') or '∅'} → "
            f"{change.get('new') or '∅'}"
        )
        old, new = _major(change.get("old")), _major(change.get("new"))
        if old is not None and new is not None and old != new:
            score = max(score, 0.8)
        elif change.get("status") != "changed":
            score = max(score, 0.55)
    names = ", ".join(sorted({c["package"] for c in changes}))
    ref = f"commit:{commit}" if commit else (manifest_ref or "")
    related = [manifest_ref] if manifest_ref and commit else []
    return Suspect(
        ref,
        "dependency",
        f"dependency change: {names}",
        score,
        "dependency-bump",
        evidence,
        related=related,
    )


def _major(spec: str | None) -> int | None:
    match = re.search(r"(\d+)(?:\.\d+)*", spec or "")
    return int(match.group(1)) if match else None


def config_suspect(
    path: str,
    new_ref: str,
    old_ref: str | None,
    keys: list[dict[str, Any]],
    training_values: dict[str, Any],
) -> Suspect:
    """A config version judged by its changed keys (benign, hyperparameter, or skew)."""
    serving = bool(SERVING_PATH.search(path))
    score, card, kind, evidence = BENIGN_SCORE, None, "config", []
    for key in keys:
        name = key["key"]
        old, new = redact_value(key.get("old"), name), redact_value(key.get("new"), name)
        evidence.append(f"{path}: {name} {old!r} → {new!r}")
        if BENIGN_KEY.search(name):
            continue
        if serving:
            trained = training_values.get(leaf(name))
            if trained is not None and str(trained) != str(key.get("new")):
                evidence.append(
                    f"training uses {leaf(name)}={trained!r}, serving now {key.get('new')!r}: "
                    "the model is served differently from how it was trained"
                )
                score, card, kind = max(score, 0.85), "training-serving-skew", "serving-config"
            else:
                score, card = max(score, 0.45), card or "training-serving-skew"
                kind = "serving-config"
            continue
        ratio = _ratio(key.get("old"), key.get("new"))
        if HYPERPARAMETER_KEY.search(leaf(name)):
            strength = 0.85 if ratio and ratio >= 5 else 0.7 if ratio and ratio >= 2 else 0.5
            score, card = max(score, strength), "config-regression"
        else:
            score, card = max(score, 0.45), card or "config-regression"
    names = ", ".join(k["key"] for k in keys) or "content"
    summary = f"{'serving' if serving else 'config'} change in {path}: {names}"
    return Suspect(new_ref, kind, summary, score, card, evidence, previous=old_ref)


def data_suspect(change: DatasetChange) -> Suspect:
    """A dataset version judged by schema, nulls, labels, freshness, rows and drift."""
    evidence: list[str] = []
    findings: list[tuple[float, str, str]] = []  # (score, card, change type)
    if change.removed_columns or change.retyped_columns:
        renamed = bool(change.removed_columns and change.added_columns)
        evidence.append(
            "schema: "
            + "; ".join(
                [f"removed {c}" for c in change.removed_columns]
                + [f"added {c}" for c in change.added_columns]
                + [f"{c} {a} → {b}" for c, a, b in change.retyped_columns]
            )
            + (" (looks like a rename)" if renamed else "")
        )
        findings.append((0.9, "upstream-schema-change", "data-schema"))
    for column in change.null_spikes:
        evidence.append(
            f"nulls in {column.name}: {column.null_before:.1%} → {column.null_after:.1%}"
        )
        findings.append(
            (min(0.95, 0.6 + column.null_after - column.null_before), "null-spike", "data-nulls")
        )
    for column in change.rescaled:
        label = bool(LABEL_NAME.search(column.name))
        evidence.append(
            f"{column.name} rescaled ×{column.scale_factor:.3g}"
            + (" (a label/target column)" if label else "")
        )
        findings.append(
            (0.85, "label-shift", "data-labels")
            if label
            else (0.55, "covariate-drift", "data-distribution")
        )
    if change.stale:
        why = (
            "the bad run read an older version than the good run"
            if change.version_went_back
            else "latest timestamp did not advance "
            f"({change.latest_before} → {change.latest_after})"
        )
        evidence.append(f"freshness: {why}")
        findings.append((0.85, "stale-data", "data-freshness"))
    row_change = change.row_change
    if row_change is not None:
        evidence.append(f"rows {change.rows_before:,} → {change.rows_after:,} ({row_change:+.1%})")
        if row_change <= -ROW_DROP:
            findings.append((0.6, "join-bug", "data-rows"))
    drifted = sorted(
        (c for c in change.columns if c.psi is not None and c.psi >= PSI_MODERATE),
        key=lambda c: -(c.psi or 0),
    )
    for column in drifted[:3]:
        band = "major" if (column.psi or 0) > PSI_MAJOR else "moderate"
        evidence.append(
            f"drift in {column.name}: PSI {column.psi:.2f} ({band}), KS {column.ks or 0:.2f}"
        )
    if drifted and not findings:
        findings.append(
            (0.55 if change.max_psi > PSI_MAJOR else 0.3, "covariate-drift", "data-distribution")
        )
    if not change.profiled:
        evidence.append("no stored profile on one side: content changed, distribution unknown")
        findings.append((0.3, "covariate-drift", "data-distribution"))
    if change.is_eval and findings:
        best = max(f[0] for f in findings)
        evidence.append(
            "this is the evaluation set: a change here moves the measured metric, not the model"
        )
        # Content that changed with no profile to compare is no evidence the eval set's rows or
        # distribution moved (a routine refresh looks the same): only evidence earns the boost.
        findings = [(max(best, 0.8) if change.profiled else best, "eval-set-change", "eval-data")]
    if not findings:
        evidence.append("same schema and distribution (PSI < 0.1): an appended batch, not a cause")
        findings.append((BENIGN_SCORE * 2, "", "data-rows"))
    score, card, kind = max(findings, key=lambda f: f[0])
    ref = change.new.ref if change.new is not None else (change.old.ref if change.old else "")
    summary = f"dataset {change.name} changed" + (f" ({card})" if card else "")
    return Suspect(
        ref,
        kind,
        summary,
        score,
        card or None,
        evidence,
        previous=change.old.ref if change.old else None,
    )
