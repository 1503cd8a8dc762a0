"""Typed views of node attributes: the attribute contract of docs/conventions.md, as code.

Attributes are stored as JSON (each source writes its own keys); everything above the store
reads them through these views, so a key's name, its type and its fallbacks live in one place.
A view never fails on a missing or mistyped key: it answers None or an empty value, because
stored attributes come from many sources and versions of agentops.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.model import Node, parse_time


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


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
    def git_commit(self) -> str | None:
        return _str(self.raw.get("git_commit"))

    @property
    def start_time(self) -> datetime | None:
        return _time(self.raw.get("start_time"))

    @property
    def source_name(self) -> str | None:
        """The entry point MLflow recorded (`mlflow.source.name`)."""
        return _str(self.raw.get("source_name")) or _str(self.tags.get("mlflow.source.name"))


@dataclass(frozen=True, slots=True)
class DatasetAttrs(Attrs):
    @property
    def profile(self) -> dict[str, Any]:
        return _dict(self.raw.get("profile"))

    @property
    def row_count(self) -> int | None:
        value = self.raw.get("row_count")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def schema(self) -> dict[str, Any]:
        return _dict(self.raw.get("schema"))

    @property
    def path(self) -> str | None:
        return _str(self.raw.get("path"))

    @property
    def source(self) -> str | None:
        return _str(self.raw.get("source"))


@dataclass(frozen=True, slots=True)
class ModelVersionAttrs(Attrs):
    @property
    def aliases(self) -> list[str]:
        return [a for a in _list(self.raw.get("aliases")) if isinstance(a, str)]

    @property
    def run_id(self) -> str | None:
        return _str(self.raw.get("run_id"))


@dataclass(frozen=True, slots=True)
class CommitAttrs(Attrs):
    @property
    def message(self) -> str:
        return _str(self.raw.get("message")) or ""

    @property
    def author(self) -> str | None:
        return _str(self.raw.get("author"))

    @property
    def files(self) -> list[Any]:
        return _list(self.raw.get("files"))

    @property
    def parents(self) -> list[str]:
        return [p for p in _list(self.raw.get("parents")) if isinstance(p, str)]


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
    def packages(self) -> dict[str, Any]:
        return _dict(self.raw.get("packages"))


@dataclass(frozen=True, slots=True)
class IncidentAttrs(Attrs):
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
        return [a for a in _list(self.raw.get("affects")) if isinstance(a, str)]

    @property
    def symptom(self) -> dict[str, Any]:
        return _dict(self.raw.get("symptom"))
