"""Readiness rules on the hand-built graph: each status follows the evidence put in the graph."""

from __future__ import annotations

from agentops.analysis.checklist import RULES, suggest
from agentops.analysis.checklist.rules import ReadinessItem
from graph.model import Edge, Node
from graph.refs import EdgeKind

from .conftest import M1, M2, RUN3, SHA, HandGraph, commit, day, run


def judged(hand: HandGraph, item: str) -> ReadinessItem:
    result = suggest(hand.store, "INC-1", report=hand.report)
    [found] = [entry for entry in result.readiness if entry.item == item]
    return found


def add(hand: HandGraph, nodes: list[Node], edges: list[tuple[str, str, EdgeKind]] = ()) -> None:
    hand.store.upsert(nodes, [Edge(s, d, k) for s, d, k in edges])


def test_every_judgement_says_what_it_looked_for(hand: HandGraph) -> None:
    result = suggest(hand.store, "INC-1", report=hand.report)
    judged_items = [item.item for item in result.readiness]
    assert judged_items and len(judged_items) == len(set(judged_items))
    assert len(judged_items) == sum(len(rule.items) for rule in RULES)
    for item in result.readiness:
        assert item.looked_for and item.rule, item.item
        assert item.status in ("present", "partial", "missing", "unknown")
        if item.status in ("missing", "partial"):
            assert item.found, f"{item.item} is {item.status} without saying what was found"
        assert item.checklist, f"{item.item} is not an item of any checklist card"


def test_schema_check_missing_until_the_graph_shows_one(hand: HandGraph) -> None:
    item = judged(hand, "data-1")
    assert item.status == "missing"
    assert "no expectations/schema file among 2 config files" in item.found[0]
    add(hand, [Node.make("config:great_expectations/ratings.yaml@cccccccccccc", {}, day(1))])
    item = judged(hand, "data-1")
    assert item.status == "present"
    assert item.found == [
        "expectations/schema file config:great_expectations/ratings.yaml@cccccccccccc"
    ]


def test_a_validation_run_on_the_same_data_counts(hand: HandGraph) -> None:
    check = Node.make("run:check", {"run_name": "validate-ratings"}, day(7))
    add(hand, [check], [(hand.refs["bad"], "run:check", EdgeKind.INPUT)])
    item = judged(hand, "data-1")
    assert item.status == "present"
    assert "validation run run:check read the same dataset versions" in item.found
    assert judged(hand, "monitoring-2").status == "partial"  # training only, no serving side


def test_data_test_files_alone_are_partial(hand: HandGraph) -> None:
    add(
        hand,
        [
            commit(
                SHA["4"],
                [SHA["3"]],
                "data: export",
                [("tests/test_data_schema.py", "tests")],
                day(7),
            )
        ],
    )
    item = judged(hand, "data-1")
    assert item.status == "partial"
    assert item.found[0] == "test file tests/test_data_schema.py"


def test_untested_code_commit_is_named(hand: HandGraph) -> None:
    item = judged(hand, "data-7")
    assert item.status == "partial"
    assert item.found[:3] == [
        "2 code commits, 1 with a test change",
        "test files: tests/test_features.py",
        "no CI or test run recorded for these commits",
    ]
    assert item.found[3].startswith(f"commit {SHA['3'][:10]} ('features: faster join')")
    assert judged(hand, "infra-2").found == item.found


def test_unpinned_dependency_and_lockfile(hand: HandGraph) -> None:
    item = judged(hand, "infra-1")
    assert item.status == "partial"
    assert "not pinned: requirements.txt: pandas >=2.0" in item.found
    assert "seed: seed=42" in item.found
    lock = Node.make(
        "config:uv.lock@dddddddddddd",
        {"path": "uv.lock", "manifest": True, "manifest_kind": "lock", "packages": {}},
        day(6),
    )
    add(hand, [lock])
    item = judged(hand, "infra-1")
    assert item.status == "present"
    assert "lockfile: uv.lock" in item.found


def test_promoted_despite_its_own_worse_metric(hand: HandGraph) -> None:
    item = judged(hand, "infra-4")
    assert item.status == "missing"
    assert item.found == [
        "model:recsys/3's run logged ndcg_at_10 0.2 vs 0.3 for model:recsys/2 (-33.3%)",
        "it was promoted all the same: no gate stopped it",
    ]
    add(hand, [run(RUN3, SHA["4"], 0.299, day(8))])
    assert judged(hand, "infra-4").status == "unknown"  # its own run looked fine


