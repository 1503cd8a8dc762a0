"""The cards shipped with the package: all valid, complete, and consistent with the conventions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import CHANGE_TYPES, CardKind, builtin_cards, check_builtin, load_library

CONVENTIONS = Path(__file__).resolve().parents[2] / "docs" / "conventions.md"

FAILURE_MODES = [
    "upstream-schema-change", "null-spike", "feature-code-bug", "training-serving-skew",
    "covariate-drift", "concept-drift", "label-shift", "stale-data", "config-regression",
    "dependency-bump", "data-leakage", "join-bug", "eval-set-change", "wrong-model-promoted",
    "seed-noise", "latency-regression", "silent-failure", "slice-regression",
]  # fmt: skip
RUNBOOKS = [
    "rollback-alias", "canary-rollout", "data-pin", "config-revert", "feature-flag-kill",
    "roll-forward",
]  # fmt: skip
CHECKLISTS = [
    "ml-test-score", "ml-test-score-data", "ml-test-score-model", "ml-test-score-infra",
    "ml-test-score-monitoring", "checklist-matrix", "production-readiness",
]  # fmt: skip
SECTIONS = {"data": "ml-test-score-data", "model": "ml-test-score-model",
            "infra": "ml-test-score-infra", "monitoring": "ml-test-score-monitoring"}  # fmt: skip


def test_every_builtin_card_validates_with_no_problems() -> None:
    problems = check_builtin()
    assert [str(problem) for problem in problems] == []


def test_the_library_holds_exactly_the_ids_from_the_conventions() -> None:
    library = load_library()
    assert sorted(card.id for card in library.by_kind("failure-mode")) == sorted(FAILURE_MODES)
    assert sorted(card.id for card in library.by_kind("runbook")) == sorted(RUNBOOKS)
    assert sorted(card.id for card in library.by_kind("checklist")) == sorted(CHECKLISTS)
    assert [card.id for card in library.by_kind("template")] == ["postmortem-template"]
    assert all(card.builtin for card in library)


def test_conventions_doc_lists_the_same_ids_as_the_cards() -> None:
    """If docs/conventions.md changes an id, this fails until the cards follow."""
    text = CONVENTIONS.read_text(encoding="utf-8")
    section = text.split("## Failure-mode card ids", 1)[1].split("\n## ", 1)[0]
    ids = set(re.findall(r"[a-z]+(?:-[a-z]+)+", section))
    # "ml-test-score (+ one card per section: ml-test-score-data, -model, -infra, -monitoring)"
    ids |= {f"ml-test-score-{section}" for section in ("model", "infra", "monitoring")}
    assert {card.id for card in builtin_cards()} == ids


def test_change_type_vocabulary_matches_the_conventions() -> None:
    text = CONVENTIONS.read_text(encoding="utf-8")
    section = text.split("## Change types", 1)[1].split("##", 1)[0]
    assert set(re.findall(r"`([a-z-]+)`", section)) == set(CHANGE_TYPES)


def test_every_change_type_is_explained_by_some_failure_mode() -> None:
    library = load_library()
    unexplained = [ct for ct in CHANGE_TYPES if not library.for_change_type(ct)]
    assert unexplained == []


@pytest.mark.parametrize("card_id", FAILURE_MODES)
def test_failure_mode_cards_are_complete(card_id: str) -> None:
    card = load_library().get(card_id)
    assert card.kind is CardKind.FAILURE_MODE
    assert card.change_types and card.evidence and card.sources and card.checks
    assert card.prior is not None and 0 < card.prior <= 1
    assert len(card.body) > 600, "a failure mode should say how to confirm and fix it"
    assert "## Confirm it" in card.body


def test_seed_noise_says_abstain_and_explains_no_change() -> None:
    card = load_library().get("seed-noise")
    assert card.change_types == ("none",)
    assert card.remediation == ()
    assert "abstain" in card.body.lower()
    assert "no change in the lineage explains" in card.body.lower()


def test_eval_set_change_is_a_measurement_artefact_of_eval_data() -> None:
    card = load_library().get("eval-set-change")
    assert card.change_types == ("eval-data",)
    assert "measurement artefact" in card.title.lower()
    assert card.remediation == ()


def test_ml_test_score_has_28_tests_seven_per_section_with_lineage_evidence() -> None:
    library = load_library()
    total = 0
    for section, card_id in SECTIONS.items():
        card = library.get(card_id)
        assert [item.id for item in card.items] == [f"{section}-{n}" for n in range(1, 8)]
        assert all(len(item.lineage_evidence) > 30 for item in card.items)
        total += len(card.items)
    assert total == 28
    overview = library.get("ml-test-score").body
    assert "minimum of the four section sums" in overview
    assert "0.5" in overview and "1.0" in overview


def test_failure_mode_checks_resolve_to_checklist_items() -> None:
    library = load_library()
    owner, item = library.checklist_item("data-1")
    assert owner.id == "ml-test-score-data"
    assert item.title == "Feature expectations are captured in a schema"
    for card in library.by_kind("failure-mode"):
        for check in card.checks:
            assert library.has_reference(check), (card.id, check)


def test_checklist_matrix_covers_three_model_types_by_three_test_types() -> None:
    card = load_library().get("checklist-matrix")
    pairs = {(item.extra["model_type"], item.extra["test_type"]) for item in card.items}
    assert pairs == {
        (model, test)
        for model in ("ranking", "classification", "regression")
        for test in ("MFT", "INV", "DIR")
    }
    for heading in ("ranking / recommendation", "classification", "regression"):
        assert f"## Template: {heading}" in card.body


def test_production_readiness_covers_its_six_areas() -> None:
    card = load_library().get("production-readiness")
    areas = {item.id.split("-")[1] for item in card.items}
    assert areas == {"goal", "data", "model", "infra", "ops", "gov"}


def test_postmortem_template_has_the_sre_sections_in_order() -> None:
    card = load_library().get("postmortem-template")
    expected = [
        "Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection",
        "Action items", "Lessons learned", "Timeline", "Supporting information",
    ]  # fmt: skip
    assert list(card.sections) == expected
    headings = re.findall(r"^## (.+)$", card.body, re.M)
    assert [h.split(" (")[0] for h in headings] == expected
    for action_type in ("mitigate", "prevent", "process"):
        assert action_type in card.body
    assert "Blameless" in card.body
