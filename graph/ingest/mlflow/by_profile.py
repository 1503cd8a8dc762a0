"""An MLflow input with no file path, to the committed data file it was read from.

MLflow's sklearn (and other) autolog logs the frame a model was fit or scored on as a dataset
whose source is the training code (`CodeDatasetSource`, source type `code`: the run's tags, no
URI), with MLflow's digest of the frame, its schema (`mlflow_colspec`) and profile
(`num_rows`). The frame was read from some file, but MLflow does not say which. What it does
say is enough to find it among the few data files the run could have read: the versions in
the run's commit tree that `ingest git` versioned, and the versions `ingest data` saw on disk
when the run started. A candidate agrees when

- its row count is the logged `num_rows` (or one more: a header counted as a row), and
- most of the logged column names (at least half) are columns of its profile. Not all: autolog
  logs the model's feature frame, which the code builds from the file — a target split off
  (the file has more columns), a derived column (`sale_month` from `sale_date`), a column the
  code fills when an export lacks it (exactly the upstream rename a root cause must see).

When the logged context gives a role (`train` → training, `eval` → evaluation) and several
files agree, those whose path names the same role by convention (`train.csv`,
`data/test/…`, `valid.parquet`) are preferred. Only a unique match resolves
(`matched_by: schema+rows`); ties or none leave the placeholder unreachable with a reason
naming the candidates. An input example (role `example`, a handful of rows) never resolves to
a data file: it is a sample of the data, not a version of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from graph.attributes import DataEdgeAttrs, DatasetAttrs, RunAttrs
from graph.ingest.mlflow.datasets import ROLES
from graph.model import Edge, Node
from graph.refs import NodeKind

if TYPE_CHECKING:
    from graph.store import LineageStore

MATCHED_BY = "schema+rows"
MIN_COLUMN_SHARE = 0.5  # of the logged columns, found in the file
EXAMPLE_ROLE = "example"
MAX_NAMED = 5  # candidates a reason names


@dataclass(frozen=True, slots=True)
class PathlessRead:
    """One run's read of an MLflow dataset that names no file."""

    edge: Edge
    placeholder: Node
    run: Node | None

    @property
    def key(self) -> tuple[str, str]:
        return self.edge.src, self.edge.dst


@dataclass(frozen=True, slots=True)
class Candidate:
    """A data file version the run could have read, with what its profile says."""

    ref: str
    path: str
    rows: int | None
    columns: frozenset[str]


def resolve_pathless(
    store: LineageStore,
    repos: list[Path],
    absolute: Callable[[str], Path],
    reads: list[PathlessRead],
) -> dict[tuple[str, str], tuple[str | None, str]]:
    """Each read's (content ref, `matched_by`) or (None, why not); see the module docstring.
    `absolute` turns a stored relative path into the file (the project root's)."""
    if not reads:
        return {}
    files = [
        n
        for n in store.find(NodeKind.DATASET)
        if DatasetAttrs(n).path
        and n.attrs.get("algorithm") == "blake3"
        and (DatasetAttrs(n).row_count is not None or DatasetAttrs(n).profile_columns)
    ]
    in_trees = _git_versions_in_trees(repos, reads, files)
    on_disk = _data_versions_at_start(store, absolute, reads, files)
    by_ref = {n.ref: n for n in files}
    return {
        read.key: _resolve(
            read,
            [
                by_ref[ref]
                for ref in sorted(in_trees.get(read.key, set()) | on_disk[read.key])
                if ref in by_ref
            ],
        )
        for read in reads
    }


def _resolve(read: PathlessRead, nodes: list[Node]) -> tuple[str | None, str]:
    logged = DatasetAttrs(read.placeholder)
    role = DataEdgeAttrs(read.edge.attrs).role
    if role == EXAMPLE_ROLE or str(read.placeholder.attrs.get("name", "")).endswith(
        "-input_example"
    ):
        return None, "an input example: a sample of the data, never a version of a data file"
    rows, columns = logged.row_count, set(logged.schema)
    if rows is None or not columns:
        return None, "MLflow logged no file path, and no row count and schema to find it by"
    candidates = [_candidate(n) for n in nodes]
    if not candidates:
        return None, "MLflow logged no file path, and no versioned data file was in its commit"
    agree = [c for c in candidates if _agrees(c, rows, columns)]
    if len(agree) > 1 and role:
        same_role = [c for c in agree if role in _path_roles(c.path)]
        agree = same_role or agree
    if len(agree) == 1:
        return agree[0].ref, MATCHED_BY
    if agree:
        return None, f"{len(agree)} data files agree with its {rows} rows and columns: " + (
            _names(agree)
        )
    return None, f"no data file has its {rows} rows and columns; candidates: {_names(candidates)}"


def _candidate(node: Node) -> Candidate:
    attrs = DatasetAttrs(node)
    names = {str(c.get("name")) for c in attrs.profile_columns} or set(attrs.schema)
    return Candidate(node.ref, attrs.path or "", attrs.row_count, frozenset(names))


def _agrees(candidate: Candidate, rows: int, columns: set[str]) -> bool:
    if candidate.rows not in (rows, rows + 1):
        return False
    return len(columns & candidate.columns) >= MIN_COLUMN_SHARE * len(columns)


def _path_roles(path: str) -> set[str]:
    """The roles a file's path names by convention (`train.csv`, `data/valid/…`)."""
    words = re.split(r"[^a-z0-9]+", path.lower())
    return {role for w in words if (role := ROLES.get(w))}


def _names(candidates: list[Candidate]) -> str:
    """The candidates as a reason names them; a repository of many data files is cut short."""
    shown = ", ".join(f"{c.path} ({c.ref}, {c.rows} rows)" for c in candidates[:MAX_NAMED])
    more = len(candidates) - MAX_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _git_versions_in_trees(
    repos: list[Path], reads: list[PathlessRead], files: list[Node]
) -> dict[tuple[str, str], set[str]]:
    """(dataset, run) → the git-versioned data files in the run's commit tree."""
    from graph.ingest.dvc.history import object_ids

    by_blob = {
        (str(n.attrs.get("path")), str(n.attrs.get("git_blob"))): n.ref
        for n in files
        if n.attrs.get("source") == "git" and n.attrs.get("git_blob")
    }
    paths = sorted({path for path, _ in by_blob})
    commits = {read.key: c for read in reads if read.run and (c := RunAttrs(read.run).git_commit)}
    found: dict[tuple[str, str], set[str]] = {}
    if not paths or not commits:
        return found
    specs = sorted({f"{c}:{p}" for c in commits.values() for p in paths})
    for repo in repos:
        ids = object_ids(repo, specs)
        for key, commit in commits.items():
            for path in paths:
                kind, sha = ids.get(f"{commit}:{path}", ("", ""))
                if kind == "blob" and (ref := by_blob.get((path, sha))):
                    found.setdefault(key, set()).add(ref)
    return found


def _data_versions_at_start(
    store: LineageStore,
    absolute: Callable[[str], Path],
    reads: list[PathlessRead],
    files: list[Node],
) -> dict[tuple[str, str], set[str]]:
    """(dataset, run) → the versions `ingest data` saw on disk when the run started."""
    from graph.ingest.data import path_timeline, version_read_at

    paths = sorted({str(n.attrs["path"]) for n in files})
    timelines = {p: t for p in paths if (t := path_timeline(store, absolute(p)))}
    found: dict[tuple[str, str], set[str]] = {}
    for read in reads:
        started: datetime | None = read.run.source_time if read.run else None
        found[read.key] = {
            ref
            for timeline in timelines.values()
            if started and (ref := version_read_at(timeline, started, None))
        }
    return found
