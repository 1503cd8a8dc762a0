"""Detectors in a registry, one per failure-mode card; priors from the cards; freshness told
from the training data's time span against the evaluation data's; datasets paired by role.

The lineages here are small and synthetic around real data: CSV files profiled by the real
data ingest (the `data` Source), read by two runs with the roles MLflow would log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentops.analysis import builtin_library
from agentops.analysis.rootcause import explain
from agentops.analysis.rootcause.data_changes import ColumnShift, DatasetChange, data_role
from agentops.analysis.rootcause.detectors import (
    DETECTORS,
    LINEAGE_CANNOT_SHOW,
    CommitFacts,
    ConfigDiff,
    DependencyMoves,
    detect,
    posterior,
)
from graph.code_diff import KeyChange, PackageChange
from graph.ingest import sources
from graph.model import Edge, Node
from graph.refs import EdgeKind, NodeKind
from graph.store import LineageStore, open_store
from knowledge.library import load_library

DAY = datetime(2026, 3, 1, tzinfo=UTC)


def test_every_detector_names_a_card_and_every_card_without_one_is_listed() -> None:
    cards = {card.id for card in builtin_library() if card.kind == "failure-mode"}
    assert set(DETECTORS) <= cards
    assert set(LINEAGE_CANNOT_SHOW) <= cards
    assert not set(DETECTORS) & set(LINEAGE_CANNOT_SHOW)
    assert set(DETECTORS) | set(LINEAGE_CANNOT_SHOW) == cards  # a new card needs one or a reason
    assert all(len(reason) > 40 for reason in LINEAGE_CANNOT_SHOW.values())


def _dataset_change(**figures) -> DatasetChange:
    old, new = Node.make("dataset:d@aaaaaaaaaaaa", {}), Node.make("dataset:d@bbbbbbbbbbbb", {})
    return DatasetChange("d", old, new, figures.pop("role", "training"), **figures)


def test_each_finding_names_its_card_with_a_change_type_the_card_lists() -> None:
    library = builtin_library()
    evidence = [
        _dataset_change(removed_columns=["genre"], added_columns=["genres"]),
        _dataset_change(columns=[ColumnShift("age", null_before=0.01, null_after=0.4)]),
        _dataset_change(columns=[ColumnShift("rating", scale_factor=20.0, psi=0.3)]),
        _dataset_change(rows_before=1000, rows_after=500, version_went_back=True),
        _dataset_change(role="evaluation", columns=[ColumnShift("item", psi=0.6)]),
        CommitFacts("a" * 40, "fix: inner join on users", {"code": ["src/features.py"]}),
        ConfigDiff("params.yaml", (KeyChange("train.lr", "changed", 0.01, 0.1),)),
        ConfigDiff(
            "serve.yaml", (KeyChange("window", "changed", 50, 5),), {"window": 50}, serving=True
        ),
        DependencyMoves((PackageChange("requirements.txt", "numpy", "changed", "1.26", "2.0"),)),
    ]
    seen = set()
    for item in evidence:
        findings = detect(item)
        assert findings, item
        for finding in findings:
            card = library.get(finding.detector)
            assert 0 < finding.strength <= 1 and finding.evidence
            assert finding.change_type is None or finding.change_type in card.change_types
            seen.add(finding.detector)
    assert seen == set(DETECTORS) - {"wrong-model-promoted"}  # that one reads two versions


def test_data_on_the_evaluation_side_is_judged_as_a_measurement_change_only() -> None:
    spiked = [ColumnShift("age", null_before=0.0, null_after=0.5)]
    assert {f.detector for f in detect(_dataset_change(columns=spiked))} == {"null-spike"}
    evaluation = detect(_dataset_change(role="evaluation", columns=spiked))
    assert [(f.detector, f.change_type) for f in evaluation] == [("eval-set-change", "eval-data")]


def test_the_prior_weighs_a_finding_by_bayes_rule_in_odds_form() -> None:
    assert posterior(0.8, 0.5) == pytest.approx(0.8)  # an even prior leaves the strength
    assert posterior(0.8, 0.2) == pytest.approx(0.5)  # odds 4 × 1/4
    assert posterior(0.8, 0.3) < posterior(0.8, 0.45) < posterior(0.8, 0.6)
    assert posterior(0.0, 0.9) == 0.0 and posterior(1.0, 0.1) == 1.0


def test_roles_come_from_the_edge_then_the_context_then_names_by_convention() -> None:
    assert data_role("dataset", None, "evaluation", "eval") == "evaluation"
    assert data_role("events", None, None, "train") == "training"
    assert data_role("events", "data/test/events.csv", None, None) == "evaluation"
    assert data_role("events", "data/train/events.csv", None, None) == "training"
    assert data_role("events-input_example", None, None, None) == "example"
    assert data_role("latest_events", "data/latest_events.csv", None, None) == ""  # not "test"
    assert data_role("events", "/home/ci/test_run/data/events.csv", None, None) == ""


# -- a small lineage around real CSVs ----------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One CSV a run reads: its path under the project, its role, its days and null share."""

    path: str
    role: str
    first_day: int
    days: int = 10
    null_every: int = 0  # every n-th row's `age` is empty (0: none)
    timed: bool = True  # False: no time column (a catalogue)


