"""The project's incident files (`incidents/<id>.json`, docs/conventions.md): ids, lookup, writes.

The file is the record `agentops sync` re-ingests, so whatever `agentops incident` changes in the
graph it changes in the file first; a node and its file always hold the same JSON object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agentops.analysis.atomic_write import write_atomic
from agentops.errors import IncidentError
from graph.jsontext import JSONTextError, parse_json

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NUMBERED_ID = re.compile(r"^INC-(\d{1,12})$")
DEFAULT_FOLDER = "incidents"


def check_id(incident_id: str) -> str:
    """An id is also a file name: letters, digits, `.`, `_`, `-`; no path, no leading dot."""
    text = incident_id.strip()
    if text.startswith("incident:"):
        text = text.removeprefix("incident:")
    if not ID_PATTERN.match(text):
        raise IncidentError(
            f"{incident_id!r} is not a valid incident id",
            hint="use letters, digits, '.', '_' and '-' (up to 64), e.g. INC-1042",
        )
    return text


def next_id(taken: Iterable[str]) -> str:
    """`INC-<n>` with n one above the highest numbered id taken (INC-1 when there is none)."""
    numbers = [int(m.group(1)) for m in map(NUMBERED_ID.match, taken) if m]
    return f"INC-{max(numbers, default=0) + 1}"


def incident_files(paths: Iterable[Path]) -> list[Path]:
    """The `*.json` files among `paths` (files, or folders read one level deep); missing ones
    are skipped: a project that never opened an incident has no folder yet."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            found.append(path)
    return found


def read_record(path: Path) -> dict[str, Any]:
    try:
        record = parse_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, JSONTextError) as exc:
        raise IncidentError(f"{path}: not a readable incident file ({exc})") from None
    if not isinstance(record, dict):
        raise IncidentError(f"{path}: an incident file must hold one JSON object")
    return record


def file_ids(paths: Iterable[Path]) -> set[str]:
    """Ids the files already use (file stems and their `id` fields, unreadable files too)."""
    ids: set[str] = set()
    for path in incident_files(paths):
        ids.add(path.stem)
        try:
            record = read_record(path)
        except IncidentError:
            continue
        if isinstance(record.get("id"), str):
            ids.add(record["id"])
    return ids


def find_file(paths: Iterable[Path], incident_id: str) -> Path | None:
    """The file holding the incident: `<id>.json` if its id matches, else any file that does."""
    files = incident_files(paths)
    by_name = [path for path in files if path.stem == incident_id]
    for path in by_name + [path for path in files if path not in by_name]:
        try:
            if read_record(path).get("id") == incident_id:
                return path
        except IncidentError:
            continue
    return None


def to_text(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def write_new(folder: Path, record: dict[str, Any]) -> Path:
    """Write `<folder>/<id>.json`, refusing to replace an existing file."""
    path = folder / f"{record['id']}.json"
    try:
        write_atomic(path, to_text(record), overwrite=False)
    except FileExistsError:
        raise IncidentError(
            f"{path} already exists",
            hint="give another --id, or leave it out to get the next free one",
        ) from None
    except OSError as exc:
        raise IncidentError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def rewrite(path: Path, record: dict[str, Any]) -> None:
    try:
        write_atomic(path, to_text(record))
    except OSError as exc:
        raise IncidentError(f"cannot write {path}: {exc.strerror or exc}") from None
