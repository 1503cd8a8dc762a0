"""The evidence an engineer checks before acting on a suspect, attached after the ranking.

A score says how likely a change is; at 3 a.m. nobody rolls back on a number. Each ranked
suspect gets a `SuspectEvidence`: for a commit, who made it and when and the lines it changed
(diff hunks read from the repository, the files on the model's path first); for a config, each
key old → new and whether the runs' logged params agree that training saw that change; for a
dataset, the profile figures (rows, nulls, PSI/KS, scale, label share, time span) as numbers;
for every suspect, one line saying why it ranks where it does.

It is one pass over the finished ranking, so it changes no score and no order: one batched read
of the nodes it needs and at most one `git` process for every commit's hunks. Text that people
wrote (commit messages, diff lines, config values) is redacted here; renderers escape it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agentops.analysis.rootcause.data_changes import (
    PSI_MODERATE,
    RESCALE_FACTOR,
    DatasetChange,
    TimeSpan,
    compare_datasets,
)
from agentops.analysis.rootcause.detectors.config import leaf
from agentops.analysis.rootcause.detectors.data import LABEL_NAME
from agentops.analysis.rootcause.scoring import CAUSE_SCORE
from agentops.redact import redact_text, redact_value
from graph.attributes import CommitAttrs, ConfigAttrs, DatasetAttrs, RunAttrs
from graph.code_diff import key_changes

if TYPE_CHECKING:
    from pathlib import Path

    from agentops.analysis.rootcause.report import RootCauseReport, Suspect
    from graph.code_diff import KeyChange
    from graph.ingest.git.hunks import Hunk
    from graph.model import Node
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

MAX_HUNK_LINES = 20  # per commit, all files together: enough to see the edit, short to read
MAX_COLUMNS = 8
MOVED_NULL_POINTS = 0.01  # a column listed as moved; a spike (scoring) is 10 points
# The sentence `_name_the_strongest` adds when it names a weak change because the metric moved.
NAMED_AS_STRONGEST = "this is the strongest change in the lineage"
WITHIN_NOISE = "(within noise)"  # how `_apply_noise` marks a suspect it halved
HUNK_CLASSES = ("code", "dependency", "config")  # never data: a CSV's diff is not evidence

CONFIRMED = "confirmed"  # the good run logged the old value, the bad run the new one
CONTRADICTED = "contradicted"  # the bad run logged something else: training may not read it
NOT_LOGGED = "not logged"


@dataclass(frozen=True, slots=True)
class KeyEvidence:
    """One changed key of a config (or one run param), old → new, and what the runs' logged
    params say about it (`runs`: confirmed | contradicted | not logged)."""

    file: str
    key: str
    status: str  # added | removed | changed
    old: Any
    new: Any
    runs: str | None = None
    param: str | None = None  # the run param that logged this key
    logged: Any = None  # what the bad run logged under it

    @property
    def runs_text(self) -> str:
        if self.runs == CONFIRMED:
            return "confirmed by the runs' params"
        if self.runs == CONTRADICTED:
            named = f" as {self.param}" if self.param != self.key else ""
            return f"the bad run logged {self.logged!r}{named}, not the new value"
        if self.runs == NOT_LOGGED:
            return "not among the runs' params"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "key": self.key,
            "status": self.status,
            "old": self.old,
            "new": self.new,
            "runs": self.runs,
            "param": self.param,
            "logged": self.logged,
        }


@dataclass(frozen=True, slots=True)
class ColumnFigures:
    """One column of a changed dataset, before → after, as the profiles give it. `label_share`
    is, for a label-named categorical column, its most common value in the good version and
    that value's share before and after."""

    name: str
    null_before: float
    null_after: float
    psi: float | None = None
    ks: float | None = None
    scale_factor: float | None = None
    label_share: tuple[str, float, float] | None = None

    def to_json(self) -> dict[str, Any]:
        share = self.label_share
        return {
            "name": self.name,
            "null_before": round(self.null_before, 4),
            "null_after": round(self.null_after, 4),
            "psi": _round(self.psi),
            "ks": _round(self.ks),
            "scale_factor": _round(self.scale_factor),
            "label_share": (
                {"value": share[0], "before": round(share[1], 4), "after": round(share[2], 4)}
                if share
                else None
            ),
        }


