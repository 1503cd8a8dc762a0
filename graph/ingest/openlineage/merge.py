"""How one run's (or dataset's) OpenLineage events fold into its attributes.

The spec's run cycle is additive: each facet takes the value of the latest event carrying it,
and the event types move the run's state. Every facet's event time is kept in `facet_times`, so
folding the same events again, or in another order, gives the same attributes.

Ties at equal event times are broken by value, never by which event was read last (events of one
instant arrive in any order, in one batch or in several):
- a facet (or a run's job, producer, row count) takes the value whose canonical JSON (sorted
  keys) sorts last;
- a run's state: a terminal state (COMPLETE, ABORT, FAIL) outranks START and RUNNING whatever
  the clocks say; otherwise the later event wins, and at one instant the higher `STATE_RANK`
  wins: RUNNING over START, and among terminal states FAIL over ABORT over COMPLETE — a failure
  reported at the same instant as a success is kept, so nobody on call is told all was well.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from graph.ingest.links import COMMIT_ATTR

TERMINAL_STATES = frozenset({"COMPLETE", "FAIL", "ABORT"})
STATE_RANK = {"START": 0, "RUNNING": 1, "COMPLETE": 2, "ABORT": 3, "FAIL": 4}
_HEX_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
_FACET_BASE_KEYS = ("_producer", "_schemaURL")


def iso(moment: datetime) -> str:
    """A UTC time as fixed-width ISO-8601, so stored times compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def version_of(dataset: dict[str, Any]) -> str | None:
    version = live(dataset.get("facets") or {}, "version")
    return version["datasetVersion"] if version else None


def _bare(facet: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facet.items() if k not in _FACET_BASE_KEYS}


def live(facets: dict[str, Any], key: str) -> dict[str, Any] | None:
    facet = facets.get(key)
    return facet if isinstance(facet, dict) and not facet.get("_deleted") else None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _wins(times: dict[str, str], slot: str, at: str, new: Any, current: Any) -> bool:
    """True if `new` (seen at `at`) replaces `current`: the later time, at one time the value
    whose canonical JSON sorts last."""
    seen = times.get(slot)
    if seen is None or at != seen:
        return seen is None or at > seen
    return _canonical(new) > _canonical(current)


def merge_facets(
    attrs: dict[str, Any], key: str, facets: dict[str, Any] | None, at: str, slot_prefix: str
) -> None:
    """Each facet takes the value from the latest event carrying it (ties: see the module)."""
    if not facets:
        return
    current = attrs.setdefault(key, {})
    times = attrs.setdefault("facet_times", {})
    for name, facet in facets.items():
        slot = slot_prefix + name
        if _wins(times, slot, at, facet, current.get(name)):
            current[name] = facet
            times[slot] = at


def merge_facet_records(kept: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two records of one edge's facets (`facets`, each dated in `facet_times`, as
    `merge_facets` keeps them) as one: each facet from the latest event (ties: see the module),
    so the link step that moves an edge onto one already there loses no event's facets."""
    merged = {
        **kept,
        "facets": dict(kept.get("facets") or {}),
        "facet_times": dict(kept.get("facet_times") or {}),
    }
    times = other.get("facet_times") or {}
    for name, facet in (other.get("facets") or {}).items():
        if isinstance(times.get(name), str):
            merge_facets(merged, "facets", {name: facet}, times[name], "")
    return merged


def set_latest(attrs: dict[str, Any], key: str, value: Any, at: str) -> None:
    times = attrs.setdefault("facet_times", {})
    if _wins(times, "@" + key, at, value, attrs.get(key)):
        attrs[key] = value
        times["@" + key] = at


def merge_run_state(attrs: dict[str, Any], event_type: str | None, at: str) -> None:
    """Fold one event's type and time into the run's state, start and end times."""
    attrs["first_event_at"] = min(attrs.get("first_event_at") or at, at)
    attrs["last_event_at"] = max(attrs.get("last_event_at") or at, at)
    if event_type == "START":
        attrs["started_at"] = min(attrs.get("started_at") or at, at)
    if event_type not in STATE_RANK:  # OTHER, or no eventType: facets only
        if attrs.get("state", "OTHER") == "OTHER":  # since the first such event
            attrs["state"], attrs["state_at"] = "OTHER", min(attrs.get("state_at") or at, at)
        return
    current = attrs.get("state")
    new_key = (event_type in TERMINAL_STATES, at, STATE_RANK[event_type])
    if current not in STATE_RANK or new_key >= (
        current in TERMINAL_STATES,
        attrs.get("state_at", ""),
        STATE_RANK[current],
    ):
        attrs["state"], attrs["state_at"] = event_type, at
    attrs["ended_at"] = attrs["state_at"] if attrs["state"] in TERMINAL_STATES else None


def derive_run_fields(attrs: dict[str, Any]) -> None:
    """The attributes read from facets: commit, code location, error, nominal time, parent."""
    run_facets, job_facets = attrs.get("run_facets", {}), attrs.get("job_facets", {})
    location = live(job_facets, "sourceCodeLocation")
    attrs.pop(COMMIT_ATTR, None)
    attrs.pop("source_code_location", None)
    if location:
        attrs["source_code_location"] = _bare(location)
        version = location.get("version")
        # the facet's `version` is "git: the git sha | Svn: the revision number"
        is_git = str(location.get("type", "")).lower() == "git"
        if is_git and isinstance(version, str) and _HEX_SHA.match(version):
            attrs[COMMIT_ATTR] = version.lower()
    for key, facet_key in (("error", "errorMessage"), ("nominal_time", "nominalTime")):
        facet = live(run_facets, facet_key)
        if facet:
            attrs[key] = _bare(facet)
        else:
            attrs.pop(key, None)
    parent = live(run_facets, "parent")
    if parent:
        attrs["parent"] = {
            "run_id": parent["run"]["runId"].lower(),
            "job": {k: parent["job"][k] for k in ("namespace", "name")},
        }
        if isinstance(parent.get("root"), dict):
            attrs["parent"]["root_run_id"] = str(parent["root"].get("run", {}).get("runId", ""))


def derive_dataset_fields(attrs: dict[str, Any]) -> None:
    facets = attrs.get("facets", {})
    for key, facet_key in (("data_source", "dataSource"), ("column_lineage", "columnLineage")):
        facet = live(facets, facet_key)
        if facet:
            attrs[key] = _bare(facet)
        else:
            attrs.pop(key, None)
    schema = live(facets, "schema")
    if schema and isinstance(schema.get("fields"), list):
        attrs["schema"] = [_column(field) for field in schema["fields"]]
    else:
        attrs.pop("schema", None)


def _column(column: dict[str, Any]) -> dict[str, Any]:
    kept = {k: column[k] for k in ("name", "type", "description") if k in column}
    if isinstance(column.get("fields"), list):
        kept["fields"] = [_column(inner) for inner in column["fields"]]
    return kept
