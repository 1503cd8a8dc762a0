"""Ingest sources: one `Source` interface, one registry of them, one report type.

A source reads one kind of system (git, data files, MLflow, OpenLineage, DVC, incident files)
into the lineage store, idempotently and incrementally. `agentops sync` runs every source that
`agentops.toml` declares (`[sources.<name>]`) and `agentops ingest <name>` runs one; both are
built from this registry, so a new source is a package `graph/ingest/<name>/` whose `source.py`
holds `SOURCE` (or a module holding it: `graph.ingest.incidents`), plus that module in
`BUILTIN_SOURCES` (or a `register(source)` call).

A source says which keys its table takes (`Key`: kind, default, and so how a relative path in
it resolves against the project root) and which parameters only its command line takes
(`Parameter`), so the CLI can generate `agentops ingest <name>` without knowing the source.

The registry imports a source's module only when asked (`sources()`), not when `graph.ingest`
is imported: `agentops --help` must not pay for numpy, git or MLflow readers.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from graph.errors import IngestError

if TYPE_CHECKING:
    from graph.store import LineageStore, UpsertResult

BUILTIN_SOURCES = (  # in run order: code first, then data, runs and models, then incidents
    "graph.ingest.git.source",
    "graph.ingest.data.source",
    "graph.ingest.mlflow.source",
    "graph.ingest.openlineage.source",
    "graph.ingest.dvc.source",
    "graph.ingest.incidents",
)

Progress = Callable[[str, int, int | None], None]
"""`progress(what is being read, done, total or None)`; `done` counts the source's
`progress_unit` (items, or bytes)."""

KeyKind = Literal["string", "strings", "path", "paths"]


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a source's `[sources.<name>]` table in agentops.toml.

    `string`/`strings` are kept as written (a list may be given as one string); `path`/`paths`
    are made absolute against the project root.
    """

    name: str
    kind: KeyKind
    default: Any = None
    help: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of `agentops ingest <name>` only: a positional argument unless it has
    `flags` (`("--rev",)`, or `("--metric-history/--no-metric-history",)` for a switch pair).
    `type` is one of str, bool, Path, list[str], list[Path]; `ctx` and `json` are taken (every
    command has `--json`)."""

    name: str
    type: Any
    help: str
    flags: tuple[str, ...] = ()
    default: Any = None
    metavar: str | None = None


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """What one run of a source is told: its table (checked, defaults filled in, paths
    resolved), the command-line parameters (empty for `sync`), and the project."""

    root: Path
    table: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)  # all of agentops.toml


@dataclass(slots=True)
class IngestReport:
    """What one run of one source did, the same shape for every source.

    `summary` is the line `agentops ingest` prints; `problems` are things it could not read
    (the rest was still ingested; `sync` calls the source failed); `notes` are remarks that
    are not failures; `items` optionally lists what was read, one row of column → text each;
    `details` is the source's own report (`agentops ingest <name> --json`); `link` what the
    identity-resolution step that ends every ingest did (`graph.ingest.link.LinkReport`). Counts
    are measured on the store by `Source.run`, that step included: `new` rows were not in the
    graph before, `updated` rows were and were written again.
    """

    source: str
    summary: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: list[dict[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    link: dict[str, Any] = field(default_factory=dict)
    nodes_new: int = 0
    nodes_updated: int = 0
    edges_new: int = 0
    edges_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "summary": self.summary,
            "problems": self.problems,
            "nodes": {"new": self.nodes_new, "updated": self.nodes_updated},
            "edges": {"new": self.edges_new, "updated": self.edges_updated},
            "details": self.details,
            "link": self.link,
        }


class Source(ABC):
    """One kind of system the lineage graph is read from.

    Subclasses declare `name`, `help`, their table `keys` and command-line `parameters`, and
    implement `ingest`. Keep the module that defines one free of heavy imports (import the
    ingester inside `ingest`): the CLI lists sources at start-up.
    """

    name: ClassVar[str]
    help: ClassVar[str]  # the command's help: first line short, then details
    keys: ClassVar[tuple[Key, ...]] = ()
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    progress_unit: ClassVar[Literal["items", "bytes"]] = "items"

    @abstractmethod
    def ingest(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None
    ) -> IngestReport:
        """Read the source into `store`; counts are filled in by `run`."""

    def detect(self, root: Path) -> dict[str, Any] | None:
        """The `[sources.<name>]` table `agentops init` writes when the project at `root`
        shows this source where its tool puts it by default (a `.git`, MLflow's default store,
        a `dvc.yaml`), else None. Only looks; reads nothing into a store."""
        return None

    def run(
        self, store: LineageStore, options: SourceOptions, progress: Progress | None = None
    ) -> IngestReport:
        """`ingest`, then the link step (`graph.ingest.link`: one artifact, one node, whichever
        source came first), with the new and rewritten nodes and edges counted on the store
        (new rows are the growth of its counts: only the link step deletes, folding a node
        into the one it duplicates). Ingests into one store take turns
        (`LineageStore.writer_lock`), so concurrent ones end as some serial order would, and
        the counts are this ingest's own."""
        from graph.ingest.link import link

        with store.writer_lock():
            before = _totals(store)
            tally = _TallyingStore(store)
            report = self.ingest(tally, options, progress)  # type: ignore[arg-type]
            report.link = link(tally, work_trees(options), options.root).to_json()  # type: ignore[arg-type]
            report.problems.extend(tally.rejected)
            after = _totals(store)
        report.nodes_new, report.edges_new = after[0] - before[0], after[1] - before[1]
        report.nodes_updated = max(tally.nodes - report.nodes_new, 0)
        report.edges_updated = max(tally.edges - report.edges_new, 0)
        return report

    def options(
        self,
        table: Mapping[str, Any] | None,
        root: Path,
        arguments: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> SourceOptions:
        """Check the `[sources.<name>]` table against `keys`, fill in defaults and resolve its
        paths against `root`; IngestError names the key that is wrong."""
        if table is not None and not isinstance(table, Mapping):
            raise IngestError(
                f"[sources.{self.name}] in agentops.toml must be a table",
                hint=f"write [sources.{self.name}] on a line of its own, its keys below",
            )
        table = dict(table or {})
        resolved = {
            key.name: _resolve(self.name, key, table.get(key.name), root) for key in self.keys
        }
        return SourceOptions(root, resolved, dict(arguments or {}), dict(config or {}))


def _resolve(source: str, key: Key, value: Any, root: Path) -> Any:
    if value is None:
        value = key.default
    if value is None:
        return None
    where = f"[sources.{source}] {key.name}"
    if key.kind in ("string", "path"):
        if not isinstance(value, str):
            raise IngestError(f"{where} must be a string", hint=f'write {key.name} = "…"')
        return root / value if key.kind == "path" else value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise IngestError(f"{where} must be a list of paths", hint=f'write {key.name} = ["…"]')
    return [root / v for v in values] if key.kind == "paths" else values


def work_trees(options: SourceOptions) -> list[Path]:
    """The git work trees identities are resolved against: the path this run was given, the
    repositories agentops.toml declares for git and DVC, and the project root."""
    declared = options.config.get("sources")
    found = [options.arguments.get("path"), options.table.get("path")]
    for name in ("git", "dvc"):
        table = declared.get(name) if isinstance(declared, Mapping) else None
        path = table.get("path") if isinstance(table, Mapping) else None
        if isinstance(path, str):
            found.append(options.root / path)
    found.append(options.root)
    return list(dict.fromkeys(Path(p) for p in found if isinstance(p, str | Path)))


def _totals(store: LineageStore) -> tuple[int, int]:
    counts = store.counts()
    return sum(counts.nodes.values()), sum(counts.edges.values())


class _TallyingStore:
    """The store as an ingester sees it during `Source.run`: every call passes through, and
    the rows `upsert` writes, and the records it refuses, are tallied."""

    def __init__(self, store: LineageStore) -> None:
        self._store = store
        self.nodes = self.edges = 0
        self.rejected: list[str] = []  # records the store refused, with why

    def upsert(self, *args: Any, **kwargs: Any) -> UpsertResult:
        result = self._store.upsert(*args, **kwargs)
        self.nodes += result.nodes
        self.edges += result.edges
        self.rejected.extend(result.rejected)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


_registered: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add a source after the built-in ones (a name already taken is replaced)."""
    _registered[source.name] = source


def unregister(name: str) -> None:
    _registered.pop(name, None)


def sources() -> dict[str, Source]:
    """Every source by name, built-in ones first in run order; imports their modules."""
    found: dict[str, Source] = {}
    for module in BUILTIN_SOURCES:
        source: Source = importlib.import_module(module).SOURCE
        found[source.name] = source
    found.update(_registered)
    return found
