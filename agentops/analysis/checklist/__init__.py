"""`agentops checklist suggest`: the tests that would have caught a regression, and the
production-readiness items the lineage shows missing.

From a root-cause report (computed with `explain` when not given):

1. **Tests that would have caught this.** Each cause's failure-mode card names the checks that
   catch it (`checks`: ML Test Score ids such as `data-1`, CheckList matrix ids such as
   `matrix-ranking-inv`). Every named check becomes a suggestion saying which suspect it covers
   and why; data checks carry a dry run of the generated data tests on the bad version's stored
   profile (which of them would have failed). With no cause, the failure modes of change type
   `none` (noise) say what would have told noise from change.
2. **What the lineage shows missing.** The readiness rules (`checklist_rules`,
   `checklist_rules_serving`) judge ML Test Score and production-readiness items from the graph
   around the bad version; each says what it looked for and what it found.
3. **Data tests.** Expectations from the good version's profile for every input dataset of the
   bad run (`checklist_expectations`), written out as pytest by `to_pytest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops.analysis import builtin_library
from agentops.analysis.checklist import rules as checklist_rules
from agentops.analysis.checklist import serving_rules as checklist_rules_serving
from agentops.analysis.checklist.dry_run import CheckFailure, evaluate_profile
from agentops.analysis.checklist.expectations import DatasetExpectation, dataset_expectation
from agentops.analysis.checklist.facts import LineageFacts, gather
from agentops.analysis.checklist.rules import STATUS_ORDER, ReadinessItem
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE, RootCauseReport, Suspect
from graph.attributes import DataEdgeAttrs

if TYPE_CHECKING:
    from graph.store import LineageStore
    from knowledge.card import Card
    from knowledge.library import KnowledgeLibrary

DATA_CHECK_ITEMS = ("data-1", "monitoring-2")  # items the generated data tests implement
NOISE_CHANGE_TYPE = "none"
SUSPECTS_WITHOUT_CAUSE = 3
RULES = (*checklist_rules.RULES, *checklist_rules_serving.RULES)
ABSENCE_NOTE = (
    "Judged from the lineage graph only: a check that runs somewhere the graph does not ingest "
    "(a CI job, a monitoring system) shows up as missing. Each item says what was looked for."
)


@dataclass(slots=True)
class TestSuggestion:
    """A checklist test that would have caught (or tested) one or more suspects."""

    __test__ = False  # not a pytest class, whatever its name

    item: str
    title: str
    checklist: str  # the checklist card holding the item
    covers: list[str] = field(default_factory=list)  # suspect refs
    cards: list[str] = field(default_factory=list)  # failure-mode cards naming the item
    why: list[str] = field(default_factory=list)
    basis: str = "cause"  # cause | suspect
    in_place: str | None = None  # what the lineage shows: present | partial | missing | unknown
    data_checks: list[CheckFailure] = field(default_factory=list)
    command: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "title": self.title,
            "checklist": self.checklist,
            "covers": list(self.covers),
            "cards": list(self.cards),
            "why": list(self.why),
            "basis": self.basis,
            "in_place": self.in_place,
            "data_checks": [failure.to_json() for failure in self.data_checks],
            "command": self.command,
        }


@dataclass(slots=True)
class ChecklistSuggestion:
    ref: str  # what was asked about
    bad: str
    good: str | None
    verdict: str
    tests: list[TestSuggestion]
    readiness: list[ReadinessItem]
    data: list[DatasetExpectation] = field(default_factory=list)
    data_failures: list[CheckFailure] = field(default_factory=list)
    incident: str | None = None
    bad_run: str | None = None
    good_run: str | None = None
    causes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[ReadinessItem]:
        """Readiness items the lineage shows missing or only partly in place."""
        return [item for item in self.readiness if item.status in ("missing", "partial")]

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for item in self.readiness:
            counts[item.status] = counts.get(item.status, 0) + 1
        return {
            "ref": self.ref,
            "bad": self.bad,
            "good": self.good,
            "incident": self.incident,
            "verdict": self.verdict,
            "causes": list(self.causes),
            "bad_run": self.bad_run,
            "good_run": self.good_run,
            "tests": [test.to_json() for test in self.tests],
            "readiness": [item.to_json() for item in self.readiness],
            "readiness_counts": counts,
            "data_tests": {
                "datasets": [e.name for e in self.data],
                "failing_on_bad": [f.to_json() for f in self.data_failures],
                "command": self.pytest_command,
            },
            "notes": list(self.notes),
        }

    @property
    def pytest_command(self) -> str | None:
        if not self.data:
            return None
        import shlex

        return f"agentops checklist suggest {shlex.quote(self.ref)} --format pytest"

    def to_markdown(self) -> str:
        from agentops.analysis.checklist.markdown import render_markdown

        return render_markdown(self)

    def to_pytest(self, data_root: Path | None = None) -> str:
        """A standalone pytest file checking the bad run's input data (see checklist_pytest)."""
        from agentops.analysis.checklist.pytest_file import render_pytest

        source = {
            "model": self.bad,
            "run": self.bad_run,
            "good_model": self.good,
            "good_run": self.good_run,
            "incident": self.incident,
        }
        return render_pytest(self.data, source, data_root)


