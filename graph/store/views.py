"""Light column handles on the store's tables, for reads.

Building the SQLModel table classes costs 0.1–0.25 s (pydantic models), more than a whole
lineage query; read-only commands use these `table()`/`column()` handles instead, and only
writes and first-time schema creation import `graph.store.tables`. A test checks both stay in step.
"""

from __future__ import annotations

from sqlalchemy import JSON, column, table

nodes = table(
    "nodes",
    column("id"),
    column("ref"),
    column("kind"),
    column("name"),
    column("attrs", JSON),
    column("source_time"),
    column("first_seen"),
    column("at"),
)
edges = table(
    "edges",
    column("src_id"),
    column("dst_id"),
    column("kind"),
    column("attrs", JSON),
    column("source_time"),
    column("first_seen"),
    column("at"),
)
state = table("agentops_state", column("namespace"), column("key"), column("value", JSON))
meta = table("agentops_meta", column("key"), column("value"))
