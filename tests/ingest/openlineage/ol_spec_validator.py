"""Validate OpenLineage events against the spec's own JSON Schema files (test helper).

The project does not depend on `jsonschema`; this is the subset of JSON Schema 2020-12 that the
OpenLineage spec files use (type, properties, required, items, additionalProperties, allOf,
anyOf, oneOf, not, enum, const, dependentRequired, minimum, $ref across files by `$id`), with the
`date-time`, `uri` and `uuid` formats asserted unless `assert_formats=False` (jsonschema's
default only annotates formats). When `jsonschema` is importable the tests cross-check with it too.

An event is valid when it matches `OpenLineage.json` and every facet in it matches the facet
schema for its place (run, job, dataset, input or output facet) and key, as the spec's own test
suite checks facets.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "openlineage"
SPEC_DIR = DATA_DIR / "spec"
MARQUEZ_DIR = DATA_DIR / "marquez-edge-cases"

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name]) and not (name != "boolean" and isinstance(value, bool))


def _format_ok(value: Any, fmt: str) -> bool:
    if not isinstance(value, str):
        return True
    if fmt == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return all(value[i] == "-" for i in (8, 13, 18, 23)) and len(value) == 36
    if fmt == "uri":
        return bool(_URI.match(value))
    if fmt == "date-time":
        if not _DATE_TIME.match(value):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return False
        return True
    return True


class SpecValidator:
    """The spec's schemas, loaded from a folder holding OpenLineage.json and facets/*.json."""

    def __init__(self, spec_dir: Path = SPEC_DIR, assert_formats: bool = True) -> None:
        self.spec_dir = spec_dir
        self.assert_formats = assert_formats
        self.documents: dict[str, dict[str, Any]] = {}
        for path in [spec_dir / "OpenLineage.json", *sorted((spec_dir / "facets").glob("*.json"))]:
            document = json.loads(path.read_text(encoding="utf-8"))
            self.documents[document["$id"]] = document
        self.core_id = json.loads((spec_dir / "OpenLineage.json").read_text())["$id"]

    @cached_property
    def facet_schemas(self) -> dict[tuple[str, str], list[str]]:
        """(place, facet key) → ids of the facet schemas that define it there."""
        places: dict[tuple[str, str], list[str]] = {}
        for schema_id, document in self.documents.items():
            if schema_id == self.core_id:
                continue
            text = json.dumps(document)
            for place in ("RunFacet", "JobFacet", "InputDatasetFacet", "OutputDatasetFacet"):
                if f"/$defs/{place}" in text:
                    for key in document["properties"]:
                        places.setdefault((place, key), []).append(schema_id)
            if '/$defs/DatasetFacet"' in text:
                for key in document["properties"]:
                    places.setdefault(("DatasetFacet", key), []).append(schema_id)
        return places

    def facet_schemas_for(self, key: str) -> list[str]:
        """Ids of the facet schemas defining facet `key`, in any place."""
        return sorted(
            {sid for (_, k), sids in self.facet_schemas.items() if k == key for sid in sids}
        )

    # -- the validator ---------------------------------------------------------------------

    def _resolve(self, ref: str, base: str) -> tuple[dict[str, Any], str]:
        url, fragment = urldefrag(ref)
        doc_id = url or base
        node: Any = self.documents[doc_id]
        for part in [p for p in fragment.split("/") if p]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, doc_id

    def errors(self, value: Any, schema: dict[str, Any], base: str, path: str = "$") -> list[str]:
        found: list[str] = []
        if "$ref" in schema:
            target, target_base = self._resolve(schema["$ref"], base)
            found += self.errors(value, target, target_base, path)
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_type_ok(value, name) for name in names):
                return found + [f"{path}: expected {schema['type']}, got {type(value).__name__}"]
        if "enum" in schema and value not in schema["enum"]:
            found.append(f"{path}: {value!r} not in {schema['enum']}")
        if "const" in schema and value != schema["const"]:
            found.append(f"{path}: {value!r} is not {schema['const']!r}")
        if self.assert_formats and "format" in schema and not _format_ok(value, schema["format"]):
            found.append(f"{path}: {value!r} is not a {schema['format']}")
        if "minimum" in schema and _type_ok(value, "number") and value < schema["minimum"]:
            found.append(f"{path}: {value} < {schema['minimum']}")
        if isinstance(value, dict):
            for key in schema.get("required", []):
                if key not in value:
                    found.append(f"{path}: {key!r} is required")
            for key, needs in schema.get("dependentRequired", {}).items():
                if key in value:
                    found += [
                        f"{path}: {n!r} is required with {key!r}" for n in needs if n not in value
                    ]
            props = schema.get("properties", {})
            for key, item in value.items():
                if key in props:
                    found += self.errors(item, props[key], base, f"{path}.{key}")
                elif isinstance(schema.get("additionalProperties"), dict):
                    found += self.errors(
                        item, schema["additionalProperties"], base, f"{path}.{key}"
                    )
                elif schema.get("additionalProperties") is False:
                    found.append(f"{path}: unexpected property {key!r}")
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                found += self.errors(item, schema["items"], base, f"{path}[{index}]")
        for sub in schema.get("allOf", []):
            found += self.errors(value, sub, base, path)
        if "anyOf" in schema:
            branches = [self.errors(value, sub, base, path) for sub in schema["anyOf"]]
            if all(branches):
                found.append(f"{path}: matches none of anyOf ({branches[0][0]})")
        if "oneOf" in schema:
            branches = [self.errors(value, sub, base, path) for sub in schema["oneOf"]]
            matches = sum(1 for branch in branches if not branch)
            if matches != 1:
                detail = "; ".join(min(branches, key=len)) if matches == 0 else f"{matches} match"
                found.append(f"{path}: must match exactly one of oneOf ({detail})")
        if "not" in schema and not self.errors(value, schema["not"], base, path):
            found.append(f"{path}: must not match {schema['not']}")
        return found

    def event_errors(self, event: Any) -> list[str]:
        """Every reason `event` is not a valid OpenLineage event, with its facets; [] if valid."""
        core = self.documents[self.core_id]
        found = self.errors(event, core, self.core_id)
        if found or not isinstance(event, dict):
            return found
        for place, path, facets in _facet_containers(event):
            for key, facet in facets.items():
                for schema_id in self.facet_schemas.get((place, key), []):
                    document = self.documents[schema_id]
                    found += self.errors({key: facet}, document, schema_id, path)
        return found


def _facet_containers(event: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    containers: list[tuple[str, str, dict[str, Any]]] = []

    def add(place: str, path: str, holder: Any, key: str) -> None:
        if isinstance(holder, dict) and isinstance(holder.get(key), dict):
            containers.append((place, f"{path}.{key}", holder[key]))

    add("RunFacet", "$.run", event.get("run"), "facets")
    add("JobFacet", "$.job", event.get("job"), "facets")
    add("DatasetFacet", "$.dataset", event.get("dataset"), "facets")
    for side, place in (("inputs", "InputDatasetFacet"), ("outputs", "OutputDatasetFacet")):
        for index, dataset in enumerate(event.get(side) or []):
            add("DatasetFacet", f"$.{side}[{index}]", dataset, "facets")
            add(place, f"$.{side}[{index}]", dataset, side[:-1] + "Facets")
    return containers