@dataclass(frozen=True, slots=True)
class DataFigures:
    """A dataset's figures between the good and the bad version: rows, the time span's end
    (latest timestamp), schema moves and the columns that moved."""

    rows_before: int | None
    rows_after: int | None
    latest_before: str | None
    latest_after: str | None
    removed_columns: tuple[str, ...] = ()
    added_columns: tuple[str, ...] = ()
    retyped_columns: tuple[tuple[str, str, str], ...] = ()
    columns: tuple[ColumnFigures, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "latest_before": self.latest_before,
            "latest_after": self.latest_after,
            "removed_columns": list(self.removed_columns),
            "added_columns": list(self.added_columns),
            "retyped_columns": [
                {"name": name, "old": old, "new": new} for name, old, new in self.retyped_columns
            ],
            "columns": [column.to_json() for column in self.columns],
        }


@dataclass(slots=True)
class SuspectEvidence:
    """What a suspect rests on, typed: `why_ranked` for every suspect; `author`, `at` and
    `hunks` for a commit (`hunks_note` says why there are none); `keys` for a config or the
    run params; `data` for a dataset."""

    why_ranked: str
    author: str | None = None
    at: datetime | None = None
    hunks: list[Hunk] = field(default_factory=list)
    hunks_note: str | None = None
    keys: list[KeyEvidence] = field(default_factory=list)
    data: DataFigures | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "why_ranked": self.why_ranked,
            "author": self.author,
            "at": self.at.isoformat() if self.at else None,
            "hunks": [hunk.to_json() for hunk in self.hunks],
            "hunks_note": self.hunks_note,
            "keys": [key.to_json() for key in self.keys],
            "data": self.data.to_json() if self.data else None,
        }


def attach_evidence(
    store: LineageStore,
    report: RootCauseReport,
    library: KnowledgeLibrary,
    repo: Path | None,
) -> None:
    """Give every ranked suspect of `report` its `details` (a `SuspectEvidence`)."""
    suspects = report.suspects
    wanted = {report.bad_run, report.good_run}
    for suspect in suspects:
        wanted.update((suspect.ref, suspect.previous, *suspect.related))
    nodes = {node.ref: node for node in store.get_many(sorted(r for r in wanted if r))}
    runs = _Runs(nodes.get(report.good_run or ""), nodes.get(report.bad_run or ""))
    hunks, note = _hunks(suspects, nodes, repo)
    for index, suspect in enumerate(suspects):
        details = SuspectEvidence(_why_ranked(suspects, index, library))
        commit = nodes.get(suspect.ref) if suspect.ref.startswith("commit:") else None
        if commit is not None:
            attrs = CommitAttrs(commit)
            details.author, details.at = attrs.author, attrs.committed_at
            details.hunks = hunks.get(suspect.ref, [])
            details.hunks_note = None if details.hunks else note.get(suspect.ref)
        details.keys = _keys(suspect, nodes, runs)
        if suspect.ref.startswith("dataset:") and suspect.ref in nodes:
            old = nodes.get(suspect.previous or "")
            new = nodes[suspect.ref]
            details.data = _figures(compare_datasets(new.name, old, new, ""))
        suspect.details = details


# -- why it ranks here ---------------------------------------------------------------------------


def _why_ranked(suspects: list[Suspect], index: int, library: KnowledgeLibrary) -> str:
    """One line: the score against the cause threshold, what it rests on (its strongest
    finding, else its card and the card's prior), and a tie the prior broke."""
    suspect = suspects[index]
    verdict = (
        f"score {suspect.score:.2f} ≥ {CAUSE_SCORE:.2f} (a cause)"
        if suspect.is_cause
        else f"score {suspect.score:.2f} < {CAUSE_SCORE:.2f} (not a cause)"
    )
    prior = _prior(library, suspect.card)
    card = f"{suspect.card} (card prior {prior:.2f})" if prior is not None else suspect.card
    if any(NAMED_AS_STRONGEST in item for item in suspect.evidence):
        basis = (
            "the metric moved beyond its usual noise and this is the strongest change, "
            "though its own evidence is weak"
        )
    elif suspect.findings:
        best = max(suspect.findings, key=lambda finding: finding.strength)
        basis = f"strongest finding {best.detector} {best.strength:.2f}" + (
            f", {card}" if card else ""
        )
    elif card:
        basis = f"fits {card}"
    else:
        basis = "no failure mode fits it"
    tied = [
        other.rank
        for other in suspects
        if other is not suspect and round(other.score, 3) == round(suspect.score, 3)
    ]
    tie = f"; tied with #{tied[0]}, order by card prior" if tied and suspect.card else ""
    if any(item.endswith(WITHIN_NOISE) for item in suspect.evidence):
        tie += "; halved: the metric moved within its usual noise"
    return f"#{suspect.rank}: {verdict}; {basis}{tie}"


