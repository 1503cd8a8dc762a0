"""Lineage store benchmark: bulk load and closure queries, each next to its floor.

    uv run python benchmarks/lineage_query.py              # 1,000,000 nodes, ~3,000,000 edges
    uv run python benchmarks/lineage_query.py --nodes 100000 --runs 30
    AGENTOPS_TEST_PG_URL=postgresql+psycopg://… uv run python benchmarks/lineage_query.py

Generates an ML-shaped graph (a commit chain with merges, config and dataset versions chained
by `previous`, runs reading them, model versions, deployments, incidents) and prints one table:
- bulk load through `LineageStore.upsert` vs raw `sqlite3.executemany` of the same rows into
  the same schema (the floor; ids precomputed, no upsert, no ref lookups);
- upstream latency p50/p95 for closures of ~10 (a model's lineage without history), ~50,
  ~5,000 and ~100,000 nodes (a model's lineage with all history), and the same closures with
  networkx `ancestors` on the whole graph held in memory (the other floor);
- whole-process `agentops --help` and `agentops lineage upstream` next to `python -c pass`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graph.model import Edge, Node
from graph.queries import Direction, WalkOptions, downstream, upstream
from graph.queries.walk_sql import walk_statement
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from graph.store.driver import positional

START = datetime(2024, 1, 1, tzinfo=UTC)
DATASET_NAMES = [f"table_{i:02d}" for i in range(20)]
CONFIG_PATHS = [f"configs/job_{i}.yaml" for i in range(5)]
INPUTS_PER_RUN = 5  # dataset versions each run reads: ~3 edges per node overall


@dataclass
class Generated:
    nodes: list[Node]
    edges: list[Edge]
    models_by_fraction: list[str]  # model refs ordered by their place in time
    commits: list[str]  # oldest first


def generate(total_nodes: int, seed: int = 7) -> Generated:
    """20% commits, 5% configs, 10% datasets, 30% runs, 25% models, 9% deploys, 1% incidents."""
    rng = random.Random(seed)
    n_commits, n_configs, n_datasets = (int(total_nodes * f) for f in (0.20, 0.05, 0.10))
    n_runs, n_models = int(total_nodes * 0.30), int(total_nodes * 0.25)
    n_deploys = int(total_nodes * 0.09)
    n_incidents = total_nodes - (n_commits + n_configs + n_datasets + n_runs + n_models + n_deploys)
    nodes: list[Node] = []
    edges: list[Edge] = []

    def when(fraction: float) -> datetime:
        return START + timedelta(days=700 * fraction)

    commits = [f"commit:{rng.getrandbits(160):040x}" for _ in range(n_commits)]
    for i, ref in enumerate(commits):
        nodes.append(Node(ref, NodeKind.COMMIT, {"message": f"change {i}"}, when(i / n_commits)))
        if i:
            edges.append(Edge(commits[i - 1], ref, EdgeKind.PARENT))
        if i > 10 and i % 50 == 0:  # a merge
            edges.append(Edge(commits[i - 7], ref, EdgeKind.PARENT))

    def versions(count: int, names: list[str], make_ref: Callable[[str, int], str], kind: NodeKind):
        chains: dict[str, list[str]] = {name: [] for name in names}
        for i in range(count):
            name = names[i % len(names)]
            ref = make_ref(name, i)
            fraction = i / count
            nodes.append(Node(ref, kind, {"row_count": 1000 + i}, when(fraction)))
            if chains[name]:
                edges.append(Edge(chains[name][-1], ref, EdgeKind.PREVIOUS))
            chains[name].append(ref)
            if kind is NodeKind.CONFIG:
                edges.append(Edge(commits[int(fraction * n_commits)], ref, EdgeKind.INTRODUCED))
        return chains

    configs = versions(
        n_configs, CONFIG_PATHS, lambda n, i: f"config:{n}@{i:012x}", NodeKind.CONFIG
    )
    datasets = versions(
        n_datasets, DATASET_NAMES, lambda n, i: f"dataset:{n}@{i:012x}", NodeKind.DATASET
    )

    def version_at(chain: list[str], fraction: float) -> str:
        return chain[min(len(chain) - 1, int(fraction * len(chain)))]

    runs = []
    for i in range(n_runs):
        fraction = i / n_runs
        ref = f"run:{i:08x}"
        runs.append(ref)
        nodes.append(Node(ref, NodeKind.RUN, {"status": "FINISHED"}, when(fraction)))
        edges.append(Edge(commits[int(fraction * n_commits)], ref, EdgeKind.CODE_OF))
        edges.append(
            Edge(version_at(configs[rng.choice(CONFIG_PATHS)], fraction), ref, EdgeKind.CONFIG_OF)
        )
        for name in rng.sample(DATASET_NAMES, INPUTS_PER_RUN):
            edges.append(Edge(version_at(datasets[name], fraction), ref, EdgeKind.INPUT))
    models = []
    for i in range(n_models):
        ref = f"model:model_{i % 50:02d}/{i // 50 + 1}"
        models.append(ref)
        nodes.append(Node(ref, NodeKind.MODEL, {}, when(i / n_models)))
        edges.append(Edge(runs[int(i / n_models * n_runs)], ref, EdgeKind.PRODUCED))
    for i in range(n_deploys):
        model = models[int(i / n_deploys * n_models)]
        ref = f"deploy:{model.split(':')[1].split('/')[0]}/champion@{i:08d}"
        nodes.append(Node(ref, NodeKind.DEPLOYMENT, {}, when(i / n_deploys)))
        edges.append(Edge(model, ref, EdgeKind.DEPLOYED))
    for i in range(n_incidents):
        ref = f"incident:INC-{i}"
        nodes.append(Node(ref, NodeKind.INCIDENT, {}, when(i / max(n_incidents, 1))))
        edges.append(Edge(models[int(i / max(n_incidents, 1) * n_models)], ref, EdgeKind.AFFECTED))
    return Generated(nodes, edges, models, commits)


def raw_floor(data: Generated, path: Path) -> float:
    """Seconds for plain sqlite3.executemany of the same rows into the same schema."""
    with open_store(f"sqlite:///{path}"):
        pass  # creates the schema
    ids = {node.ref: i for i, node in enumerate(data.nodes, start=1)}
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    conn.executemany(
        "INSERT INTO nodes (id, ref, kind, name, attrs, source_time, first_seen, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (ids[n.ref], n.ref, n.kind.value, n.name, json.dumps(n.attrs), 0, 0, 0)
            for n in data.nodes
        ),
    )
    conn.executemany(
        "INSERT INTO edges (src_id, dst_id, kind, attrs, source_time, first_seen, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        ((ids[e.src], ids[e.dst], e.kind.value, "{}", 0, 0, 0) for e in data.edges),
    )
    conn.commit()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def closest_root(candidates: list[str], size: int, closure: Callable[[str], int]) -> str:
    """The candidate whose closure is nearest `size`; closures grow along `candidates`."""
    low, high = 0, len(candidates) - 1
    while low < high:
        middle = (low + high) // 2
        if closure(candidates[middle]) < size:
            low = middle + 1
        else:
            high = middle
    return candidates[low]


def sql_floor(conn: sqlite3.Connection, root: str, options: WalkOptions) -> int:
    """The walk's own SQL on a plain sqlite3 connection, rows fetched and nothing else."""
    statement, params = walk_statement(Direction.UPSTREAM, options, [root])
    sql, values = positional(statement, params, "qmark")
    return len(conn.execute(sql, values).fetchall())


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, result