def _csv(split: Split) -> str:
    lines = ["ts,user_id,age,clicked"]
    for i in range(200):
        when = DAY + timedelta(days=split.first_day + i % split.days, minutes=i)
        age = "" if split.null_every and i % split.null_every == 0 else str(20 + i % 40)
        lines.append(f"{when:%Y-%m-%dT%H:%M:%S},{i % 50},{age},{i % 3 == 0:d}")
    if not split.timed:
        lines = [line.split(",", 1)[1] for line in lines]
    return "\n".join(lines) + "\n"


def _ingest(store: LineageStore, root: Path, splits: list[Split]) -> dict[str, str]:
    """Write the CSVs and profile them with the real data source; their refs by path."""
    for split in splits:
        (root / split.path).parent.mkdir(parents=True, exist_ok=True)
        (root / split.path).write_text(_csv(split))
    data = sources()["data"]
    report = data.run(store, data.options({"paths": [s.path for s in splits]}, root))
    return {row["path"]: row["ref"] for row in report.details["datasets"]}


def _lineage(
    tmp_path: Path,
    good: list[Split],
    bad: list[Split],
    params: tuple[dict, dict] = ({}, {}),
) -> str:
    """Two model versions of `clicks`, each from a run reading `good`/`bad`; the store's URL."""
    url = f"sqlite:///{tmp_path / 'lineage.db'}"
    root = tmp_path / "project"
    with open_store(url) as store:
        read = [_ingest(store, root, good), _ingest(store, root, bad)]
        nodes, edges = [], []
        for number, (splits, refs, run_params, auc) in enumerate(
            zip((good, bad), read, params, (0.80, 0.70), strict=True), start=1
        ):
            run, model = f"run:r{number}", f"model:clicks/{number}"
            at = DAY + timedelta(days=30 * number)
            nodes += [
                Node.make(run, {"params": run_params, "metrics": {"auc": auc}}, at),
                Node.make(model, {"aliases": ["champion"] if number == 1 else []}, at),
            ]
            edges.append(Edge(run, model, EdgeKind.PRODUCED, {}, at))
            for split in splits:
                context = {"context": split.role, "role": split.role}
                edges.append(Edge(refs[split.path], run, EdgeKind.INPUT, context, at))
        store.upsert(nodes, edges)
    return url


def _explain(url: str, library=None):
    with open_store(url) as store:
        return explain(store, "model:clicks/2", good="model:clicks/1", library=library)


TRAIN = Split("data/train/events.csv", "training", 0)
EVAL_BEFORE = Split("data/eval/events.csv", "evaluation", 10)
EVAL_AFTER = Split("data/eval/events.csv", "evaluation", 30)


def test_training_data_that_did_not_move_while_evaluation_did_is_stale(tmp_path: Path) -> None:
    users = Split("data/users.csv", "", 0, timed=False)  # no time: says nothing of freshness
    url = _lineage(tmp_path, [TRAIN, EVAL_BEFORE, users], [TRAIN, EVAL_AFTER, users])
    report = _explain(url)
    assert len(report.suspects) == 2  # the stale training data and the refreshed evaluation
    top = report.suspects[0]
    with open_store(url) as store:
        (train,) = [n for n in store.find(NodeKind.DATASET, "events") if "train" in n.attrs["path"]]
    assert top.ref == train.ref and top.card == "stale-data" and top.is_cause
    assert top.previous is None  # the version both runs read
    assert any(
        "evaluation data moved forward to 2026-04-09" in line and "ends at 2026-03-10" in line
        for line in top.evidence
    )
    refresh = next(s for s in report.suspects if s.ref != train.ref)
    assert not refresh.is_cause and refresh.card is None
    assert any("routine refresh" in line for line in refresh.evidence)


