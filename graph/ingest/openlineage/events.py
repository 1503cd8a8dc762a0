"""Reading OpenLineage events (files, folders, a stream) and checking them against the spec.

An input holds events as a JSON array, a single object, NDJSON, or objects one after another.
Each event gets a position (`file`, `file[3]`, `file:12`, `file:12[3]`) so an invalid one can
be reported where it is while the valid ones are kept.

The checks are those of the spec's JSON Schema (`OpenLineage.json` 2-0-2): BaseEvent's required
`eventTime`, `producer`, `schemaURL`; RunEvent/JobEvent/DatasetEvent told apart by its `oneOf`;
`run.runId` a UUID; `job` and datasets with string `namespace` and `name`; every facet an object
with `_producer` and `_schemaURL` (BaseFacet); `eventType` one of the six states. As in JSON
Schema 2020-12, formats are annotations except where the meaning depends on them: `runId` must be
a UUID and `eventTime` a time (one with no zone is taken as UTC, as Marquez does). The facets
agentops reads (parent, sourceCodeLocation, errorMessage, nominalTime, version, schema) are also
checked against their facet schemas' required fields. A dataset with an empty name is refused:
it could not be named in the graph.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from graph.errors import IngestError
from graph.jsontext import JSONTextError, decode_at
from graph.model import parse_time

EVENT_FILE_SUFFIXES = (".json", ".jsonl", ".ndjson")
RUN_STATES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")
_NEXT_OBJECT = re.compile(r"\n(?=[{\[])")


class EventKind(StrEnum):
    RUN = "RunEvent"
    JOB = "JobEvent"
    DATASET = "DatasetEvent"


@dataclass(frozen=True, slots=True)
class OpenLineageEvent:
    """One valid event: where it was read, what kind it is, when it happened, and its JSON."""

    position: str
    kind: EventKind
    time: datetime
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class InvalidEvent:
    position: str
    reason: str

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"


@dataclass(slots=True)
class EventBatch:
    events: list[OpenLineageEvent] = field(default_factory=list)
    invalid: list[InvalidEvent] = field(default_factory=list)
    files: int = 0
    files_with_invalid: set[str] = field(default_factory=set)

    def extend(self, other: EventBatch) -> None:
        self.events.extend(other.events)
        self.invalid.extend(other.invalid)
        self.files += other.files
        self.files_with_invalid |= other.files_with_invalid


class _Invalid(Exception):
    """Why an event breaks the spec (internal; becomes an InvalidEvent)."""


# -- reading -----------------------------------------------------------------------------------


def event_files(folder: Path) -> list[Path]:
    """The event files under a folder (.json, .jsonl, .ndjson), sorted, hidden ones skipped."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in EVENT_FILE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def expand_sources(sources: Sequence[str | Path]) -> list[Path | str]:
    """Files to read: each file, the event files under each folder, `-` kept as is."""
    found: list[Path | str] = []
    for source in sources:
        if str(source) == "-":
            found.append("-")
            continue
        path = Path(source)
        if path.is_dir():
            found.extend(event_files(path))
        elif path.is_file():
            found.append(path)
        else:
            raise IngestError(
                f"no such file or folder: {path}",
                hint="give an OpenLineage event file (.json, .jsonl, .ndjson), a folder of them, "
                "or - for standard input",
            )
    return found


def read_events(sources: Sequence[str | Path], stdin: TextIO | None = None) -> EventBatch:
    """Read and check every event in `sources` (files, folders, or `-` for `stdin`)."""
    batch = EventBatch()
    for source in expand_sources(sources):
        if isinstance(source, Path):
            batch.extend(_read_file(source))
            continue
        if stdin is None:
            raise IngestError("`-` given but there is no standard input to read")
        batch.extend(parse_events(stdin.read(), "<stdin>"))
    return batch


def _read_file(path: Path) -> EventBatch:
    try:
        batch = parse_events(path.read_bytes().decode("utf-8-sig"), str(path))
    except UnicodeDecodeError as exc:
        batch = EventBatch([], [InvalidEvent(str(path), f"not UTF-8 text ({exc.reason})")], 1)
    except OSError as exc:
        batch = EventBatch([], [InvalidEvent(str(path), f"cannot read: {exc.strerror}")], 1)
    if batch.invalid:
        batch.files_with_invalid.add(str(path))
    return batch


def parse_events(text: str, source: str) -> EventBatch:
    """Check every event in one text: a JSON array, one object, NDJSON or concatenated objects."""
    batch = EventBatch(files=1)
    values = list(_json_values(text))
    several = len(values) > 1
    for line, value, error in values:
        where = f"{source}:{line}" if several or error else source
        if error:
            batch.invalid.append(InvalidEvent(where, error))
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            position = where if index is None else f"{where}[{index}]"
            if isinstance(item, _Unreadable):
                batch.invalid.append(InvalidEvent(position, item.reason))
                continue
            try:
                kind, time = check_event(item)
            except _Invalid as exc:
                batch.invalid.append(InvalidEvent(position, str(exc)))
            else:
                batch.events.append(OpenLineageEvent(position, kind, time, item))
    return batch


