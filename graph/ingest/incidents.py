"""Incidents from JSON files (`incidents/<id>.json`, docs/conventions.md) into the graph.

An incident node carries its title, severity, symptom (metric, baseline, observed) and summary;
each ref it `affects` gets an `affected` edge into it. A file that does not parse, or names a
ref the graph does not hold yet, is reported and skipped; the others are still ingested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import GraphError, IngestError, RefError
from graph.ingest import IngestReport, Key, Parameter, Progress, Source, SourceOptions
from graph.jsontext import JSONTextError, parse_json
from graph.model import Edge, Node, parse_time
from graph.refs import EdgeKind, incident_ref, parse_ref
from graph.store import MLFLOW_URI_SCHEMES, LineageStore


@dataclass(slots=True)
class IncidentReport:
    incidents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"incidents": self.incidents, "problems": self.problems}


def incident_files(paths: Iterable[Path]) -> list[Path]:
    """The `*.json` files of the given files and folders, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.json")))
        elif path.is_file():
            files.append(path)
        else:
            raise IngestError(
                f"no such incident file or folder: {path}",
                hint="check [sources.incidents] paths in agentops.toml",
            )
    return files


def parse_incident(path: Path) -> tuple[Node, list[str]]:
    """One incident file → its node and the refs it affects; IngestError names what is wrong."""
    try:
        record: Any = parse_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, JSONTextError) as exc:
        raise IngestError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(record, dict):
        raise IngestError(f"{path}: an incident file must hold one JSON object")
    missing = [key for key in ("id", "title", "opened_at") if not record.get(key)]
    if missing:
        raise IngestError(
            f"{path}: missing field(s) {', '.join(missing)}",
            hint="see docs/conventions.md, 'Incident files'",
        )
    affects = record.get("affects", [])
    if isinstance(affects, str):
        affects = [affects]
    if not isinstance(affects, list) or not all(isinstance(ref, str) for ref in affects):
        raise IngestError(f"{path}: 'affects' must be a list of refs")
    try:
        opened = parse_time(str(record["opened_at"]))
        refs = [ref.strip() for ref in affects if ref.strip()]
        for ref in refs:  # a full ref must name a known kind; short forms resolve at ingest
            if ":" in ref and not ref.startswith(MLFLOW_URI_SCHEMES):
                parse_ref(ref)
        node = Node.make(incident_ref(str(record["id"])), record, opened)
    except ValueError as exc:
        raise IngestError(f"{path}: opened_at is not an ISO-8601 time ({exc})") from None
    except GraphError as exc:
        raise IngestError(f"{path}: {exc.message}", hint=exc.hint) from None
    return node, refs


def ingest_incidents(store: LineageStore, paths: Iterable[Path]) -> IncidentReport:
    report = IncidentReport()
    nodes: list[Node] = []
    edges: list[Edge] = []
    for path in incident_files(paths):
        try:
            node, affects = parse_incident(path)
        except IngestError as exc:
            report.problems.append(exc.message)
            continue
        for text in affects:  # any ref a command takes: `recsys/7`, `models:/recsys@prod`
            try:
                ref = store.resolve(text)
            except RefError as exc:
                missing = exc.message.startswith("no node matches")
                why = "which is not in the graph yet" if missing else exc.message
                report.problems.append(f"{path}: affects {text}, {why}")
                continue
            edges.append(Edge(ref, node.ref, EdgeKind.AFFECTED, {}, node.source_time))
        nodes.append(node)
        report.incidents.append(node.ref)
    store.upsert(nodes, edges)
    return report


class IncidentsSource(Source):
    name = "incidents"
    help = (
        "Read incident files (one JSON object each, docs/conventions.md) as incident nodes "
        "linked from what they affect."
    )
    keys = (Key("paths", "paths", [], "incident files or folders of *.json files"),)

    def detect(self, root: Path) -> dict[str, Any] | None:
        return {"paths": ["incidents/"]} if (root / "incidents").is_dir() else None

    parameters = (
        Parameter(
            "paths", list[Path], "Incident files or folders; default: [sources.incidents] paths."
        ),
    )

    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        report = ingest_incidents(store, options.arguments.get("paths") or options.table["paths"])
        problems = f"; {len(report.problems)} not read" if report.problems else ""
        return IngestReport(
            self.name,
            f"incidents: {len(report.incidents)} incidents{problems}",
            list(report.problems),
            details=report.to_json(),
        )


SOURCE = IncidentsSource()