def test_evaluation_moving_with_training_is_no_staleness(tmp_path: Path) -> None:
    moved = Split("data/train/events.csv", "training", 20)
    report = _explain(_lineage(tmp_path, [TRAIN, EVAL_BEFORE], [moved, EVAL_AFTER]))
    assert all(s.card != "stale-data" for s in report.suspects)


def test_versions_sharing_a_name_pair_by_role_never_train_with_eval(tmp_path: Path) -> None:
    example = Split("data/example/events.csv", "input_example", 0, days=1)
    spiked = Split("data/train/events.csv", "training", 20, null_every=2)
    eval_moved = Split("data/eval/events.csv", "evaluation", 30)
    example_moved = Split("data/example/events.csv", "input_example", 20, days=1)
    url = _lineage(
        tmp_path,
        [Split("data/train/events.csv", "training", 0), EVAL_BEFORE, example],
        [spiked, eval_moved, example_moved],
    )
    report = _explain(url)
    with open_store(url) as store:
        path_of = {n.ref: n.attrs["path"] for n in store.find(NodeKind.DATASET, "events")}
    for suspect in [*report.suspects, *report.ruled_out]:
        if suspect.previous:  # every comparison is within one split
            assert path_of[suspect.previous] == path_of[suspect.ref], suspect.ref
    top = report.suspects[0]
    assert path_of[top.ref] == "data/train/events.csv" and top.card == "null-spike"
    assert any("nulls in age" in line for line in top.evidence)
    assert [path_of[s.ref] for s in report.ruled_out] == ["data/example/events.csv"]
    evaluation = next(s for s in report.suspects if path_of[s.ref] == "data/eval/events.csv")
    assert not evaluation.is_cause


def test_a_team_card_overriding_a_prior_changes_the_ranking(tmp_path: Path) -> None:
    url = _lineage(
        tmp_path,
        [TRAIN, EVAL_BEFORE],
        [TRAIN, EVAL_AFTER],
        params=({"lr": 0.01}, {"lr": 0.02}),
    )
    built_in = [s.card for s in _explain(url).suspects[:2]]
    assert built_in == ["stale-data", "config-regression"]
    team = tmp_path / "team"
    team.mkdir()
    card = builtin_library().get("stale-data").source
    text = (Path(__file__).resolve().parents[3] / card).read_text()
    (team / "stale-data.md").write_text(text.replace("prior: 0.35", "prior: 0.1"))
    reranked = _explain(url, load_library([team])).suspects
    assert [s.card for s in reranked[:2]] == ["config-regression", "stale-data"]


def test_findings_in_the_report_are_redacted_like_the_evidence() -> None:
    from agentops.analysis.rootcause import _rank
    from agentops.analysis.rootcause.scoring import data_suspect

    column = ColumnShift("password=hunter2-prod", null_before=0.0, null_after=0.5)
    spiked = data_suspect(_dataset_change(columns=[column]))
    assert any("hunter2-prod" in line for f in spiked.findings for line in f.evidence)
    (ranked,) = _rank([spiked], builtin_library())
    assert ranked.card == "null-spike" and ranked.findings
    assert "hunter2-prod" not in json.dumps(ranked.to_json())