def process_time(args: list[str], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50, help="repetitions per query")
    parser.add_argument("--no-networkx", action="store_true")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    console.print(f"generating {args.nodes:,} nodes…")
    data = generate(args.nodes)
    total_rows = len(data.nodes) + len(data.edges)
    console.print(f"{len(data.nodes):,} nodes, {len(data.edges):,} edges")
    rows: list[tuple[str, str, str, str]] = []
    workdir = Path(tempfile.mkdtemp(prefix="agentops-bench-"))

    floor = raw_floor(data, workdir / "floor.db")
    rows.append(
        (
            "bulk load",
            "sqlite3.executemany (floor)",
            f"{total_rows / floor:,.0f} rows/s",
            f"{floor:.1f} s",
        )
    )

    urls = {"sqlite": f"sqlite:///{workdir / 'lineage.db'}"}
    if os.environ.get("AGENTOPS_TEST_PG_URL"):
        urls["postgresql"] = _fresh_pg_schema(os.environ["AGENTOPS_TEST_PG_URL"])
    stores: dict[str, LineageStore] = {}
    for name, url in urls.items():
        store = stores[name] = open_store(url)
        console.print(f"loading into {name}…")
        started = time.perf_counter()
        store.upsert(data.nodes, data.edges)
        elapsed = time.perf_counter() - started
        ratio = f"{elapsed / floor:.2f}× floor" if name == "sqlite" else f"{elapsed:.1f} s"
        rows.append(
            (
                "bulk load",
                f"LineageStore.upsert ({name})",
                f"{total_rows / elapsed:,.0f} rows/s",
                ratio,
            )
        )

    # a model early in time has a small history closure, a later one a larger one; a commit
    # late in time a small downstream closure: roots are picked to match each target size
    history = WalkOptions(include_history=True)
    first_store = next(iter(stores.values()))
    sizes = {"~50": 50, "~5,000": 5_000, "~100,000": 100_000}
    up_roots = {
        label: closest_root(
            data.models_by_fraction, size, lambda r: len(upstream(first_store, [r], history).nodes)
        )
        for label, size in sizes.items()
    }
    down_root = closest_root(
        data.commits[::-1], 5_000, lambda r: len(downstream(first_store, [r], history).nodes)
    )
    graph = None
    if not args.no_networkx:
        import networkx as nx

        console.print("building the networkx graph (the in-memory floor)…")
        started = time.perf_counter()
        graph = nx.DiGraph()
        graph.add_edges_from((e.src, e.dst) for e in data.edges)
        rows.append(
            (
                "networkx",
                "whole graph into memory",
                f"{len(data.edges):,} edges",
                f"{time.perf_counter() - started:.1f} s",
            )
        )

    def repeat(label: str) -> int:
        return args.runs if label != "~100,000" else max(5, args.runs // 10)

    no_history_root = up_roots["~50"]
    for name, store in stores.items():
        p50, p95, result = timed(lambda s=store: upstream(s, [no_history_root]), args.runs)
        rows.append(
            (
                f"upstream {name}",
                f"model lineage, no history ({len(result.nodes)} nodes)",
                ms(p50),
                ms(p95),
            )
        )
        for label, root in up_roots.items():
            p50, p95, result = timed(
                lambda s=store, r=root: upstream(s, [r], history), repeat(label)
            )
            rows.append(
                (
                    f"upstream {name}",
                    f"{label} with history ({len(result.nodes):,} nodes)",
                    ms(p50),
                    ms(p95),
                )
            )
        root = up_roots["~5,000"]
        p50, p95, result = timed(
            lambda s=store, r=root: len(upstream(s, [r], history).edges), args.runs
        )
        rows.append(
            (f"upstream {name}", f"~5,000, edge objects built too ({result:,})", ms(p50), ms(p95))
        )
        p50, p95, result = timed(lambda s=store: downstream(s, [down_root], history), args.runs)
        rows.append(
            (
                f"downstream {name}",
                f"~5,000 with history ({len(result.nodes):,} nodes)",
                ms(p50),
                ms(p95),
            )
        )
    floor_conn = sqlite3.connect(urls["sqlite"].removeprefix("sqlite:///"))
    p50, p95, result = timed(lambda: sql_floor(floor_conn, up_roots["~5,000"], history), args.runs)
    floor_conn.close()
    rows.append(
        ("SQL alone (floor)", f"~5,000: the walk's rows via sqlite3 ({result:,})", ms(p50), ms(p95))
    )
    if graph is not None:
        import networkx as nx

        for label, root in up_roots.items():
            p50, p95, result = timed(lambda r=root: nx.ancestors(graph, r), repeat(label))
            rows.append(
                ("networkx ancestors", f"{label} ({len(result) + 1:,} nodes)", ms(p50), ms(p95))
            )
        p50, p95, result = timed(lambda: nx.descendants(graph, down_root), args.runs)
        rows.append(
            ("networkx descendants", f"~5,000 ({len(result) + 1:,} nodes)", ms(p50), ms(p95))
        )

    agentops = str(Path(sys.executable).with_name("agentops"))
    sqlite_url = urls["sqlite"]
    env_cwd = workdir
    floor_start = process_time([sys.executable, "-c", "pass"], env_cwd, 10)
    rows.append(("process", "python -c pass (floor)", ms(floor_start), ""))
    rows.append(
        ("process", "agentops --help", ms(process_time([agentops, "--help"], env_cwd, 10)), "")
    )
    cold = process_time(
        [agentops, "--db", sqlite_url, "lineage", "upstream", no_history_root, "--json"],
        env_cwd,
        10,
    )
    rows.append(("process", "agentops lineage upstream (model)", ms(cold), ""))

    table = Table(
        "what",
        "how",
        "p50 / rate",
        "p95 / note",
        title=(
            f"lineage store, {len(data.nodes):,} nodes / {len(data.edges):,} edges, "
            f"{os.cpu_count()} cores"
        ),
    )
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    for store in stores.values():
        store.close()


def _fresh_pg_schema(url: str) -> str:
    from sqlalchemy import create_engine, text

    schema = f"bench_{int(time.time())}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


if __name__ == "__main__":
    main()