def suggest(
    store: LineageStore,
    ref: str,
    library: KnowledgeLibrary | None = None,
    report: RootCauseReport | None = None,
) -> ChecklistSuggestion:
    """Checklist tests and readiness gaps for a bad model version, deployment or incident."""
    if library is None:
        library = builtin_library()
    resolved = store.resolve(ref)
    if report is None:
        from agentops.analysis.rootcause import explain

        report = explain(store, resolved, library=library)
    facts = gather(store, report)
    readiness = judge_readiness(facts, library)
    data = data_expectations(facts)
    checked = {node.name: node for node, _ in facts.bad.inputs}
    failures = [f for e in data for f in evaluate_profile(e, checked.get(e.name))]
    suggestion = ChecklistSuggestion(
        ref=resolved,
        bad=report.bad,
        good=report.good,
        verdict=report.verdict,
        tests=[],
        readiness=readiness,
        data=data,
        data_failures=failures,
        incident=report.incident,
        bad_run=report.bad_run,
        good_run=report.good_run,
        causes=[s.ref for s in report.causes],
        notes=[ABSENCE_NOTE],
    )
    suggestion.tests = suggest_tests(report, library, readiness, failures, suggestion)
    if report.good is None:
        suggestion.notes.append("no good version to compare with: no data tests were derived")
    elif not data:
        suggestion.notes.append("the good version's inputs carry no stored profile: no data tests")
    # the items behind the suggested tests first, in their order; then the worst first
    order = {test.item: rank for rank, test in enumerate(suggestion.tests)}
    readiness.sort(
        key=lambda item: (
            (0, order[item.item])
            if item.item in order
            else (1, STATUS_ORDER.get(item.status, len(STATUS_ORDER)))
        )
    )
    return suggestion


# -- tests that would have caught it ---------------------------------------------------------------


def _covered_suspects(
    report: RootCauseReport, library: KnowledgeLibrary
) -> tuple[list[tuple[Suspect | None, str]], str]:
    """(suspect, card id) pairs the suggestions cover, and whether they are causes or suspects.

    Causes when there are any; else the top suspects with a card, plus — when the verdict is
    that nothing in the lineage explains it — the failure modes of change type `none` (noise).
    """
    if report.causes:
        return [(s, s.card) for s in report.causes if s.card], "cause"
    pairs: list[tuple[Suspect | None, str]] = [
        (s, s.card) for s in report.suspects[:SUSPECTS_WITHOUT_CAUSE] if s.card
    ]
    if report.verdict == NO_LINEAGE_CAUSE or not pairs:
        noise = library.for_change_type(NOISE_CHANGE_TYPE)
        pairs += [(None, card.id) for card in noise]
    return pairs, "suspect"


