"""The lineage store: nodes and edges in any SQLAlchemy database, SQLite by default.

Everything above this module deals in `Node`/`Edge` dataclasses and refs; the tables, the
engine and the SQL stay here and in `graph.queries`. Writes go through `upsert`, which is one
transaction (a failure leaves the store as it was) and idempotent (the same rows twice change
nothing).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from graph.errors import RefError, StoreError
from graph.model import Edge, Node, from_micros, to_micros, utc_now
from graph.refs import (
    EdgeKind,
    NodeKind,
    Ref,
    is_full_ref,
    looks_like_commit_prefix,
)
from graph.store.records import (
    RecordRejected,
    clean_edge,
    clean_node,
    clean_text,
    clean_value,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BATCH_SIZE = 5_000
_WRITER_LOCK_KEY = 0x6167656E746F7073  # "agentops": the advisory lock ingests take turns on
ANALYZE_AFTER_ROWS = 10_000
T = TypeVar("T")
R = TypeVar("R", Node, Edge)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """Rows written; `rejected` says which records were refused and why (`graph.store.records`)."""

    nodes: int
    edges: int
    rejected: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GraphCounts:
    nodes: dict[str, int]
    edges: dict[str, int]


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _like_escape(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


class LineageStore:
    """A handle on one lineage database. Cheap to keep open; close it when done."""

    def __init__(self, engine: Engine, read_only: bool = False) -> None:
        self._engine = engine
        self.read_only = read_only  # opened read-only: queries work, writes are refused

    @property
    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> LineageStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the store's one writer lock (blocking until it is free) for a whole ingest.

        An ingest reads what is stored, merges (earliest-seen, latest-seen, unions of facets)
        and writes back; two at once would each merge into a state the other is about to
        replace, and the graph would match neither serial order. Ingests therefore take turns;
        readers never wait. SQLite: an exclusive `flock` on `<db file>.writer-lock`;
        PostgreSQL: a session advisory lock; an in-memory store has one writer anyway.
        """
        if self.dialect == "postgresql":
            with self._engine.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_WRITER_LOCK_KEY})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_WRITER_LOCK_KEY})")
                    conn.commit()
            return
        database = self._engine.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            yield
            return
        import fcntl

        with open(f"{database}.writer-lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for the read queries in `graph.queries` (not for use above `graph`)."""
        with self._engine.connect() as conn:
            yield conn

    # -- writes -------------------------------------------------------------------------------

    def upsert(
        self,
        nodes: Iterable[Node] = (),
        edges: Iterable[Edge] = (),
        batch_size: int = BATCH_SIZE,
        delete: Sequence[str] = (),
        unlink: Sequence[tuple[str, str, EdgeKind]] = (),
    ) -> UpsertResult:
        """Insert or update nodes, then edges, then delete the edges named in `unlink` (src, dst,
        kind) and the nodes named in `delete` with every edge touching them, in one transaction.

        An edge whose endpoints are neither in `nodes` nor already stored is an error, and the
        whole call is rolled back. An existing node keeps its `first_seen`; its attributes and
        source time are replaced by the new ones. `delete` is for identity resolution only
        (`graph.ingest.link`: a node found to be another name of a stored one is folded into
        it), and so is `unlink` (one run's edge of a node that names several contents moves to
        the content it resolved to); nothing else ever removes a node or an edge. A record the
        store cannot hold (see `graph.store.records`) is left out with the edges touching it,
        and named in `rejected`.
        """
        from sqlalchemy.exc import SQLAlchemyError

        from graph.store import upserts as sql

        now = to_micros(utc_now())
        ids: dict[str, int] = {}  # ref → node id of every node written or linked so far
        rejected: dict[str, str] = {}  # ref of a refused node or edge → why
        node_count = edge_count = 0
        try:
            with self._engine.begin() as conn:
                node_stmt = sql.node_upsert(conn.dialect.name)
                for batch in _batches(_accepted(nodes, clean_node, rejected), batch_size):
                    sql.executemany(conn, node_stmt, [_node_params(node, now) for node in batch])
                    ids.update(_node_ids(conn, [node.ref for node in batch]))
                    node_count += len(batch)
                edge_stmt = sql.edge_upsert(conn.dialect.name)
                accepted_edges = (
                    edge
                    for edge in _accepted(edges, clean_edge, rejected)
                    if edge.src not in rejected and edge.dst not in rejected
                )
                for batch in _batches(accepted_edges, batch_size):
                    _resolve_endpoints(conn, batch, ids)
                    sql.executemany(conn, edge_stmt, [_edge_params(e, ids, now) for e in batch])
                    edge_count += len(batch)
                if unlink:
                    _delete_edges(conn, list(unlink))
                if delete:
                    _delete_nodes(conn, list(delete))
        except SQLAlchemyError as exc:
            raise StoreError(
                f"write to the lineage store failed, nothing was saved: {exc.__class__.__name__}: "
                f"{str(exc.orig if hasattr(exc, 'orig') else exc).splitlines()[0]}",
                hint=f"check the database at {self.url}",
            ) from exc
        if node_count + edge_count >= ANALYZE_AFTER_ROWS and self.dialect == "postgresql":
            self._analyze()
        refused = tuple(f"{ref} not stored: {why}" for ref, why in rejected.items())
        return UpsertResult(node_count, edge_count, refused)

    def _analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics after a bulk load.

        Without them PostgreSQL plans the recursive walks with sequential scans of `edges`
        (seconds per query on a million-node graph instead of milliseconds). SQLite is left
        without: its statistics make walks slower (see `graph.store.schema`).
        """
        with self._engine.begin() as conn:
            for table in ("nodes", "edges"):
                conn.exec_driver_sql(f"ANALYZE {table}")

    # -- ingesters' bookkeeping -----------------------------------------------------------------

    def get_state(self, namespace: str, keys: Sequence[str] | None = None) -> dict[str, Any]:
        """Saved values of one namespace (all of them, or only `keys`)."""
        from sqlalchemy import select

        from graph.store.views import state as table

        query = select(table.c.key, table.c.value).where(table.c.namespace == namespace)
        with self.read() as conn:
            if keys is None:
                return dict(conn.execute(query).all())
            found: dict[str, Any] = {}
            for batch in _batches(keys, 500):
                found.update(conn.execute(query.where(table.c.key.in_(batch))).all())
            return found

    def put_state(self, namespace: str, values: dict[str, Any]) -> None:
        """Save values of one namespace (replacing same keys), in one transaction."""
        from graph.store import upserts as sql

        try:
            rows = [
                {"namespace": namespace, "key": clean_text(k), "value": clean_value(v)}
                for k, v in values.items()
            ]
        except RecordRejected as exc:
            raise StoreError(f"cannot save {namespace} state: {exc}") from None
        if not rows:
            return
        with self._engine.begin() as conn:
            stmt = sql.state_upsert(conn.dialect.name)
            for batch in _batches(rows, BATCH_SIZE):
                conn.execute(stmt, batch)

    # -- reads --------------------------------------------------------------------------------

    def get(self, ref: str) -> Node | None:
        nodes = self.get_many([ref])
        return nodes[0] if nodes else None

    def get_many(self, refs: Sequence[str]) -> list[Node]:
        """The stored nodes among `refs`, in the order given (unknown refs are skipped)."""
        from sqlalchemy import select

        from graph.store.views import nodes as table

        found: dict[str, Node] = {}
        with self.read() as conn:
            for batch in _batches(refs, 500):
                rows = conn.execute(select(table).where(table.c.ref.in_(batch)))
                found.update((row.ref, node_from_row(row)) for row in rows)
        return [found[ref] for ref in refs if ref in found]

    def find(
        self, kind: NodeKind | str | None = None, name: str | None = None, limit: int | None = None
    ) -> list[Node]:
        """Nodes of a kind (and logical name), oldest first by their time."""
        from sqlalchemy import select

        from graph.store.views import nodes as table

        query = select(table).order_by(table.c.at, table.c.ref)
        if kind is not None:
            query = query.where(table.c.kind == str(kind))
        if name is not None:
            query = query.where(table.c.name == name)
        if limit is not None:
            query = query.limit(limit)
        with self.read() as conn:
            return [node_from_row(row) for row in conn.execute(query)]

    def edges_of(self, refs: Sequence[str]) -> list[Edge]:
        """Every edge touching one of `refs` (either direction), in (src, dst, kind) order."""
        found: dict[tuple[str, str, str], Edge] = {}
        for batch in _batches(refs, 250):
            found.update(((e.src, e.dst, e.kind.value), e) for e in self._edges(batch))
        return [found[key] for key in sorted(found)]

    def counts(self) -> GraphCounts:
        from sqlalchemy import func, select

        from graph.store.views import edges, nodes

        with self.read() as conn:
            node_counts = conn.execute(select(nodes.c.kind, func.count()).group_by(nodes.c.kind))
            edge_counts = conn.execute(select(edges.c.kind, func.count()).group_by(edges.c.kind))
            return GraphCounts(dict(sorted(node_counts.all())), dict(sorted(edge_counts.all())))

    def iter_nodes(self) -> Iterator[Node]:
        """Every node, in ref order, streamed (for dumps)."""
        from sqlalchemy import select

        from graph.store.views import nodes as table

        with self.read() as conn:
            result = conn.execution_options(yield_per=BATCH_SIZE).execute(
                select(table).order_by(table.c.ref)
            )
            for row in result:
                yield node_from_row(row)

    def iter_edges(self) -> Iterator[Edge]:
        """Every edge, in (src, dst, kind) order, streamed (for dumps)."""
        return self._edges(None)

    def _edges(self, touching: Sequence[str] | None) -> Iterator[Edge]:
        from sqlalchemy import or_, select
        from sqlalchemy.orm import aliased

        from graph.store.views import edges, nodes

        src, dst = aliased(nodes), aliased(nodes)
        query = (
            select(
                src.c.ref,
                dst.c.ref,
                edges.c.kind,
                edges.c.attrs,
                edges.c.source_time,
                edges.c.first_seen,
            )
            .join(src, src.c.id == edges.c.src_id)
            .join(dst, dst.c.id == edges.c.dst_id)
            .order_by(src.c.ref, dst.c.ref, edges.c.kind)
        )
        if touching is not None:
            query = query.where(or_(src.c.ref.in_(touching), dst.c.ref.in_(touching)))
        with self.read() as conn:
            for s, d, k, a, st, fs in conn.execution_options(yield_per=BATCH_SIZE).execute(query):
                yield Edge(s, d, EdgeKind(k), a or {}, from_micros(st), from_micros(fs))

    # -- resolution ---------------------------------------------------------------------------

    def resolve(self, text: str) -> str:
        """Turn what a user typed into one stored ref, or raise RefError listing candidates.

        Accepts full refs, commit prefixes of 7+ hex chars (with or without `commit:`),
        `name/version` for models, a dataset or config name alone when it has one version,
        a digest prefix after `@`, bare run and incident ids, and MLflow's own URIs
        (`models:/name/3`, `models:/name@champion`, `runs:/<id>/...`), which MLflow users copy
        from its UI and code.
        """
        text = text.strip()
        if not text:
            raise RefError("empty ref", hint="give a ref such as model:recsys/7 or a commit sha")
        candidates = self._mlflow_uri(text) if text.startswith(MLFLOW_URI_SCHEMES) else None
        if candidates is None:
            candidates = self._candidates(text)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            near = self._near(text)
            raise RefError(
                f"no node matches {text!r}",
                hint=("did you mean: " + ", ".join(near))
                if near
                else "run `agentops status` to see what the graph holds",
                candidates=tuple(near),
            )
        shown = ", ".join(candidates[:8]) + (" …" if len(candidates) > 8 else "")
        raise RefError(
            f"{text!r} is ambiguous: {len(candidates)} nodes match",
            hint=f"use one of: {shown}",
            candidates=tuple(candidates),
        )

    def _mlflow_uri(self, text: str) -> list[str] | None:
        """The node an MLflow URI names; an alias is the version it points to now (its latest
        move the store saw). None when `text` is not one of the URIs MLflow mints."""
        if run := _RUNS_URI.match(text):
            return self._candidates(f"run:{run['id']}")
        model = _MODELS_URI.match(text)
        if model is None:
            return None
        if model["version"]:
            return self._candidates(f"model:{model['name']}/{model['version']}")
        moves = self._refs_matching(
            [(f"deploy:{_like_escape(model['name'])}/{_like_escape(model['alias'])}@%", None)]
        )
        if not moves:
            return []
        latest = max(moves)  # a move's ref ends in its UTC time, so the latest sorts last
        edges = self.edges_of([latest])
        return [e.src for e in edges if e.dst == latest and e.kind is EdgeKind.DEPLOYED]

    def _candidates(self, text: str) -> list[str]:
        if is_full_ref(text):
            kind_text, _, key = text.partition(":")
            kinds = [NodeKind(kind_text)]
        else:
            key, kinds = text, list(NodeKind)
        exact = [f"{kind.value}:{key}" for kind in kinds]
        with self.read() as conn:
            found = sorted(ref for ref, _ in _node_ids(conn, exact))
        if found:
            return found
        patterns: list[tuple[str, str | None]] = []  # (LIKE pattern, name)
        for kind in kinds:
            prefix = f"{kind.value}:"
            if kind is NodeKind.COMMIT and looks_like_commit_prefix(key):
                patterns.append((prefix + _like_escape(key.lower()) + "%", None))
            elif kind in (NodeKind.DATASET, NodeKind.CONFIG):
                if "@" in key:
                    patterns.append((prefix + _like_escape(key) + "%", None))
                else:
                    patterns.append(("", f"{kind.value}\0{key}"))
            elif kind is NodeKind.MODEL and "/" not in key:
                patterns.append(("", f"{kind.value}\0{key}"))
            elif kind is NodeKind.DEPLOYMENT:
                patterns.append((prefix + _like_escape(key) + "%", None))
        return sorted(set(self._refs_matching(patterns)))

    def _refs_matching(self, patterns: list[tuple[str, str | None]]) -> list[str]:
        from sqlalchemy import and_, literal, or_, select

        from graph.store.views import nodes as table

        clauses: list[Any] = []
        for like, kind_name in patterns:
            if kind_name is not None:
                kind, name = kind_name.split("\0", 1)
                clauses.append(and_(table.c.kind == kind, table.c.name == name))
            else:
                clauses.append(table.c.ref.like(like, escape="\\"))
        if not clauses:
            return []
        query = select(table.c.ref).where(or_(literal(False), *clauses)).limit(200)
        with self.read() as conn:
            return list(conn.execute(query).scalars())

    def _near(self, text: str, limit: int = 5) -> list[str]:
        """Refs containing what was typed, or failing that its name part (before @ or /)."""
        from sqlalchemy import select

        from graph.store.views import nodes as table

        key = text.split(":", 1)[-1]
        name = next((part for part in re.split(r"[@/]", key) if part), key)
        for needle in dict.fromkeys((key, name)):
            query = (
                select(table.c.ref)
                .where(table.c.ref.like("%" + _like_escape(needle) + "%", escape="\\"))
                .order_by(table.c.ref)
                .limit(limit)
            )
            with self.read() as conn:
                found = list(conn.execute(query).scalars())
            if found:
                return found
        return []


MLFLOW_URI_SCHEMES = ("models:/", "runs:/")
_MODELS_URI = re.compile(r"models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[^/]+))/?$")
_RUNS_URI = re.compile(r"runs:/(?P<id>[^/]+)(?:/.*)?$")


def _accepted(
    records: Iterable[R], clean: Callable[[R], R], rejected: dict[str, str]
) -> Iterator[R]:
    """The records the store can hold, cleaned; the others go into `rejected` by ref."""
    for record in records:
        try:
            yield clean(record)
        except RecordRejected as exc:
            ref = getattr(record, "ref", None) or f"{record.src} -> {record.dst}"  # type: ignore[attr-defined]
            rejected[clean_text(ref)] = str(exc)


def node_from_row(row: Any) -> Node:
    return Node(
        row.ref,
        NodeKind(row.kind),
        row.attrs or {},
        from_micros(row.source_time),
        from_micros(row.first_seen),
    )


def _node_params(node: Node, now: int) -> dict[str, Any]:
    source_time = to_micros(node.source_time) if node.source_time else None
    first_seen = to_micros(node.first_seen) if node.first_seen else now
    return {
        "ref": node.ref,
        "kind": node.kind.value,
        "name": Ref(node.kind, node.ref.split(":", 1)[1]).name,
        "attrs": node.attrs,
        "source_time": source_time,
        "first_seen": first_seen,
        "at": source_time if source_time is not None else first_seen,
    }


def _node_ids(conn: Connection, refs: list[str]) -> list[tuple[str, int]]:
    """(ref, id) of the stored nodes among `refs`.

    Looked up once per batch, in sorted order (SQLite walks an `IN` list sorted), so a bulk
    load's edges need no per-row lookup: a 3.85M-row load took 25 s this way and 44 s when
    each edge's INSERT looked its endpoints up by ref.
    """
    from graph.store import driver

    found: list[tuple[str, int]] = []
    for batch in _batches(sorted(refs), 5_000):
        found.extend(
            driver.rows(conn, "SELECT ref, id FROM nodes WHERE ref IN :refs", {"refs": batch})
        )
    return found


def _resolve_endpoints(conn: Connection, edges: list[Edge], ids: dict[str, int]) -> None:
    """Add the ids of `edges`' endpoints stored before this load; unknown ones are an error."""
    missing = {ref for edge in edges for ref in (edge.src, edge.dst) if ref not in ids}
    if not missing:
        return
    ids.update(_node_ids(conn, list(missing)))
    unknown = sorted(missing - ids.keys())
    if unknown:
        shown = ", ".join(unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise StoreError(
            f"{len(unknown)} edge endpoint(s) are not nodes in the graph: {shown}",
            hint="add the nodes first (or in the same batch) before linking them",
        )


def _delete_nodes(conn: Connection, refs: list[str]) -> None:
    from sqlalchemy import delete, or_

    from graph.store.tables import EdgeRow, NodeRow

    edges, nodes = EdgeRow.__table__, NodeRow.__table__
    for batch in _batches(sorted(refs), 500):
        ids = [node_id for _, node_id in _node_ids(conn, batch)]
        if ids:
            conn.execute(delete(edges).where(or_(edges.c.src_id.in_(ids), edges.c.dst_id.in_(ids))))
            conn.execute(delete(nodes).where(nodes.c.id.in_(ids)))


def _delete_edges(conn: Connection, keys: list[tuple[str, str, EdgeKind]]) -> None:
    from sqlalchemy import and_, delete

    from graph.store.tables import EdgeRow

    edges = EdgeRow.__table__
    ids = dict(_node_ids(conn, sorted({ref for src, dst, _ in keys for ref in (src, dst)})))
    for src, dst, kind in sorted(keys):
        if src in ids and dst in ids:
            conn.execute(
                delete(edges).where(
                    and_(
                        edges.c.src_id == ids[src],
                        edges.c.dst_id == ids[dst],
                        edges.c.kind == kind.value,
                    )
                )
            )


def _edge_params(edge: Edge, ids: dict[str, int], now: int) -> dict[str, Any]:
    source_time = to_micros(edge.source_time) if edge.source_time else None
    first_seen = to_micros(edge.first_seen) if edge.first_seen else now
    return {
        "src_id": ids[edge.src],
        "dst_id": ids[edge.dst],
        "kind": edge.kind.value,
        "attrs": edge.attrs,
        "source_time": source_time,
        "first_seen": first_seen,
        "at": source_time if source_time is not None else first_seen,
    }


def open_store(url: str, *, create: bool = True) -> LineageStore:
    """Open (and, with `create`, on first use create) the store at a SQLAlchemy URL.

    SQLite gets WAL and a busy timeout so the CLI, the TUI and a CI job can share one file.
    A store written by a newer agentops is refused rather than misread. `create=False` (what
    the read commands ask for) never makes a file or a table: a missing store is an error.
    A SQLite file this user cannot write, or a URL asking `mode=ro`, opens read-only, so a
    shared or archived store can still be queried.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import SQLAlchemyError

    from graph.store import schema

    read_only = False
    if (path := _sqlite_file(url)) is not None:
        read_only = "mode=ro" in url.partition("?")[2] or (
            path.exists() and not os.access(path, os.W_OK)
        )
        if not path.exists():
            if not create or read_only:
                raise StoreError(
                    f"no lineage store at {path}",
                    hint="run `agentops init` and `agentops sync` (or `agentops ingest …`) first",
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        if read_only:
            url = _read_only_url(path)
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(
            f"cannot use database URL {url!r}: {exc}",
            hint="give a SQLAlchemy URL such as sqlite:///path.db or postgresql+psycopg://…",
        ) from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            if not read_only:  # the journal mode is stored in the file: setting it writes
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    schema.ensure(engine, create=create and not read_only)
    return LineageStore(engine, read_only)


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return None
    location = url.removeprefix("sqlite:///").partition("?")[0]
    return Path(location.removeprefix("file:"))


def _read_only_url(path: Path) -> str:
    """A URL opening `path` read-only through SQLite's URI filenames.

    A WAL database needs its `-shm` file, which SQLite creates beside it: in a folder this user
    cannot write, the file is opened `immutable` instead (nothing else can be writing it for
    this user to see, and SQLite then takes no locks).
    """
    from urllib.parse import quote

    immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
    return f"sqlite:///file:{quote(str(path.resolve()))}?mode=ro{immutable}&uri=true"
