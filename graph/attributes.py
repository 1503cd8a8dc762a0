"""Typed views of node attributes: the attribute contract of docs/conventions.md, as code.

Attributes are stored as JSON (each source writes its own keys); everything above the store
reads them through these views, so a key's name, its type and its fallbacks live in one place.
A view never fails on a missing or mistyped key: it answers None or an empty value, because
stored attributes come from many sources and versions of agentops.

Build the view of a node's kind directly (`RunAttrs(node).metrics`), or `attrs_of(node)` where
the kind is only known at run time. Who writes which keys:

- commit: git (`graph/ingest/git/log.py`);
- config: git (`graph/ingest/git/versions.py`, parsed by `graph/ingest/files/`);
- dataset: git (committed files), file ingest (`graph/ingest/data`), MLflow `log_input`
  (`graph/ingest/mlflow/datasets.py`), DVC, OpenLineage — git and file ingest add the profile;
  the link step (`graph/ingest/link.py`) adds `aliases` and `content`/`content_reason`;
- run: MLflow (`graph/ingest/mlflow`), OpenLineage (runs and `kind: "job"` nodes), DVC stages;
- model: the MLflow registry (`graph/ingest/mlflow/registry.py`);
- deploy: the MLflow registry (alias moves) and `agentops rollback apply`;
- incident: incident files (`graph/ingest/incidents.py`), `agentops incident open|close`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.model import Node, parse_time
from graph.refs import NodeKind

# What a run used a dataset for, from the context its tracker logged (MLflow's
# `mlflow.data.context`, as logged, lower case): ingest keeps the role on the input edge and the
# analysis pairs versions by it.
DATA_ROLES = {
    "training": "training",
    "train": "training",
    "eval": "evaluation",
    "evaluation": "evaluation",
    "validation": "evaluation",
    "val": "evaluation",
    "test": "evaluation",
    "testing": "evaluation",
    "input_example": "example",
    "example": "example",
    "serving_input_example": "example",
}


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [dict(item) for item in _list(value) if isinstance(item, Mapping)]


def _strs(value: Any) -> list[str]:
    return [item for item in _list(value) if isinstance(item, str)]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _label(value: Any) -> str | None:
    """A name or version number as text: registries write `"7"`, older stores wrote `7`."""
    return str(value) if _int(value) is not None else _str(value)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except ValueError:
        return None


def metric_value(stored: Any) -> float | None:
    """A metric's number, whether stored as MLflow ingest writes it (`{"value": …, "min": …}`)
    or as a bare number (OpenLineage facets, older stores). Booleans and non-finite are None."""
    value = stored.get("value") if isinstance(stored, Mapping) else stored
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True, slots=True)
class Attrs:
    """The base view: the node and its raw attributes (for keys no view names yet)."""

    node: Node

    @property
    def raw(self) -> dict[str, Any]:
        return self.node.attrs

    @property
    def tags(self) -> dict[str, Any]:
        return _dict(self.raw.get("tags"))


@dataclass(frozen=True, slots=True)
class RunAttrs(Attrs):
    """A run: an MLflow run, an OpenLineage run (or job, `is_job`), or a DVC stage."""

    @property
    def params(self) -> dict[str, Any]:
        return _dict(self.raw.get("params"))

    @property
    def metrics(self) -> dict[str, float]:
        """Each metric's last value, as a number; metrics without one are left out."""
        out: dict[str, float] = {}
        for name, stored in _dict(self.raw.get("metrics")).items():
            value = metric_value(stored)
            if value is not None:
                out[str(name)] = value
        return out

    def metric(self, name: str) -> float | None:
        return self.metrics.get(name)

    @property
    def metric_names(self) -> list[str]:
        """Every metric the run logged, with a number or not (MLflow stores NaN as null)."""
        return [str(name) for name in _dict(self.raw.get("metrics"))]

    @property
    def git_commit(self) -> str | None:
        return _str(self.raw.get("git_commit"))

    @property
    def start_time(self) -> datetime | None:
        return _time(self.raw.get("start_time"))

    @property
    def source_name(self) -> str | None:
        """The entry point MLflow recorded (`mlflow.source.name`)."""
        return _str(self.raw.get("source_name")) or _str(self.tags.get("mlflow.source.name"))

    @property
    def run_name(self) -> str | None:
        return _str(self.raw.get("run_name"))

    @property
    def experiment(self) -> str | None:
        return _str(self.raw.get("experiment"))

    @property
    def job(self) -> dict[str, Any]:
        """The OpenLineage job (`{"namespace", "name"}`)."""
        return _dict(self.raw.get("job"))

    @property
    def job_name(self) -> str | None:
        return _str(self.job.get("name"))

    @property
    def stage(self) -> str | None:
        """The DVC stage (`train`, `prepare@fold1`)."""
        return _str(self.raw.get("stage"))

    @property
    def name(self) -> str | None:
        """What people call the run: its MLflow name, OpenLineage job or DVC stage."""
        return self.run_name or self.job_name or self.stage

    @property
    def status(self) -> str | None:
        """MLflow's run status (`FINISHED`, `FAILED`, `RUNNING`, …)."""
        return _str(self.raw.get("status"))

    @property
    def state(self) -> str | None:
        """The OpenLineage run state (`START`, `RUNNING`, `COMPLETE`, `FAIL`, `ABORT`, `OTHER`);
        DVC stages are `COMPLETE`."""
        return _str(self.raw.get("state"))

    @property
    def last_event_at(self) -> datetime | None:
        """The time of the latest OpenLineage event about the run."""
        return _time(self.raw.get("last_event_at"))

    @property
    def started_at(self) -> datetime | None:
        """MLflow's `start_time` or the OpenLineage START event's time."""
        return _time(self.raw.get("start_time")) or _time(self.raw.get("started_at"))

    @property
    def ended_at(self) -> datetime | None:
        """MLflow's `end_time` or the OpenLineage terminal event's time."""
        return _time(self.raw.get("end_time")) or _time(self.raw.get("ended_at"))

    @property
    def source(self) -> str | None:
        """The source that wrote the run when it says so (`openlineage`, `dvc`); MLflow writes
        `origin` instead."""
        return _str(self.raw.get("source"))

    @property
    def is_job(self) -> bool:
        """An OpenLineage JobEvent's static lineage (`run:job:<namespace>/<name>`), not a run."""
        return self.raw.get("kind") == "job"

    @property
    def is_stub(self) -> bool:
        """An OpenLineage parent run known only from a child's ParentRunFacet."""
        return self.raw.get("stub") is True

    @property
    def run_facets(self) -> dict[str, Any]:
        return _dict(self.raw.get("run_facets"))

    @property
    def job_facets(self) -> dict[str, Any]:
        return _dict(self.raw.get("job_facets"))