def _json_values(text: str) -> Iterator[tuple[int, Any, str]]:
    """Each top-level JSON value (or why it is not JSON) with the line it starts on. A broken
    value is skipped to the next line that starts an object or array, so one bad NDJSON line
    costs one event."""
    position, end = 0, len(text)
    line, counted = 1, 0  # newlines are counted once, up to `counted`
    while True:
        while position < end and text[position] in " \t\r\n":
            position += 1
        if position >= end:
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, position = decode_at(text, position)
        except JSONTextError as exc:
            salvaged = _array_items(text, position) if text[position] == "[" else None
            if salvaged is not None:
                value, position = salvaged
                yield line, value, ""
                continue
            yield line, None, exc.reason
            resync = _NEXT_OBJECT.search(text, position + 1)
            if resync is None:
                return
            position = resync.start() + 1
            continue
        yield line, value, ""


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """An element of an event array that is not JSON agentops reads, in place of the event."""

    reason: str


_BLANK = re.compile(r"\s*")
_ARRAY_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _array_items(text: str, start: int) -> tuple[list[Any], int] | None:
    """The elements of the array at `start`, each broken one as `_Unreadable`, and where the
    array ends; None if the array itself is not well formed. So one malformed event in a JSON
    array costs that event, not the file. Elements are delimited by a scan of brackets outside
    strings (no recursion: a hostile depth is only counted)."""
    items: list[Any] = []
    position = start + 1
    while True:
        position = _BLANK.match(text, position).end()  # type: ignore[union-attr]
        if text.startswith("]", position) and not items:
            return items, position + 1
        end = _element_end(text, position)
        if end is None:
            return None
        try:
            value, stop = decode_at(text, position)
            if stop > end or text[stop:end].strip():
                raise JSONTextError("not JSON: extra data inside the element")
        except JSONTextError as exc:
            value = _Unreadable(exc.reason)
        items.append(value)
        if text.startswith("]", end):
            return items, end + 1
        position = end + 1  # past the comma


def _element_end(text: str, position: int) -> int | None:
    """Index of the `,` or `]` that ends the array element starting at `position`."""
    depth = 0
    for token in _ARRAY_TOKEN.finditer(text, position):
        mark = token.group()
        if mark in "[{":
            depth += 1
        elif mark in "]}":
            if depth == 0:
                return token.start() if mark == "]" else None
            depth -= 1
        elif mark == "," and depth == 0:
            return token.start()
    return None


# -- checking ----------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), "a number")


def _get(holder: dict[str, Any], key: str, expected: type, path: str, required: bool = True) -> Any:
    if key not in holder:
        if required:
            raise _Invalid(f"{path}{key} is required")
        return None
    value = holder[key]
    if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
        want = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}[expected]
        raise _Invalid(f"{path}{key} must be {want}, not {_type_name(value)}")
    return value


def is_uuid(text: str) -> bool:
    """The spec's `uuid` format: 8-4-4-4-12 hex digits."""
    if len(text) != 36 or any(text[i] != "-" for i in (8, 13, 18, 23)):
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def parse_event_time(text: str) -> datetime:
    """An OpenLineage time; no zone means UTC, digits past microseconds are dropped."""
    return parse_time(text)


def _time(holder: dict[str, Any], key: str, path: str, required: bool = True) -> datetime | None:
    text = _get(holder, key, str, path, required)
    if text is None:
        return None
    try:
        return parse_event_time(text)
    except ValueError as exc:
        raise _Invalid(
            f"{path}{key} {text!r} is not an ISO-8601 time the graph holds: {exc}"
        ) from None


def check_event(event: Any) -> tuple[EventKind, datetime]:
    """The kind and time of a valid event; raises _Invalid with the first reason otherwise."""
    if not isinstance(event, dict):
        raise _Invalid(f"an event must be a JSON object, not {_type_name(event)}")
    time = _time(event, "eventTime", "")
    assert time is not None
    _get(event, "producer", str, "")
    _get(event, "schemaURL", str, "")
    has_run, has_job, has_dataset = "run" in event, "job" in event, "dataset" in event
    if has_run and (has_job or not has_dataset):
        if not has_job:
            raise _Invalid("job is required in a RunEvent")
        _check_run_event(event)
        return EventKind.RUN, time
    if has_job and has_dataset:
        raise _Invalid("matches both JobEvent and DatasetEvent (has job and dataset, no run)")
    if has_job:
        _check_job(event)
        _check_datasets(event)
        return EventKind.JOB, time
    if has_dataset:
        dataset = _get(event, "dataset", dict, "")
        _check_dataset(dataset, "dataset.", facet_keys=())
        return EventKind.DATASET, time
    raise _Invalid("not a RunEvent, JobEvent or DatasetEvent: it has no run, job or dataset")


