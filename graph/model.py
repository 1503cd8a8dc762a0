"""The domain objects of the lineage graph: plain dataclasses, no database in sight.

Times: `source_time` is when the thing happened by its own source's clock (commit time, run
start, alias move); `first_seen` is when agentops first stored it. "As of T" queries use the
source time when there is one and the first-seen time otherwise (`Node.at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.refs import EdgeKind, NodeKind, Ref, parse_ref


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


def from_micros(micros: int | None) -> datetime | None:
    if micros is None:
        return None
    return datetime.fromtimestamp(micros / 1_000_000, UTC)


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 time (a trailing Z is accepted; no zone means UTC)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(slots=True)
class Node:
    ref: str
    kind: NodeKind
    attrs: dict[str, Any] = field(default_factory=dict)
    source_time: datetime | None = None
    first_seen: datetime | None = None

    @classmethod
    def make(
        cls, ref: str, attrs: dict[str, Any] | None = None, source_time: datetime | None = None
    ) -> Node:
        """Build a node from its ref, checking the ref and taking the kind from it."""
        parsed = parse_ref(ref)
        return cls(str(parsed), parsed.kind, dict(attrs or {}), source_time)

    @property
    def name(self) -> str:
        return Ref(self.kind, self.ref.split(":", 1)[1]).name

    @property
    def at(self) -> datetime | None:
        return self.source_time or self.first_seen


@dataclass(slots=True)
class Edge:
    src: str
    dst: str
    kind: EdgeKind
    attrs: dict[str, Any] = field(default_factory=dict)
    source_time: datetime | None = None
    first_seen: datetime | None = None