@dataclass(frozen=True, slots=True)
class DatasetAttrs(Attrs):
    """One dataset version, from any source; the profile only where the bytes were read."""

    @property
    def profile(self) -> dict[str, Any]:
        """The stored profile (layout in `graph.profile`); empty when not profiled."""
        return _dict(self.raw.get("profile"))

    @property
    def profile_columns(self) -> list[dict[str, Any]]:
        """The profile's per-column entries (name, type, null_rate, quantiles, …)."""
        return _dicts(self.profile.get("columns"))

    @property
    def row_count(self) -> int | None:
        return _int(self.raw.get("row_count"))

    @property
    def built_in_code(self) -> bool:
        """An MLflow input whose source is the code that built the frame (`source_type`
        `code`: autolog's splits, `mlflow.data.from_pandas` with no source), not a file."""
        return self.raw.get("source_type") == "code"

    @property
    def schema(self) -> dict[str, str]:
        """Column name → type, in column order. Sources store a list of `{"name", "type"}`
        (OpenLineage columns may lack a type: ""); older stores a name → type map or
        `{"columns": [...]}`."""
        stored = self.raw.get("schema")
        if isinstance(stored, Mapping) and isinstance(stored.get("columns"), list):
            stored = stored["columns"]
        if isinstance(stored, Mapping):
            return {str(name): str(kind) for name, kind in stored.items()}
        return {
            str(column["name"]): str(column.get("type") or "")
            for column in _dicts(stored)
            if column.get("name") is not None
        }

    @property
    def path(self) -> str | None:
        return _str(self.raw.get("path"))

    @property
    def source(self) -> str | None:
        """The source that wrote the node when it says so (`git`, `dvc`, `openlineage`); file
        ingest and MLflow write `origin` instead."""
        return _str(self.raw.get("source"))

    @property
    def format(self) -> str | None:
        """The file format (`csv`, `parquet`, `jsonl`, …) where the bytes were seen."""
        return _str(self.raw.get("format")) or _str(self.profile.get("format"))

    @property
    def namespace(self) -> str | None:
        """The OpenLineage namespace."""
        return _str(self.raw.get("namespace"))

    @property
    def dataset_name(self) -> str | None:
        """The OpenLineage dataset name (the ref's name may carry the namespace)."""
        return _str(self.raw.get("dataset_name"))

    @property
    def facets(self) -> dict[str, Any]:
        """The OpenLineage dataset facets, as the latest event carried them."""
        return _dict(self.raw.get("facets"))

    @property
    def aliases(self) -> dict[str, list[str]]:
        """Other names of this content: `{"mlflow": [...], "md5": [...], "openlineage":
        [...]}` (digests, and OpenLineage's `<namespace>/<name>` of a file; written by
        `graph.ingest.link` when it folds an MLflow, DVC or OpenLineage node into this one)."""
        return {str(k): _strs(v) for k, v in _dict(self.raw.get("aliases")).items()}

    @property
    def content_unreachable(self) -> str | None:
        """Why the bytes behind this node could not be found (None when they were, or when it
        was never asked): an MLflow, DVC or OpenLineage file node `graph.ingest.link` could
        not fold."""
        if self.raw.get("content") != "unreachable":
            return None
        return _str(self.raw.get("content_reason")) or "content unreachable"


