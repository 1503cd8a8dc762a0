"""`plan()` on a hand-built history: target choice, when a model rollback is (not) the fix, the
alias move, compatibility, gates, and the plan's JSON and Markdown."""

from __future__ import annotations

import pytest

from agentops.analysis.rollback import plan
from agentops.analysis.rollback.plan import plan_digest
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE
from agentops.errors import UsageError
from graph.model import Edge, Node
from graph.refs import EdgeKind

from .conftest import H1, H2, R1, R2, S1, S2, C, M, report_for, suspect, t

ALIAS_CAUSE = ("model:recsys/3", "alias", "wrong-model-promoted")


def _plan(store, *causes, **kwargs):
    return plan(store, M[3], report=report_for(*causes), **kwargs)


def test_alias_cause_rolls_back_to_the_last_good_version(history):
    result = _plan(history, suspect(*ALIAS_CAUSE, previous=M[2]))
    assert result.action.value == "rollback-alias" and result.roll_back
    assert result.target.model == M[2]
    assert result.target.run == "run:r2" and result.target.commit == C[2]
    assert [use.ref for use in result.target.datasets] == [H1, R1]
    assert S1 in result.target.configs and S2 not in result.target.configs
    move = result.mechanism
    assert (move.model, move.alias, move.from_version, move.to_version) == (
        "recsys",
        "champion",
        "3",
        "2",
    )
    assert move.python() == (
        'MlflowClient("sqlite:///mlflow.db").set_registered_model_alias("recsys", "champion", "2")'
    )
    assert result.undo[0].endswith('set_registered_model_alias("recsys", "champion", "3")')
    assert result.skipped == [{"model": M[4], "why": result.skipped[0]["why"]}]
    assert "never served" in result.skipped[0]["why"]
    assert any("served from 2026-11-05" in line for line in result.known_good)


def test_relative_sqlite_registry_is_made_absolute_against_the_project(history, tmp_path):
    result = _plan(history, suspect(*ALIAS_CAUSE), root=tmp_path)
    assert result.mechanism.tracking_uri == f"sqlite:///{(tmp_path / 'mlflow.db').resolve()}"


def test_code_cause_skips_every_version_built_on_it(history):
    """recsys/2 was trained from C2 itself; nothing later lacks it: recsys/1 is the target."""
    result = _plan(history, suspect(C[2], "code", "feature-code-bug"))
    assert result.target.model == M[1]
    assert {"model": M[2], "why": f"its lineage carries {C[2]}"} in result.skipped
    assert result.mechanism.to_version == "1"


def test_a_version_named_by_an_incident_is_not_a_target(history):
    history.upsert(
        [Node.make("incident:INC-0", {"title": "old"}, t(6))],
        [Edge(M[2], "incident:INC-0", EdgeKind.AFFECTED, {}, t(6))],
    )
    result = _plan(history, suspect(*ALIAS_CAUSE))
    assert result.target.model == M[1]
    assert {"model": M[2], "why": "named by incident:INC-0"} in result.skipped


def test_training_data_cause_rolls_back_and_pins_the_data_for_the_next_retrain(history):
    result = _plan(history, suspect(R2, "data-schema", "upstream-schema-change", previous=R1))
    assert result.action.value == "rollback-alias" and result.target.model == M[2]
    cause = result.causes[0]
    assert cause.fixed_by_rollback and cause.still_current and cause.side == "training"
    assert cause.remedy.value == "data-pin"
    assert any(book.id == "data-pin" for book in result.runbooks)
    assert any(
        item.startswith(f"data-pin for {R2} before the next retrain") for item in result.follow_ups
    )
    ratings = next(check for check in result.compatibility if check.dataset == "ratings")
    assert (ratings.target_version, ratings.current_version) == (R1, R2)
    assert ratings.missing_columns == ["rating"] and ratings.added_columns == ["stars"]
    assert not ratings.compatible and not result.compatible
    assert any("made from ratings with columns" in warning for warning in result.warnings)


def test_eval_data_cause_is_not_fixed_by_a_model_rollback(history):
    result = _plan(history, suspect(H2, "eval-data", "eval-set-change", previous=H1))
    assert result.action.value == "data-pin" and not result.roll_back
    assert result.mechanism is None and result.target is None
    assert result.reason.startswith("A model rollback will not fix it")
    assert result.causes[0].side == "evaluation" and not result.model_rollback_fixes
    assert any(H1 in line and "re-baseline" in line for line in result.verification)
    assert [book.id for book in result.runbooks] == ["data-pin"]
    assert result.runbooks[0].steps, "the steps come from the data-pin runbook card"


def test_serving_config_found_from_the_graph_is_not_fixed_by_a_model_rollback(history):
    """The suspect says only `config`; the file names the model and its alias: serving."""
    result = _plan(history, suspect(S2, "config", "training-serving-skew", previous=S1))
    assert result.action.value == "config-revert" and not result.roll_back
    assert result.causes[0].side == "serving"
    assert "serving configuration" in result.reason
    assert [book.id for book in result.runbooks] == ["config-revert", "canary-rollout"]
    assert f"back to {S1}" in result.runbooks[0].why
    assert [step.weight for step in result.canary] == [5, 25, 100]
    assert "model:recsys/2's recorded 0.31" in result.canary[0].gates[0]