def _prior(library: KnowledgeLibrary, card_id: str | None) -> float | None:
    card = library.find(card_id) if card_id else None
    prior = getattr(card, "prior", None) if card is not None else None
    return float(prior) if prior is not None else None


# -- commits: the lines they changed -------------------------------------------------------------


def _hunks(
    suspects: list[Suspect], nodes: dict[str, Node], repo: Path | None
) -> tuple[dict[str, list[Hunk]], dict[str, str]]:
    """Each commit suspect's hunks (redacted), or a note saying why there are none."""
    files: dict[str, list[str]] = {}
    for suspect in suspects:
        commit = nodes.get(suspect.ref) if suspect.ref.startswith("commit:") else None
        if commit is not None:
            chosen = _hunk_files(CommitAttrs(commit).files, suspect)
            if chosen:
                files[suspect.ref] = chosen
    if not files:
        return {}, {}
    if repo is None:
        said = "no git repository known to the project: the diff is not shown"
        return {}, dict.fromkeys(files, said)
    from graph.errors import GraphError
    from graph.ingest.git.hunks import Hunk, commit_hunks

    try:
        found = commit_hunks(repo, files, MAX_HUNK_LINES)
    except GraphError as exc:
        return {}, dict.fromkeys(files, f"diff not read: {exc.message}")
    hunks = {
        ref: [
            Hunk(
                redact_text(hunk.path),
                redact_text(hunk.header),
                # as one text: a secret's shape may span lines (a PEM key)
                tuple(redact_text("\n".join(hunk.lines)).split("\n")) if hunk.lines else (),
            )
            for hunk in found.get(ref.removeprefix("commit:"), [])
        ]
        for ref in files
    }
    return hunks, dict.fromkeys(files, "no text diff in the repository for these files")


def _hunk_files(touched: list[dict[str, Any]], suspect: Suspect) -> list[str]:
    """The files whose diff shows what the commit did: its code, else its dependency and config
    files (never data). Files the relevance evidence names (the model's path: its reason, or an
    import chain `a → b` among the evidence) come first."""
    named = [suspect.relevance.reason] if suspect.relevance else []
    named += [item for item in suspect.evidence if "→" in item]
    for cls in HUNK_CLASSES:
        paths = [str(f["path"]) for f in touched if f.get("class") == cls and f.get("path")]
        if paths:
            return sorted(paths, key=lambda path: (not _named(path, named), path))
    return []


def _named(path: str, texts: list[str]) -> bool:
    """Whether a text names the file by its path or, for Python, its module (`pkg.mod`, with or
    without a leading `src.`: the src layout)."""
    module = path.removesuffix(".py").replace("/", ".") if path.endswith(".py") else None
    names = [path] + ([module, module.removeprefix("src.")] if module else [])
    return any(re.search(r"(?<![\w.])" + re.escape(name) + r"(?![\w])", text)
               for name in names for text in texts)  # fmt: skip


# -- configs and params: each key, and what the runs logged --------------------------------------


@dataclass(frozen=True, slots=True)
class _Runs:
    good: Node | None
    bad: Node | None

    def verdict(self, key: str, old: Any, new: Any) -> tuple[str | None, str | None, Any]:
        """(confirmed | contradicted | not logged, the param's name, the bad run's value). A
        param logs a key when its name is the key, ends with `.<key>`, or is the key's last part
        (conventions.md, "Run → config versions")."""
        if self.bad is None:
            return None, None, None
        bad = RunAttrs(self.bad).params
        good = RunAttrs(self.good).params if self.good is not None else {}
        name = next(
            (p for p in bad if p == key or p.endswith("." + key)),
            leaf(key) if leaf(key) in bad else None,
        )
        if name is None:
            return NOT_LOGGED, None, None
        logged = redact_value(bad[name], name)
        if not _same(bad[name], new):
            return CONTRADICTED, name, logged
        if self.good is not None and name in good and not _same(good[name], old):
            return CONTRADICTED, name, logged
        return CONFIRMED, name, logged