@dataclass(frozen=True, slots=True)
class ModelVersionAttrs(Attrs):
    @property
    def aliases(self) -> list[str]:
        return _strs(self.raw.get("aliases"))

    @property
    def run_id(self) -> str | None:
        return _str(self.raw.get("run_id"))

    @property
    def version(self) -> str | None:
        return _label(self.raw.get("version"))

    @property
    def promoted_at(self) -> datetime | None:
        """When the version started serving, from the `promoted_at` tag teams may set."""
        return _time(self.tags.get("promoted_at"))

    @property
    def promoted_by(self) -> str | None:
        return _str(self.tags.get("promoted_by"))

    @property
    def runtime_packages(self) -> list[str] | None:
        """The packages (PEP 503 names) of the environment MLflow logged with the model
        (`requirements.txt`, `conda.yaml`, `python_env.yaml`); None when none was read."""
        if "runtime_packages" not in self.raw:
            return None
        return _strs(self.raw.get("runtime_packages"))

    @property
    def input_columns(self) -> frozenset[str] | None:
        """The named input columns of the model's logged signature; None when none was read
        (a model without a signature, or with tensor inputs)."""
        names = _strs(self.raw.get("input_columns"))
        return frozenset(names) if names else None

    @property
    def runtime_env_files(self) -> list[str]:
        """Which of the model's environment files `runtime_packages` was read from."""
        return _strs(self.raw.get("runtime_env_files"))

    @property
    def tracking_uri(self) -> str | None:
        """The (masked) MLflow tracking URI the version was read from."""
        return _str(self.raw.get("tracking_uri"))


@dataclass(frozen=True, slots=True)
class DeploymentAttrs(Attrs):
    """One move of an alias (or stage, or environment) to a model version."""

    @property
    def model(self) -> str | None:
        """The registered model's name."""
        return _str(self.raw.get("model"))

    @property
    def alias(self) -> str | None:
        """The alias or stage that moved; deploy events name an environment (`env`) instead."""
        return _str(self.raw.get("alias")) or _str(self.raw.get("env"))

    @property
    def version(self) -> str | None:
        """The version the alias points at after the move."""
        return _label(self.raw.get("version"))

    @property
    def previous_version(self) -> str | None:
        return _label(self.raw.get("previous_version"))

    @property
    def model_ref(self) -> str | None:
        return _str(self.raw.get("model_ref"))

    @property
    def moved_at(self) -> datetime | None:
        return _time(self.raw.get("moved_at"))

    @property
    def time_basis(self) -> str | None:
        """What `moved_at` is: the version's last update, when the ingest saw it, or when
        `agentops rollback apply` made the move (`applied`)."""
        return _str(self.raw.get("time_basis"))


@dataclass(frozen=True, slots=True)
class CommitAttrs(Attrs):
    @property
    def message(self) -> str:
        return _str(self.raw.get("message")) or ""

    @property
    def subject(self) -> str:
        """The message's first line."""
        return self.message.split("\n", 1)[0]

    @property
    def author(self) -> str | None:
        """The author's name (git stores `{"name", "email"}`; older stores a bare name)."""
        stored = self.raw.get("author")
        return _str(stored.get("name")) if isinstance(stored, Mapping) else _str(stored)

    @property
    def author_email(self) -> str | None:
        return _str(_dict(self.raw.get("author")).get("email"))

    @property
    def committed_at(self) -> datetime | None:
        return _time(self.raw.get("committed_at"))

    @property
    def files(self) -> list[dict[str, Any]]:
        """The touched files: `{"path", "change" (A|M|D|R), "class"}`, plus `old_path` for a
        rename and `copied_from` for a copy."""
        return _dicts(self.raw.get("files"))

    @property
    def parents(self) -> list[str]:
        return _strs(self.raw.get("parents"))

    @property
    def refs(self) -> list[str]:
        """The names git decorates the commit with at the last ingest (`main`, `HEAD`)."""
        return _strs(self.raw.get("refs"))