def suggest_tests(
    report: RootCauseReport,
    library: KnowledgeLibrary,
    readiness: list[ReadinessItem],
    failures: list[CheckFailure],
    suggestion: ChecklistSuggestion,
) -> list[TestSuggestion]:
    status = {item.item: item.status for item in readiness}
    pairs, basis = _covered_suspects(report, library)
    tests: dict[str, TestSuggestion] = {}
    for suspect, card_id in pairs:
        card = library.find(card_id)
        if card is None:
            continue
        for check in card.checks:
            test = tests.get(check)
            if test is None:
                title, holder = _item(library, check)
                test = tests[check] = TestSuggestion(
                    check, title, holder, basis=basis, in_place=status.get(check)
                )
            _cover(test, suspect, card, failures, suggestion)
    return list(tests.values())


def _item(library: KnowledgeLibrary, item_id: str) -> tuple[str, str]:
    from knowledge.errors import KnowledgeError

    try:
        card, item = library.checklist_item(item_id)
    except KnowledgeError:  # a team card naming an item no checklist defines
        return item_id, ""
    return item.title, card.id


def _cover(
    test: TestSuggestion,
    suspect: Suspect | None,
    card: Card,
    failures: list[CheckFailure],
    suggestion: ChecklistSuggestion,
) -> None:
    if card.id not in test.cards:
        test.cards.append(card.id)
    if suspect is None:
        test.why.append(
            f"{card.id} ({card.title}) names {test.item}: nothing in the lineage explains the "
            "regression, and this check tells run-to-run noise from a real change"
        )
        return
    if suspect.ref not in test.covers:
        test.covers.append(suspect.ref)
    verb = "catches" if test.basis == "cause" else "would test"
    line = f"{card.id} ({card.title}) {verb} {suspect.kind} changes like {suspect.ref}: "
    line += suspect.summary
    if suspect.evidence:
        line += f" ({suspect.evidence[0]})"
    test.why.append(line)
    if test.item in DATA_CHECK_ITEMS and suspect.ref.startswith("dataset:"):
        name = suspect.ref.removeprefix("dataset:").rsplit("@", 1)[0]
        mine = [f for f in failures if f.dataset == name and f not in test.data_checks]
        test.data_checks += mine
        if mine:
            test.why.append(
                f"the generated data tests fail on {suspect.ref}: {len(mine)} check(s), e.g. "
                f"{mine[0].check} — {mine[0].message}"
            )
        test.command = suggestion.pytest_command


# -- readiness ------------------------------------------------------------------------------------


def judge_readiness(facts: LineageFacts, library: KnowledgeLibrary) -> list[ReadinessItem]:
    """Every registered rule, reported under each item id it judges, in rule order."""
    items = []
    for readiness_rule in RULES:
        judgement = readiness_rule.judge(facts)
        for item_id in readiness_rule.items:
            title, holder = _item(library, item_id)
            items.append(
                ReadinessItem(
                    item_id,
                    title,
                    holder,
                    judgement.status,
                    readiness_rule.looked_for,
                    list(judgement.found),
                    readiness_rule.name,
                )
            )
    return items


# -- data expectations ----------------------------------------------------------------------------


def data_expectations(facts: LineageFacts) -> list[DatasetExpectation]:
    """Expectations for each input dataset of the bad run whose good-side version (same
    dataset name, read by the good run) has a stored profile; in the bad run's input order."""
    if facts.good is None:
        return []
    good_inputs = {node.name: node for node, _ in facts.good.inputs}
    out = []
    seen: set[str] = set()
    for node, attrs in facts.bad.inputs:
        if node.name in seen or node.name not in good_inputs:
            continue
        seen.add(node.name)
        expectation = dataset_expectation(
            facts.store, node.name, good_inputs[node.name], node, DataEdgeAttrs(attrs).context or ""
        )
        if expectation is not None:
            out.append(expectation)
    return out