def test_an_identifier_column_is_no_drift_while_a_feature_is(tmp_path: Path) -> None:
    """A new export's new customer keys move the key column by design; a feature that moves
    the same way is drift."""
    from agentops.analysis.rootcause.data_changes import PSI_MAJOR, compare_datasets
    from graph.profile import profile_attrs

    def version(name: str, start: int) -> Node:
        path = tmp_path / f"{name}.csv"
        rows = [f"{start + i},{(start + i) % 7},{i % 5},{(start + i) * 1.37}" for i in range(200)]
        path.write_text("account_id,level,weekday,charges\n" + "\n".join(rows) + "\n")
        return Node.make(f"dataset:{name}@{'a' * 12}", profile_attrs([path], "csv"))

    change = compare_datasets("exports", version("old", 0), version("new", 5000), "training")
    psi = {c.name: c.psi for c in change.columns}
    assert psi["account_id"] is None  # every value distinct on both sides: a key
    assert psi["weekday"] is not None and psi["weekday"] < 0.1  # same distribution
    assert psi["level"] is not None  # not a key (7 values): still compared
    assert psi["charges"] is not None and psi["charges"] > PSI_MAJOR  # floats: no key


def test_dropping_columns_is_not_a_row_operation() -> None:
    """pandas' `drop` takes rows or columns: only a message about rows names a join bug."""
    code = {"code": ["train.py"]}
    cards = {
        subject: {f.detector for f in detect(CommitFacts("a" * 40, subject, code))}
        for subject in ("preprocessing: drop collinear columns", "drop rows with no price")
    }
    assert cards == {
        "preprocessing: drop collinear columns": {"feature-code-bug"},
        "drop rows with no price": {"feature-code-bug", "join-bug"},
    }


def _label_findings(change: DatasetChange) -> list[tuple[str, ...]]:
    return [f.evidence for f in detect(change) if f.detector == "label-shift"]


def test_the_label_is_what_the_code_calls_it_or_what_the_signature_leaves_out() -> None:
    from agentops.analysis.rootcause.relevance.configs import CodeMentions

    source = (
        'LABEL = "churned"\ny = df["price"].astype("float32")\nX = df.drop(columns=["id"])\n'
        'ds = from_pandas(df, targets="grade")\nscore = f1_score(y, p, average="macro")\n'
    )
    mentions = CodeMentions.of_file("train.py", source.encode())
    assert set(mentions.labels) == {"churned", "price", "grade"}

    rescaled = [ColumnShift("quality", scale_factor=10.0), ColumnShift("alcohol")]
    assert _label_findings(_dataset_change(columns=rescaled)) == []  # nothing says it is the label
    named = _dataset_change(columns=rescaled, code_labels=frozenset({"quality"}))
    signed = _dataset_change(columns=rescaled, model_inputs=frozenset({"alcohol"}))
    assert (
        _label_findings(named)
        == _label_findings(signed)
        == [("quality rescaled ×10 (a label/target column)",)]
    )


def test_a_label_whose_balance_moved_is_a_label_shift_by_evidentlys_rule() -> None:
    """Above 1,000 rows: normed Wasserstein ≥ 0.1; at or below: KS at p < 0.05."""
    labels = frozenset({"churned"})

    def shifted(rows: int, **figures: float) -> list[tuple[str, ...]]:
        column = ColumnShift("churned", mean_before=0.39, mean_after=0.49, **figures)
        return _label_findings(
            _dataset_change(columns=[column], rows_before=rows, rows_after=rows, code_labels=labels)
        )

    assert shifted(2400, normed_wasserstein=0.21) == [
        ("the label churned moved: mean 0.39 → 0.49, normed Wasserstein 0.21",)
    ]
    assert shifted(2400, normed_wasserstein=0.07) == []
    assert shifted(400, ks=0.1, normed_wasserstein=0.2) != []  # p ≈ 0.03
    assert shifted(100, ks=0.1, normed_wasserstein=0.2) == []  # p ≈ 1: too few rows to tell
    assert shifted(400, psi=0.3) != [] and shifted(400, psi=0.05) == []  # classes: by PSI


def test_a_feature_that_went_all_null_or_constant_is_an_upstream_schema_change() -> None:
    """The card: "a feature that was populated is 100% null or constant after the change"."""
    flat = ColumnShift("flavanoids", went_flat=True)
    found = [
        f.evidence
        for f in detect(_dataset_change(columns=[flat], added_columns=["flavonoids"]))
        if f.detector == "upstream-schema-change"
    ]
    assert found == [
        ("schema: added flavonoids; flavanoids is all null or one value now (looks like a rename)",)
    ]
    stamp = ColumnShift("export_date", went_flat=True, bookkeeping=True)
    assert not any(
        f.detector == "upstream-schema-change" for f in detect(_dataset_change(columns=[stamp]))
    )