@dataclass(frozen=True, slots=True)
class ConfigAttrs(Attrs):
    @property
    def keys(self) -> dict[str, Any]:
        """The flattened keys (`train.optimizer.lr: 0.01`)."""
        return _dict(self.raw.get("keys"))

    @property
    def path(self) -> str | None:
        return _str(self.raw.get("path"))

    @property
    def is_manifest(self) -> bool:
        return self.raw.get("manifest") is True

    @property
    def manifest_kind(self) -> str | None:
        """Which reader parsed a manifest (`requirements`, `pyproject`, `conda`, `lock`, …)."""
        return _str(self.raw.get("manifest_kind"))

    @property
    def packages(self) -> dict[str, Any]:
        """A manifest's package → version spec (`numpy: ==1.26.4`, `dev:pytest: >=8`)."""
        return _dict(self.raw.get("packages"))


@dataclass(frozen=True, slots=True)
class IncidentAttrs(Attrs):
    """An incident: the attributes are the incident file's JSON (docs/conventions.md)."""

    @property
    def id(self) -> str | None:
        return _label(self.raw.get("id"))

    @property
    def title(self) -> str:
        return _str(self.raw.get("title")) or ""

    @property
    def severity(self) -> str | None:
        return _str(self.raw.get("severity"))

    @property
    def opened_at(self) -> datetime | None:
        return _time(self.raw.get("opened_at"))

    @property
    def closed_at(self) -> datetime | None:
        return _time(self.raw.get("closed_at"))

    @property
    def affects(self) -> list[str]:
        """The refs the incident is about; a file may give a single ref as a string."""
        stored = self.raw.get("affects")
        return [stored] if _str(stored) else _strs(stored)

    @property
    def symptom(self) -> dict[str, Any]:
        return _dict(self.raw.get("symptom"))

    @property
    def resolution(self) -> str | None:
        return _str(self.raw.get("resolution"))

    @property
    def summary(self) -> str | None:
        return _str(self.raw.get("summary"))


@dataclass(frozen=True, slots=True)
class DataEdgeAttrs:
    """The attributes of an `input` (dataset → run) or `output` (run → dataset) edge: the role
    the data played and the facets the OpenLineage event gave it on that side."""

    raw: Mapping[str, Any]

    @property
    def context(self) -> str | None:
        """MLflow's `log_input` context (`training`, `eval`, …); several are comma-joined."""
        return _str(self.raw.get("context"))

    @property
    def role(self) -> str | None:
        """The role the data played for the run (`training`, `evaluation`, `example`, or the
        context as logged), from MLflow's context (`graph.ingest.mlflow.datasets.ROLES`)."""
        return _str(self.raw.get("role"))

    @property
    def facets(self) -> dict[str, Any]:
        """The OpenLineage input or output facets."""
        return _dict(self.raw.get("facets"))

    @property
    def row_count(self) -> int | None:
        """The rows the OpenLineage events counted on this side of the run: the
        `inputStatistics` or `outputStatistics` facet's `rowCount`."""
        for key in ("inputStatistics", "outputStatistics"):
            facet = _dict(self.facets.get(key))
            if not facet.get("_deleted") and _int(facet.get("rowCount")) is not None:
                return _int(facet["rowCount"])
        return None


VIEWS: dict[NodeKind, type[Attrs]] = {
    NodeKind.COMMIT: CommitAttrs,
    NodeKind.CONFIG: ConfigAttrs,
    NodeKind.DATASET: DatasetAttrs,
    NodeKind.RUN: RunAttrs,
    NodeKind.MODEL: ModelVersionAttrs,
    NodeKind.DEPLOYMENT: DeploymentAttrs,
    NodeKind.INCIDENT: IncidentAttrs,
}


def attrs_of(node: Node) -> Attrs:
    """The view of the node's kind, for code that dispatches on it (`match attrs_of(node):`)."""
    return VIEWS.get(node.kind, Attrs)(node)