def _same(logged: Any, value: Any) -> bool:
    """As conventions.md compares a param with a key: as text, or as numbers."""
    if str(logged) == str(value):
        return True
    try:
        return float(logged) == float(value)
    except (TypeError, ValueError):
        return False


def _keys(suspect: Suspect, nodes: dict[str, Node], runs: _Runs) -> list[KeyEvidence]:
    new = nodes.get(suspect.ref)
    old = nodes.get(suspect.previous or "")
    if suspect.kind == "params" and runs.bad is not None:  # on the bad run or a commit
        params = (RunAttrs(runs.good).params if runs.good else {}, RunAttrs(runs.bad).params)
        return [
            _key("run params", change, (CONFIRMED, change.key, change.new))
            for change in key_changes(*params)
        ]
    if new is None or not suspect.ref.startswith("config:"):
        return []
    path = ConfigAttrs(new).path or new.name
    before = ConfigAttrs(old).keys if old else {}
    keys = []
    for change in key_changes(before, ConfigAttrs(new).keys):
        keys.append(_key(path, change, runs.verdict(change.key, change.old, change.new)))
    return keys


def _key(path: str, change: KeyChange, logged: tuple[str | None, str | None, Any]) -> KeyEvidence:
    runs, param, value = logged
    return KeyEvidence(
        redact_text(path),
        redact_text(change.key),
        change.status,
        redact_value(change.old, change.key),
        redact_value(change.new, change.key),
        runs,
        param,
        redact_value(value, change.key),
    )


# -- datasets: the figures as numbers ------------------------------------------------------------


def _figures(change: DatasetChange) -> DataFigures:
    """The moved columns (nulls up a point or more, PSI moderate or worse, rescaled) and every
    label-named one, most moved first."""
    before = {c["name"]: c for c in _profile_columns(change.old)}
    after = {c["name"]: c for c in _profile_columns(change.new)}
    columns = []
    for shift in change.columns:
        label = bool(LABEL_NAME.search(shift.name))
        moved = (
            abs(shift.null_after - shift.null_before) >= MOVED_NULL_POINTS
            or (shift.psi or 0) >= PSI_MODERATE
            or (
                shift.scale_factor is not None
                and max(shift.scale_factor, 1 / shift.scale_factor) >= RESCALE_FACTOR
            )
        )
        if not (moved or label):
            continue
        share = _label_share(before.get(shift.name), after.get(shift.name)) if label else None
        columns.append(
            ColumnFigures(
                redact_text(shift.name),
                shift.null_before,
                shift.null_after,
                shift.psi,
                shift.ks,
                shift.scale_factor,
                share,
            )
        )
    columns.sort(key=lambda c: -max(c.psi or 0, c.null_after - c.null_before))
    return DataFigures(
        change.rows_before,
        change.rows_after,
        _time(change.span_before),
        _time(change.span_after),
        tuple(change.removed_columns),
        tuple(change.added_columns),
        tuple(change.retyped_columns),
        tuple(columns[:MAX_COLUMNS]),
    )


def _profile_columns(node: Node | None) -> list[dict[str, Any]]:
    return DatasetAttrs(node).profile_columns if node is not None else []


def _label_share(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[str, float, float] | None:
    """The good version's most common label value, and its share of the column on each side."""
    if not before or not after or not before.get("top") or not before.get("count"):
        return None
    value, count = before["top"][0]["value"], before["top"][0]["count"]
    later = next((t["count"] for t in after.get("top") or [] if t["value"] == value), 0)
    total = after.get("count") or 0
    if not total:
        return None
    return redact_text(str(value)), count / before["count"], later / total


def _time(span: TimeSpan | None) -> str | None:
    """Where a version's time columns end, as written: whole numbers without a fraction."""
    if span is None:
        return None
    latest = span.latest
    if isinstance(latest, float):
        return f"{latest:.0f}" if latest.is_integer() else str(latest)
    return latest


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