def _check_run_event(event: dict[str, Any]) -> None:
    event_type = _get(event, "eventType", str, "", required=False)
    if event_type is not None and event_type not in RUN_STATES:
        raise _Invalid(f"eventType {event_type!r} is not one of {', '.join(RUN_STATES)}")
    run = _get(event, "run", dict, "")
    run_id = _get(run, "runId", str, "run.")
    if not is_uuid(run_id):
        raise _Invalid(f"run.runId {run_id!r} is not a UUID")
    facets = _facets(run, "facets", "run.", deletable=False)
    if "parent" in facets:
        _check_parent(facets["parent"])
    if "errorMessage" in facets:
        for key in ("message", "programmingLanguage"):
            _get(facets["errorMessage"], key, str, "run.facets.errorMessage.")
    if "nominalTime" in facets:
        _time(facets["nominalTime"], "nominalStartTime", "run.facets.nominalTime.")
        if facets["nominalTime"].get("nominalEndTime") is not None:
            _time(facets["nominalTime"], "nominalEndTime", "run.facets.nominalTime.")
    _check_job(event)
    _check_datasets(event)


def _check_parent(parent: dict[str, Any]) -> None:
    path = "run.facets.parent."
    run = _get(parent, "run", dict, path)
    run_id = _get(run, "runId", str, path + "run.")
    if not is_uuid(run_id):
        raise _Invalid(f"{path}run.runId {run_id!r} is not a UUID")
    job = _get(parent, "job", dict, path)
    _get(job, "namespace", str, path + "job.")
    _get(job, "name", str, path + "job.")


def _check_job(event: dict[str, Any]) -> None:
    job = _get(event, "job", dict, "")
    _get(job, "namespace", str, "job.")
    _get(job, "name", str, "job.")
    facets = _facets(job, "facets", "job.")
    location = facets.get("sourceCodeLocation")
    if location is not None and not location.get("_deleted"):
        _get(location, "type", str, "job.facets.sourceCodeLocation.")
        _get(location, "url", str, "job.facets.sourceCodeLocation.")
        _get(location, "version", str, "job.facets.sourceCodeLocation.", required=False)


def _check_datasets(event: dict[str, Any]) -> None:
    for side in ("inputs", "outputs"):
        datasets = _get(event, side, list, "", required=False) or []
        for index, dataset in enumerate(datasets):
            path = f"{side}[{index}]."
            if not isinstance(dataset, dict):
                raise _Invalid(f"{path[:-1]} must be an object, not {_type_name(dataset)}")
            _check_dataset(dataset, path, facet_keys=(side[:-1] + "Facets",))


def _check_dataset(dataset: dict[str, Any], path: str, facet_keys: tuple[str, ...]) -> None:
    _get(dataset, "namespace", str, path)
    name = _get(dataset, "name", str, path)
    if not name.strip():
        raise _Invalid(f"{path}name is empty: a dataset needs a name")
    facets = _facets(dataset, "facets", path)
    for key in facet_keys:
        _facets(dataset, key, path)
    version = facets.get("version")
    if version is not None and not version.get("_deleted"):
        _get(version, "datasetVersion", str, path + "facets.version.")
    schema = facets.get("schema")
    if schema is not None and not schema.get("_deleted"):
        fields = _get(schema, "fields", list, path + "facets.schema.", required=False) or []
        _check_schema_fields(fields, path + "facets.schema.fields")


def _check_schema_fields(fields: list[Any], path: str) -> None:
    for index, column in enumerate(fields):
        where = f"{path}[{index}]."
        if not isinstance(column, dict):
            raise _Invalid(f"{where[:-1]} must be an object, not {_type_name(column)}")
        _get(column, "name", str, where)
        _check_schema_fields(
            _get(column, "fields", list, where, required=False) or [], where + "fields"
        )


def _facets(
    holder: dict[str, Any], key: str, path: str, deletable: bool = True
) -> dict[str, dict[str, Any]]:
    """A facets object: each facet an object carrying BaseFacet's `_producer` and `_schemaURL`."""
    facets = _get(holder, key, dict, path, required=False) or {}
    for name, facet in facets.items():
        where = f"{path}{key}.{name}"
        if not isinstance(facet, dict):
            raise _Invalid(f"{where} must be an object, not {_type_name(facet)}")
        _get(facet, "_producer", str, where + ".")
        _get(facet, "_schemaURL", str, where + ".")
        if deletable and "_deleted" in facet:
            _get(facet, "_deleted", bool, where + ".")
    return facets
