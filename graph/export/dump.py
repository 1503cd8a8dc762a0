"""JSON Lines dumps of the whole graph, and loading them back.

One object a line: `{"type":"node","ref","kind","attrs"}` or
`{"type":"edge","src","dst","kind","attrs"}` (times optional, ISO-8601). A load is one
transaction: a malformed line is reported with its number and nothing of the load is kept.
This is also how a graph moves from SQLite to PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from graph.errors import DumpLineError, GraphError
from graph.jsontext import JSONTextError, parse_json
from graph.model import Edge, Node, parse_time
from graph.refs import EdgeKind, parse_ref
from graph.store import LineageStore, UpsertResult


def _times(item: Node | Edge) -> dict[str, str]:
    out = {}
    if item.source_time:
        out["source_time"] = item.source_time.isoformat()
    if item.first_seen:
        out["first_seen"] = item.first_seen.isoformat()
    return out


def dump_lines(store: LineageStore) -> Iterator[str]:
    """Every node, then every edge, as JSON lines (deterministic order)."""
    for node in store.iter_nodes():
        record = {"type": "node", "ref": node.ref, "kind": node.kind.value, "attrs": node.attrs}
        yield json.dumps(record | _times(node), sort_keys=True, default=str)
    for edge in store.iter_edges():
        record = {
            "type": "edge",
            "src": edge.src,
            "dst": edge.dst,
            "kind": edge.kind.value,
            "attrs": edge.attrs,
        }
        yield json.dumps(record | _times(edge), sort_keys=True, default=str)


def dump(store: LineageStore, out: IO[str]) -> int:
    count = 0
    for line in dump_lines(store):
        out.write(line + "\n")
        count += 1
    return count


def _time(record: dict[str, Any], key: str) -> datetime | None:
    value = record.get(key)
    return parse_time(value) if value else None


def _parse_line(number: int, line: str) -> Node | Edge:
    def bad(reason: str) -> DumpLineError:
        return DumpLineError(
            f"line {number}: {reason}; nothing was loaded",
            hint='each line must be {"type":"node",…} or {"type":"edge",…}',
        )

    try:
        record = parse_json(line)
    except JSONTextError as exc:
        raise bad(exc.reason) from None
    if not isinstance(record, dict):
        raise bad("not a JSON object")
    attrs = record.get("attrs", {})
    if not isinstance(attrs, dict):
        raise bad("attrs must be an object")
    try:
        if record.get("type") == "node":
            node = Node.make(str(record["ref"]), attrs, _time(record, "source_time"))
            if "kind" in record and record["kind"] != node.kind.value:
                raise bad(f"kind {record['kind']!r} does not match ref {node.ref!r}")
            node.first_seen = _time(record, "first_seen")
            return node
        if record.get("type") == "edge":
            src, dst = str(parse_ref(record["src"])), str(parse_ref(record["dst"]))
            return Edge(
                src,
                dst,
                EdgeKind(record["kind"]),
                attrs,
                _time(record, "source_time"),
                _time(record, "first_seen"),
            )
    except KeyError as exc:
        raise bad(f"missing field {exc.args[0]!r}") from None
    except ValueError as exc:
        raise bad(str(exc)) from None
    except GraphError as exc:
        raise bad(exc.message) from None
    raise bad(f"type must be 'node' or 'edge', not {record.get('type')!r}")


def parse_lines(lines: Iterable[str]) -> Iterator[Node | Edge]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield _parse_line(number, line)


def load(store: LineageStore, lines: Iterable[str]) -> UpsertResult:
    """Load a dump in one transaction, streaming nodes; edges wait until every node is in.

    A bad line anywhere raises DumpLineError from inside the transaction, so nothing is kept.
    """
    edges: list[Edge] = []

    def nodes() -> Iterator[Node]:
        for item in parse_lines(lines):
            if isinstance(item, Node):
                yield item
            else:
                edges.append(item)

    return store.upsert(nodes(), edges)