def test_canary_status_follows_the_aliases(hand: HandGraph) -> None:
    item = judged(hand, "infra-6")
    assert item.status == "missing"
    assert item.found[0] == "aliases seen: champion"
    canary = Node.make(
        "deploy:recsys/canary@2026-03-04T09:00:00Z", {"alias": "canary", "version": "2"}, day(3)
    )
    add(hand, [canary], [(M2, canary.ref, EdgeKind.DEPLOYED)])
    assert judged(hand, "infra-6").status == "partial"  # canaries exist, not for v3
    canary3 = Node.make(
        "deploy:recsys/canary@2026-03-09T08:00:00Z", {"alias": "canary", "version": "3"}, day(8)
    )
    add(hand, [canary3], [("model:recsys/3", canary3.ref, EdgeKind.DEPLOYED)])
    assert judged(hand, "infra-6").status == "present"


def test_rollback_target_and_drill(hand: HandGraph) -> None:
    item = judged(hand, "infra-7")
    assert item.status == "partial"
    assert item.found == [
        "earlier served versions: model:recsys/1, model:recsys/2",
        "no move back to an older version seen (no rollback drill)",
    ]
    drill = Node.make(
        "deploy:recsys/champion@2026-03-06T09:00:00Z",
        {"alias": "champion", "version": "1", "previous_version": "2"},
        day(5),
    )
    add(hand, [drill], [(M1, drill.ref, EdgeKind.DEPLOYED)])
    assert judged(hand, "infra-7").status == "present"


def test_no_rollback_target_when_only_the_bad_version_served(hand: HandGraph) -> None:
    for ref, version in ((M1, 1), (M2, 2)):
        add(hand, [Node.make(ref, {"name": "recsys", "version": str(version)}, day(version))])
    item = judged(hand, "infra-7")
    assert item.status == "missing"
    assert item.found == ["no version of recsys served before the bad one"]


def test_bot_dependency_updates_are_notifications(hand: HandGraph) -> None:
    assert judged(hand, "monitoring-1").status == "missing"
    bump = commit(
        SHA["3"],
        [SHA["2"]],
        "chore(deps): bump numpy",
        [("requirements.txt", "dependency")],
        day(6),
    )
    bump.attrs["author"] = {"name": "dependabot[bot]", "email": "bot@example.org"}
    add(hand, [bump])
    item = judged(hand, "monitoring-1")
    assert item.status == "partial"
    assert item.found[0] == f"bot dependency updates: {SHA['3'][:10]}"


def test_training_and_serving_params_that_differ_are_listed(hand: HandGraph) -> None:
    skewed = run(RUN3, SHA["4"], 0.2, day(8))
    skewed.attrs["params"].update({"features.window": "50", "serve.features.window": "5"})
    add(hand, [skewed])
    item = judged(hand, "monitoring-3")
    assert item.status == "missing"
    assert "training/serving params differ: features.window=50 but serve.features.window=5" in (
        item.found
    )


def test_slice_metrics_and_staleness(hand: HandGraph) -> None:
    assert judged(hand, "model-6").found == ["the bad run logs only overall metrics: ndcg_at_10"]
    sliced = run(RUN3, SHA["4"], 0.2, day(8))
    sliced.attrs["metrics"]["ndcg_at_10.new_users"] = {"value": 0.1}
    add(hand, [sliced])
    assert judged(hand, "model-6").status == "present"
    stale = judged(hand, "monitoring-4")
    assert stale.status == "partial"
    assert stale.found[0] == "newest training data: 2023-11-15T11:31:40+00:00 (ratings.timestamp)"
    assert stale.found[1] == "data age when model:recsys/3 was promoted: 845 day(s)"


def test_params_not_in_any_config_file(hand: HandGraph) -> None:
    assert judged(hand, "model-1").status == "present"
    adhoc = run(RUN3, SHA["4"], 0.2, day(8))
    adhoc.attrs["params"]["lr"] = "0.1"
    add(hand, [adhoc])
    item = judged(hand, "model-1")
    assert item.status == "partial"
    assert item.found[-1] == "not in any config file: lr"
