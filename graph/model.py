"""The domain objects of the lineage graph: plain dataclasses, no database in sight.

Times: `source_time` is when the thing happened by its own source's clock (commit time, run
start, alias move); `first_seen` is when agentops first stored it. "As of T" queries use the
source time when there is one and the first-seen time otherwise (`Node.at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.refs import EdgeKind, NodeKind, Ref, parse_ref

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Times the graph holds lie in [EARLIEST, LATEST): wide enough for any real clock (epoch-0
defaults included), narrow enough that every datetime step the analysis takes from one (a
zone shift, a window of days) stays representable. `9999-12-31T23:59:59.999999Z` once entered
the store and every later read of it failed (year 10000)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def check_time(moment: datetime) -> datetime:
    """`moment` (naive taken as UTC) in UTC, or ValueError if it lies outside the graph's range."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"time {moment.isoformat()} is out of range") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"time {moment.isoformat()} is outside {EARLIEST.year}–{LATEST.year - 1}")
    return moment


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch, exact; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(micros: int | None) -> datetime | None:
    """The stored time, exact; None for a value no datetime can hold (a store written before
    times were checked on the way in), so one bad row cannot break every read."""
    if micros is None:
        return None
    try:
        return EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None


def parse_time(text: str) -> datetime:
    """Parse an ISO-8601 time (a trailing Z is accepted; no zone means UTC); ValueError if it is
    not one or lies outside the graph's range (`check_time`)."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    check_time(moment)
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
