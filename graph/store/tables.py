"""SQLModel tables of the lineage store. Only `graph.store` and `graph.queries` touch these.

Nodes get an integer id so edges and recursive walks join on integers; refs stay unique.
Times are integer microseconds since the epoch (UTC): they compare the same way on SQLite and
PostgreSQL. `at` = source time if known, else first-seen: the column "as of T" filters on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String
from sqlmodel import Field, SQLModel

# SQLite only auto-numbers an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a bigint identity.
_NODE_ID = BigInteger().with_variant(Integer(), "sqlite")

metadata = SQLModel.metadata


class NodeRow(SQLModel, table=True):
    __tablename__ = "nodes"
    __table_args__ = (Index("ix_nodes_kind_name", "kind", "name"),)

    id: int | None = Field(default=None, sa_column=Column(_NODE_ID, primary_key=True))
    ref: str = Field(sa_column=Column(String, unique=True, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    name: str = Field(sa_column=Column(String, nullable=False))
    attrs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_time: int | None = Field(default=None, sa_column=Column(BigInteger))
    first_seen: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: int = Field(sa_column=Column(BigInteger, nullable=False))


class EdgeRow(SQLModel, table=True):
    __tablename__ = "edges"
    # (dst, src, kind) covers an upstream walk step without touching the table; the primary
    # key (src, dst, kind) covers a downstream one.
    __table_args__ = (Index("ix_edges_dst", "dst_id", "src_id", "kind"),)

    src_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    dst_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    attrs: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source_time: int | None = Field(default=None, sa_column=Column(BigInteger))
    first_seen: int = Field(sa_column=Column(BigInteger, nullable=False))
    at: int = Field(sa_column=Column(BigInteger, nullable=False))


class MetaRow(SQLModel, table=True):
    """Key/value facts about the store itself, starting with its schema version."""

    __tablename__ = "agentops_meta"

    key: str = Field(sa_column=Column(String, primary_key=True))
    value: str = Field(sa_column=Column(String, nullable=False))


class StateRow(SQLModel, table=True):
    """Ingesters' bookkeeping (watermarks, stat caches, on-demand results), keyed by namespace."""

    __tablename__ = "agentops_state"

    namespace: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String, primary_key=True))
    value: Any = Field(default=None, sa_column=Column(JSON))
