import itertools
import random
from types import SimpleNamespace

import networkx as nx
import pytest

from graph.diff import diff
from graph.model import Edge, Node
from graph.queries import WalkOptions, downstream, impact, path, upstream
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store


def _depths(subgraph) -> dict[str, int]:
    return {node.ref: node.depth for node in subgraph.nodes}


def test_upstream_of_a_model_is_what_it_was_made_from(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    result = upstream(sample_store, [sample.M2])
    assert _depths(result) == {
        sample.M2: 0,
        sample.RUN2: 1,
        sample.C2: 2,
        sample.CFG2: 2,
        sample.DS2: 2,
        sample.MOVIES: 2,
    }
    # git history (c1 → c2) and version history (ratings v1 → v2) are left out by default
    assert sample.C1 not in result.by_ref and sample.DS1 not in result.by_ref
    assert {(e.src, e.dst, e.kind) for e in result.edges} >= {
        (sample.C2, sample.CFG2, EdgeKind.INTRODUCED),
        (sample.RUN2, sample.M2, EdgeKind.PRODUCED),
    }
    assert result.truncated is False


def test_history_is_followed_only_when_asked(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    result = upstream(sample_store, [sample.M2], WalkOptions(include_history=True))
    assert result.by_ref[sample.C1].depth == 3
    assert result.by_ref[sample.DS1].depth == 3


def test_downstream_of_a_dataset_reaches_the_incident(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    result = downstream(sample_store, [sample.DS2])
    assert _depths(result) == {
        sample.DS2: 0,
        sample.RUN2: 1,
        sample.M2: 2,
        sample.DEPLOY: 3,
        sample.INCIDENT: 4,
    }


def test_depth_kind_filters_and_cap(sample_store: LineageStore, sample: SimpleNamespace) -> None:
    assert set(_depths(upstream(sample_store, [sample.INCIDENT], WalkOptions(depth=2)))) == {
        sample.INCIDENT,
        sample.DEPLOY,
        sample.M2,
    }
    datasets = upstream(
        sample_store, [sample.M2], WalkOptions(node_kinds=frozenset({NodeKind.DATASET}))
    )
    assert set(_depths(datasets)) == {sample.M2, sample.DS2, sample.MOVIES}
    code_only = upstream(
        sample_store,
        [sample.M2],
        WalkOptions(edge_kinds=frozenset({EdgeKind.PRODUCED, EdgeKind.CODE_OF})),
    )
    assert set(_depths(code_only)) == {sample.M2, sample.RUN2, sample.C2}
    capped = upstream(sample_store, [sample.M2], WalkOptions(max_nodes=3))
    assert capped.truncated is True
    assert [n.ref for n in capped.nodes][:2] == [sample.M2, sample.RUN2]
    assert len(capped.nodes) == 3
    assert all(e.src in capped.by_ref and e.dst in capped.by_ref for e in capped.edges)


def test_several_roots_share_one_walk(sample_store: LineageStore, sample: SimpleNamespace) -> None:
    result = upstream(sample_store, [sample.M1, sample.M2], WalkOptions(depth=1))
    assert _depths(result) == {sample.M1: 0, sample.M2: 0, sample.RUN1: 1, sample.RUN2: 1}


def test_as_of_hides_what_came_later(sample_store: LineageStore, sample: SimpleNamespace) -> None:
    result = downstream(sample_store, [sample.MOVIES], WalkOptions(as_of=sample.day(1)))
    assert set(_depths(result)) == {sample.MOVIES, sample.RUN1, sample.M1}


def test_impact_is_the_blast_radius(sample_store: LineageStore, sample: SimpleNamespace) -> None:
    result = impact(sample_store, [sample.MOVIES])
    assert set(_depths(result)) == {
        sample.MOVIES,
        sample.M1,
        sample.M2,
        sample.DEPLOY,
        sample.INCIDENT,
    }


def test_path_finds_the_shortest_chain_either_way(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    forward = path(sample_store, sample.C2, sample.INCIDENT)
    assert forward.shortest == [sample.C2, sample.RUN2, sample.M2, sample.DEPLOY, sample.INCIDENT]
    assert sample.CFG2 in forward.subgraph.by_ref  # c2 → config → run is another path
    backward = path(sample_store, sample.INCIDENT, sample.C2)
    assert backward.shortest == forward.shortest
    assert path(sample_store, sample.M1, sample.M2).shortest == []


def test_diff_pairs_versions_of_the_same_thing(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    result = diff(sample_store, sample.M1, sample.M2)
    changed = {(c.kind.value, c.name): (c.a_refs, c.b_refs) for c in result.changed}
    assert changed == {  # runs r1 and r2 are different things, not versions of one
        ("commit", "git"): ((sample.C1,), (sample.C2,)),
        ("config", "configs/train.yaml"): ((sample.CFG1,), (sample.CFG2,)),
        ("dataset", "ratings"): ((sample.DS1,), (sample.DS2,)),
    }
    assert sample.MOVIES not in result.only_a + result.only_b  # shared input is not a change
    assert result.only_a == sorted([sample.C1, sample.CFG1, sample.DS1, sample.RUN1])


def test_sqlite_and_postgresql_give_identical_answers(
    sqlite_url: str, pg_url: str, sample: SimpleNamespace
) -> None:
    answers = []
    for url in (sqlite_url, pg_url):
        with open_store(url) as store:
            store.upsert(*sample.graph())
            answers.append(
                [
                    upstream(store, [sample.INCIDENT]).to_json(),
                    downstream(store, [sample.C1], WalkOptions(include_history=True)).to_json(),
                    impact(store, [sample.DS2]).to_json(),
                    path(store, sample.C2, sample.INCIDENT).to_json(),
                    diff(store, sample.M1, sample.M2).to_json(),
                ]
            )
    assert answers[0] == answers[1]


def _history_like_graph(seed: int) -> tuple[list[Node], list[Edge]]:
    """A commit chain with merges (shortcuts of several lengths) feeding runs and models."""
    rng = random.Random(seed)
    commits = [f"commit:{i:040x}" for i in range(1, 121)]
    edges = [Edge(a, b, EdgeKind.PARENT) for a, b in itertools.pairwise(commits)]
    edges += [
        Edge(commits[i - rng.randint(2, 9)], commits[i], EdgeKind.PARENT)
        for i in range(10, len(commits), 7)
    ]
    runs = [f"run:r{i}" for i in range(30)]
    edges += [Edge(rng.choice(commits), run, EdgeKind.CODE_OF) for run in runs]
    edges += [Edge(a, b, EdgeKind.PARENT_RUN) for a, b in zip(runs, runs[3:], strict=False)]
    models = [f"model:m/{i}" for i in range(1, 31)]
    edges += [Edge(run, model, EdgeKind.PRODUCED) for run, model in zip(runs, models, strict=True)]
    nodes = [Node.make(ref) for ref in commits + runs + models]
    return nodes, edges


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_depths_and_edges_match_networkx_on_a_graph_with_shortcuts(
    store: LineageStore, seed: int
) -> None:
    nodes, edges = _history_like_graph(seed)
    store.upsert(nodes, edges)
    graph = nx.DiGraph((e.src, e.dst) for e in edges)
    history = WalkOptions(include_history=True)
    for root, result, reach in (
        ("model:m/29", upstream(store, ["model:m/29"], history), graph.reverse(copy=False)),
        ("commit:" + f"{40:040x}", downstream(store, [f"commit:{40:040x}"], history), graph),
    ):
        expected = nx.single_source_shortest_path_length(reach, root)
        assert {node.ref: node.depth for node in result.nodes} == expected
        assert [node.depth for node in result.nodes] == sorted(expected.values())
        kept = set(expected)
        assert {(e.src, e.dst) for e in result.edges} == {
            (a, b) for a, b in graph.edges if a in kept and b in kept
        }


def test_rows_out_of_breadth_first_order_fall_back_to_a_full_search() -> None:
    from graph.queries import _place_by_bfs, _place_in_row_order

    rows = [  # the walk from model 1, but the run's edge comes before the model's
        (None, None, 1, "model:m/1", "model", 0),
        (2, "code_of", 3, "commit:" + "a" * 40, "commit", 0),
        (1, "produced", 2, "run:r", "run", 0),
    ]
    assert _place_in_row_order(rows) is None
    assert sorted(_place_by_bfs(rows)) == [
        (0, "model:m/1", "model", 0, 1),
        (1, "run:r", "run", 0, 2),
        (2, "commit:" + "a" * 40, "commit", 0, 3),
    ]
    assert _place_in_row_order([rows[0], rows[2], rows[1]]) == sorted(_place_by_bfs(rows))


def test_a_walk_takes_twenty_thousand_roots(store: LineageStore) -> None:
    """Each root is one bound value (a build capped at 32,766 would refuse them bound twice)."""
    runs = [f"run:r{i}" for i in range(20_000)]
    store.upsert(
        [Node.make(ref) for ref in [*runs, "model:m/1"]],
        [Edge(run, "model:m/1", EdgeKind.PRODUCED) for run in runs],
    )
    result = downstream(store, runs)
    assert len(result.roots) == 20_000
    assert result.by_ref["model:m/1"].depth == 1
    assert len(result.edges) == 20_000
