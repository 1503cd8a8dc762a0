from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from graph.errors import RefError, StoreError
from graph.model import Edge, Node
from graph.refs import EdgeKind
from graph.store import LineageStore, open_store


def test_upsert_twice_changes_nothing(store: LineageStore, sample: SimpleNamespace) -> None:
    nodes, edges = sample.graph()
    store.upsert(nodes, edges)
    first = {node.ref: node for node in store.iter_nodes()}
    first_edges = list(store.iter_edges())
    store.upsert(*sample.graph())
    again = {node.ref: node for node in store.iter_nodes()}
    assert again == first  # same attrs, same first_seen
    assert list(store.iter_edges()) == first_edges
    counts = store.counts()
    assert counts.nodes == {
        "commit": 2,
        "config": 2,
        "dataset": 3,
        "deploy": 1,
        "incident": 1,
        "model": 2,
        "run": 2,
    }
    assert sum(counts.edges.values()) == len(edges)


def test_a_failed_batch_leaves_the_store_as_it_was(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    before = sample_store.counts()
    new_nodes = [Node.make("run:r3"), Node.make("model:recsys/3")]
    bad_edges = [
        Edge("run:r3", "model:recsys/3", EdgeKind.PRODUCED),
        Edge("run:r3", "model:ghost/1", EdgeKind.PRODUCED),
    ]
    with pytest.raises(StoreError, match="model:ghost/1"):
        sample_store.upsert(new_nodes, bad_edges)
    assert sample_store.counts() == before
    assert sample_store.get("run:r3") is None


def test_a_node_folded_into_another_goes_with_its_edges_in_the_same_transaction(
    sample_store: LineageStore,
) -> None:
    sample_store.upsert(
        [Node.make(ref) for ref in ("dataset:d@mlflowdigest", "dataset:d@b3b3b3b3b3b3", "run:x")],
        [Edge("dataset:d@mlflowdigest", "run:x", EdgeKind.INPUT)],
    )
    moved = Edge("dataset:d@b3b3b3b3b3b3", "run:x", EdgeKind.INPUT)
    with pytest.raises(StoreError):  # a failing write deletes nothing either
        sample_store.upsert(
            edges=[moved, Edge("run:x", "model:ghost/1", EdgeKind.PRODUCED)],
            delete=["dataset:d@mlflowdigest"],
        )
    assert sample_store.get("dataset:d@mlflowdigest") is not None
    sample_store.upsert(edges=[moved], delete=["dataset:d@mlflowdigest"])
    assert sample_store.get("dataset:d@mlflowdigest") is None
    assert [(e.src, e.dst) for e in sample_store.edges_of(["run:x"])] == [(moved.src, moved.dst)]


def test_update_replaces_attrs_and_keeps_first_seen(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    before = sample_store.get(sample.RUN1)
    sample_store.upsert([Node.make(sample.RUN1, {"status": "FAILED"}, sample.day(1))])
    after = sample_store.get(sample.RUN1)
    assert after is not None and before is not None
    assert after.attrs == {"status": "FAILED"}
    assert after.first_seen == before.first_seen


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("recsys/2", "model:recsys/2"),
        ("model:recsys/1", "model:recsys/1"),
        ("aaaaaaa", "commit:" + "a" * 40),
        ("commit:bbbbbbbbbb", "commit:" + "b" * 40),
        ("INC-1", "incident:INC-1"),
        ("r2", "run:r2"),
        ("movies", "dataset:movies@cccccccccccc"),
        ("dataset:ratings@bbbb", "dataset:ratings@bbbbbbbbbbbb"),
    ],
)
def test_short_forms_resolve(sample_store: LineageStore, typed: str, expected: str) -> None:
    assert sample_store.resolve(typed) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/recsys/2", "model:recsys/2"),
        ("models:/recsys@champion", "model:recsys/2"),  # the version the alias points to
        ("runs:/r2/model", "run:r2"),
    ],
)
def test_mlflow_uris_resolve(sample_store: LineageStore, uri: str, expected: str) -> None:
    assert sample_store.resolve(uri) == expected


def test_unknown_mlflow_alias_suggests_the_model(sample_store: LineageStore) -> None:
    with pytest.raises(RefError) as raised:
        sample_store.resolve("models:/recsys@nope")
    assert raised.value.message == "no node matches 'models:/recsys@nope'"
    assert "model:recsys/2" in raised.value.hint


def test_ambiguous_ref_lists_the_candidates(sample_store: LineageStore) -> None:
    with pytest.raises(RefError) as raised:
        sample_store.resolve("ratings")
    assert "ambiguous" in raised.value.message
    assert raised.value.candidates == (
        "dataset:ratings@aaaaaaaaaaaa",
        "dataset:ratings@bbbbbbbbbbbb",
    )


def test_unknown_ref_suggests_near_matches(sample_store: LineageStore) -> None:
    with pytest.raises(RefError) as raised:
        sample_store.resolve("recsys/9")
    assert raised.value.message == "no node matches 'recsys/9'"
    with pytest.raises(RefError) as raised:
        sample_store.resolve("ratings@zz")
    assert "dataset:ratings@aaaaaaaaaaaa" in raised.value.hint


def test_short_commit_prefix_is_not_a_commit(sample_store: LineageStore) -> None:
    with pytest.raises(RefError):
        sample_store.resolve("aaaaaa")  # 6 chars: too short to be a commit prefix


def test_like_wildcards_in_user_text_match_literally(sample_store: LineageStore) -> None:
    with pytest.raises(RefError):
        sample_store.resolve("dataset:ratings@%")


def test_schema_version_recorded_and_newer_refused(sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        assert (
            conn.execute(
                text("SELECT value FROM agentops_meta WHERE key='schema_version'")
            ).scalar()
            == "1"
        )
        conn.execute(text("UPDATE agentops_meta SET value='99' WHERE key='schema_version'"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(sqlite_url)


def test_sqlite_store_uses_wal(sqlite_store: LineageStore) -> None:
    with sqlite_store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_unreachable_database_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot open the lineage store"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_state_round_trips(store: LineageStore) -> None:
    store.put_state("git", {"tips": ["a", "b"], "n": 3})
    store.put_state("git", {"n": 4})
    assert store.get_state("git") == {"tips": ["a", "b"], "n": 4}
    assert store.get_state("git", ["n"]) == {"n": 4}
    assert store.get_state("other") == {}


def test_light_read_views_match_the_sqlmodel_tables() -> None:
    from graph.store import tables, views

    for light, full in [
        (views.nodes, tables.NodeRow.__table__),
        (views.edges, tables.EdgeRow.__table__),
        (views.state, tables.StateRow.__table__),
        (views.meta, tables.MetaRow.__table__),
    ]:
        assert light.name == full.name
        assert [c.name for c in light.columns] == [c.name for c in full.columns]


def _sqlite_statistics(conn) -> int:
    exists = conn.exec_driver_sql(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
    ).scalar()
    return conn.exec_driver_sql("SELECT count(*) FROM sqlite_stat1").scalar() if exists else 0


def test_a_bulk_load_refreshes_postgresql_statistics_and_leaves_sqlite_without(
    store: LineageStore,
) -> None:
    from graph.store import ANALYZE_AFTER_ROWS

    nodes = [Node.make(f"run:r{i}") for i in range(ANALYZE_AFTER_ROWS)]
    store.upsert(nodes)
    with store.read() as conn:
        if store.dialect == "sqlite":
            assert _sqlite_statistics(conn) == 0
        else:
            analysed = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'nodes' "
                "AND schemaname = current_schema() AND last_analyze IS NOT NULL"
            ).scalar()
            assert analysed >= 1


def test_opening_a_sqlite_store_drops_statistics_an_older_version_wrote(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with open_store(url) as old:
        old.upsert(
            [Node.make("run:a"), Node.make("model:m/1")],
            [Edge("run:a", "model:m/1", EdgeKind.PRODUCED)],
        )
        with old.read() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            assert _sqlite_statistics(conn) > 0
    with open_store(url) as reopened, reopened.read() as conn:
        assert _sqlite_statistics(conn) == 0
        plan = " ".join(
            row[3]
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT src_id FROM edges WHERE dst_id = 2"
            )
        )
    assert "COVERING INDEX ix_edges_dst" in plan