def test_no_lineage_cause_says_do_not_roll_back(history):
    report = report_for(verdict=NO_LINEAGE_CAUSE)
    result = plan(history, M[3], report=report)
    assert result.action.value == "none" and not result.roll_back
    assert result.reason.startswith("Do not roll back")
    assert result.mechanism is None and result.canary == []
    assert any(item.startswith("rule out seed-noise") for item in result.follow_ups)


def test_nothing_safe_to_roll_back_to_means_roll_forward(history):
    """The cause is in C1, which every version descends from."""
    result = _plan(history, suspect(C[1], "code", "feature-code-bug"))
    assert result.action.value == "roll-forward" and not result.roll_back
    assert result.target is None and result.mechanism is None
    assert [book.id for book in result.runbooks] == ["roll-forward", "canary-rollout"]


def test_gates_and_trigger_come_from_the_recorded_metrics(history):
    result = _plan(history, suspect(*ALIAS_CAUSE))
    # served runs before recsys/3: 0.300 then 0.310, one move of 3.3%: too few, 5% default
    assert result.noise.width == pytest.approx(0.31 * 0.05)
    first = result.canary[0]
    assert first.weight == 5 and "ndcg_at_10 >= 0.2945" in first.gates[0]
    assert "p95_latency_ms <= 50" in first.gates[1]
    assert any("the trigger is met" in line for line in result.trigger)
    assert any("incident commander decides" in line for line in result.trigger)


def test_forced_target_is_validated(history):
    report = report_for(suspect(C[2], "code", "feature-code-bug"))
    with pytest.raises(UsageError, match="carries the cause"):
        plan(history, M[3], to="recsys/2", report=report)
    with pytest.raises(UsageError, match="bad version itself"):
        plan(history, M[3], to="recsys/3", report=report)
    with pytest.raises(UsageError, match="not a model version"):
        plan(history, M[3], to=R1, report=report)
    forced = plan(history, M[3], to="recsys/1", report=report)
    assert forced.target.model == M[1] and forced.roll_back


def test_forced_target_that_never_served_is_a_warning(history):
    result = _plan(history, suspect(*ALIAS_CAUSE), to="recsys/4")
    assert result.target.model == M[4]
    assert any("never served" in warning for warning in result.warnings)


def test_forced_target_of_another_model_is_refused(history):
    history.upsert([Node.make("model:ranker/1", {"name": "ranker", "version": "1"}, t(1))])
    with pytest.raises(UsageError, match="version of ranker, not of recsys"):
        _plan(history, suspect(*ALIAS_CAUSE), to="model:ranker/1")


def test_json_shape_and_digest(history):
    data = _plan(history, suspect(*ALIAS_CAUSE)).to_json()
    assert list(data) == [
        "kind", "format", "created_at", "bad", "model", "incident", "verdict", "action",
        "roll_back", "reason", "model_rollback_fixes", "symptom", "trigger", "causes", "target",
        "known_good", "skipped", "compatibility", "mechanism", "takes_effect", "noise_band",
        "canary", "canary_how", "abort", "verification", "communication", "undo",
        "keep_for_postmortem", "follow_ups", "runbooks", "warnings", "digest",
    ]  # fmt: skip
    assert data["kind"] == "agentops.rollback-plan" and data["format"] == 1
    assert data["digest"] == plan_digest(data)
    assert data["mechanism"]["kind"] == "alias-move"
    assert data["target"]["service"]["served"] is True
    changed = {**data, "mechanism": {**data["mechanism"], "to_version": "1"}}
    assert plan_digest(changed) != data["digest"]


def test_markdown_has_every_section(history):
    text = _plan(history, suspect(R2, "data-schema", "upstream-schema-change")).to_markdown()
    for heading in (
        "# Rollback plan: model:recsys/3", "## Trigger and decision", "## Target",
        "### Why it is known good", "## Compatibility", "## Mechanism", "## Canary steps",
        "## Verification", "## Communication", "## How to undo", "## Keep for the postmortem",
        "## Follow-ups",
    ):  # fmt: skip
        assert heading in text
    assert "**INCOMPATIBLE**: missing rating" in text


def test_explain_is_called_when_no_report_is_given(history, monkeypatch):
    calls = []

    def fake_explain(store, bad, **kwargs):
        calls.append(bad)
        return report_for(suspect(*ALIAS_CAUSE))

    import agentops.analysis.rootcause as rootcause

    monkeypatch.setattr(rootcause, "explain", fake_explain)
    result = plan(history, "incident:INC-1")
    assert calls == ["incident:INC-1"] and result.target.model == M[2]


def test_unknown_bad_model_is_a_clear_error(history):
    report = report_for(suspect(*ALIAS_CAUSE))
    report.bad = "model:recsys/99"
    from graph.errors import RefError

    with pytest.raises(RefError, match="recsys/99 is not in the graph"):
        plan(history, "model:recsys/99", report=report)


def test_forcing_a_rollback_that_does_not_fix_it_warns(history):
    result = _plan(history, suspect(S2, "serving-config", "training-serving-skew"), to="recsys/2")
    assert result.roll_back and result.target.model == M[2]
    assert any("a model rollback will not fix it" in warning for warning in result.warnings)


def test_a_config_naming_the_model_is_serving_only_for_a_serving_failure_mode(history):
    """The same file judged as a hyperparameter regression: the trained model carries it."""
    result = _plan(history, suspect(S2, "config", "config-regression", previous=S1))
    assert result.roll_back and result.causes[0].side == "training"
    assert result.causes[0].remedy.value == "config-revert"
