"""The upsert statements of the store, built once per dialect.

SQLite and PostgreSQL share `INSERT … ON CONFLICT DO UPDATE`. Edges are written with their
endpoint ids, which `LineageStore.upsert` looks up once per batch of refs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from graph.store.tables import EdgeRow, NodeRow, StateRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _insert(dialect: str, table: Any) -> Any:
    if dialect == "sqlite":
        return sqlite.insert(table)
    if dialect == "postgresql":
        return postgresql.insert(table)
    raise NotImplementedError(f"upsert is written for sqlite and postgresql, not {dialect}")


@cache
def node_upsert(dialect: str) -> Any:
    nodes = NodeRow.__table__
    stmt = _insert(dialect, nodes)
    return stmt.on_conflict_do_update(
        index_elements=[nodes.c.ref],
        set_={
            "attrs": stmt.excluded.attrs,
            "source_time": stmt.excluded.source_time,
            "at": func.coalesce(stmt.excluded.source_time, nodes.c.first_seen),
        },
    )


@cache
def edge_upsert(dialect: str) -> Any:
    edges = EdgeRow.__table__
    stmt = _insert(dialect, edges)
    return stmt.on_conflict_do_update(
        index_elements=[edges.c.src_id, edges.c.dst_id, edges.c.kind],
        set_={
            "attrs": stmt.excluded.attrs,
            "source_time": stmt.excluded.source_time,
            "at": func.coalesce(stmt.excluded.source_time, edges.c.first_seen),
        },
    )


@cache
def state_upsert(dialect: str) -> Any:
    table = StateRow.__table__
    stmt = _insert(dialect, table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.namespace, table.c.key], set_={"value": stmt.excluded.value}
    )


@cache
def _compiled(
    statement: Any, dialect: Any, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...] | None]:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    return str(compiled), compiled.positiontup


def executemany(conn: Connection, statement: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Run a compiled statement over many rows straight through the driver.

    SQLAlchemy's per-row bind processing costs more than the database's own work on a bulk
    load; here JSON is serialised once and rows go to `cursor.executemany` as they are.
    The row dicts are the caller's own and are changed in place (attrs become JSON text).
    """
    if not rows:
        return
    sql, positions = _compiled(statement, conn.dialect, tuple(rows[0]))
    for row in rows:
        attrs = row["attrs"]
        row["attrs"] = _encode(attrs) if attrs else "{}"
    params: list[Any] = list(map(itemgetter(*positions), rows)) if positions else list(rows)
    conn.exec_driver_sql(sql, params)


_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode
