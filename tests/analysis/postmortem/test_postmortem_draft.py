import re
from datetime import datetime
from types import SimpleNamespace

import pytest

from agentops.analysis.incidents import IncidentError, close_incident
from agentops.analysis.postmortem import draft
from agentops.analysis.rootcause.report import NO_LINEAGE_CAUSE, Suspect
from graph.store import LineageStore
from tests.analysis.postmortem.conftest import (
    cause_report,
    headings,
    parse_markdown,
    section,
    table_rows,
)


@pytest.fixture
def text(pm_store: LineageStore, library) -> str:  # noqa: ANN001
    return draft(pm_store, "INC-7", library=library, report=cause_report())


def test_every_template_section_in_order_and_no_other_heading(text: str, library) -> None:  # noqa: ANN001
    found = headings(text)
    assert found[0] == ("h1", "Postmortem: NDCG@10 down after the Monday retrain")
    sections = [title for tag, title in found if tag == "h2"]
    assert sections == list(library.get("postmortem-template").sections)
    assert [title for tag, title in found if tag not in ("h1", "h2")] == [
        "1. commit:1111111111111111111111111111111111111111 — commit changes feature code: feat: "
        "# Injected heading ``` <script>alert(1)</script> | cell | break "
        "[link](javascript:alert(1)) someone; thanks someone for the review, someone's test "
        "will pass"
    ]


def test_untrusted_text_cannot_break_the_structure(text: str) -> None:
    tokens = parse_markdown(text)
    assert not [t for t in tokens if t.type in ("html_block", "html_inline")]
    assert [t.info for t in tokens if t.type == "fence"] == ["sh"]  # only our commands block
    inline_children = [c for t in tokens if t.type == "inline" for c in (t.children or [])]
    assert not [c for c in inline_children if c.type in ("html_inline", "link_open", "image")]
    assert not re.search(r"(?<!\\)<(script|img)", text)
    assert not re.search(r"^# Injected", text, re.M)
    # a table row stays one row: the hostile `|` is escaped inside the timeline cell
    timeline = table_rows(section(text, "Timeline"))
    assert {len(row) for row in timeline} == {3}


def test_blameless_no_person_is_named(text: str, refs: SimpleNamespace) -> None:
    for person in refs.PEOPLE:
        assert person.lower() not in text.lower()
    assert "author someone" in text  # the author named in the evidence is withheld, not dropped
    for word in ("Dana", "Scully", "Fox", "Mulder", "Walter", "Skinner"):  # a name alone too
        assert not re.search(rf"\b{word}\b", text), word
    assert "thanks someone for the review" in text
    assert "test will pass" in text  # an ordinary lowercase word is kept


def test_root_causes_name_the_cause_card_evidence_and_lineage_path(
    text: str,
    refs: SimpleNamespace,
    library,  # noqa: ANN001
) -> None:
    causes = section(text, "Root causes")
    assert f"`{refs.C[1]}`" in causes
    title = library.get("feature-code-bug").title
    assert f"**Failure mode:** `feature-code-bug` — {title}" in causes
    assert "**score:** 0.91" in causes
    assert "the join key changed" in causes
    path = re.search(r"\*\*Lineage path:\*\* (.*)", causes)
    assert path is not None
    # c1 is an ancestor of the commit r-bad was trained from: reached through git history
    steps = [step.strip("`") for step in path.group(1).split(" → ")]
    assert steps == [refs.C[1], "(git history)", refs.C[3], refs.RUN_BAD, refs.BAD, refs.INCIDENT]
    assert f"`{refs.DS2}` (data-rows, score 0.10)" in causes  # checked, ranked lower


def test_impact_gives_the_metric_deltas(text: str) -> None:
    rows = table_rows(section(text, "Impact"))
    by_metric = {row[0]: row for row in rows}
    assert by_metric["ndcg_at_10"][1:5] == ["0.31", "0.22", "-29.0%", "incident"]
    assert by_metric["recall_at_10"][1:4] == ["0.4", "0.3", "-25.0%"]
    impact = section(text, "Impact")
    assert "served from 2026-11-09 09:00 UTC and is still serving" in impact


def test_timeline_is_in_time_order_and_holds_every_kind_of_event(
    text: str, refs: SimpleNamespace
) -> None:
    rows = table_rows(section(text, "Timeline"))
    times = [datetime.strptime(row[0], "%Y-%m-%d %H:%M") for row in rows]
    assert times == sorted(times)
    events = {(row[2], re.sub(r"[:(].*", "", row[1]).strip("* ")) for row in rows}
    expected = {
        (refs.C[1], "commit 1111111111 landed"),
        (refs.C[2], "commit 2222222222 landed"),
        (refs.C[3], "commit 3333333333 landed"),
        (refs.DS2, "dataset version ratings created, 41,000 rows"),
        (refs.CFG2, "config version of configs/train.yaml committed"),
        (refs.RUN_GOOD, "training run of the good version started"),
        (refs.RUN_BAD, "training run of the bad version ended"),
        (refs.GOOD, "promoted to production"),
        (refs.BAD, "promoted to production"),
        (refs.BAD, "model version registered"),
        (refs.INCIDENT, "incident opened"),
    }
    assert expected <= events, expected - events
    # one go-live per version (issue 18): the promotion, not also the alias move it made
    went_live = [row for row in rows if row[2] in (refs.BAD, refs.DEPLOY)]
    assert [row[1] for row in went_live if "registered" not in row[1]] == [
        "promoted to production (registry tag promoted_at)"
    ]
    cause_rows = [row for row in rows if "(root cause)" in row[1]]
    assert [row[2] for row in cause_rows] == [refs.C[1]]
    assert rows[-1][1].startswith("incident opened")


def test_action_items_come_from_the_cause_cards_with_types_and_owners(text: str, library) -> None:  # noqa: ANN001
    rows = table_rows(section(text, "Action items"))
    assert {row[1] for row in rows} <= {"mitigate", "prevent", "process"}
    assert {row[1] for row in rows} == {"mitigate", "prevent", "process"}
    assert all(row[2] == "TBD" and row[3] == "TBD" for row in rows)
    sources = [re.findall(r"\(([^()]+)\)$", row[0])[-1] for row in rows]
    card = library.get("feature-code-bug")
    assert set(card.checks) <= set(sources)
    assert "rollback-alias" in sources and "roll-forward" in sources
    kinds = dict(zip(sources, (row[1] for row in rows), strict=True))
    assert kinds["rollback-alias"] == "mitigate" and kinds["monitoring-3"] == "mitigate"
    assert kinds["data-7"] == "prevent" and kinds["canary-rollout"] == "process"
    order = [row[1] for row in rows]
    assert order == sorted(order, key=["mitigate", "prevent", "process"].index)


def test_trigger_detection_lessons_and_supporting_information(
    text: str, refs: SimpleNamespace
) -> None:
    trigger = section(text, "Trigger")
    assert "promoted to production on 2026-11-09 09:00 UTC" in trigger
    assert f"`{refs.RUN_BAD}`" in trigger
    detection = section(text, "Detection")
    assert "opened at 2026-11-10 08:40 UTC, 23 h 40 min after the promotion" in detection
    assert "had already logged ndcg\\_at\\_10 = 0.22" in detection  # the gate that was missing
    lessons = section(text, "Lessons learned")
    for part in ("What went well", "What went wrong", "Where we got lucky"):
        assert f"**{part}:**" in lessons
    support = section(text, "Supporting information")
    assert f"agentops why {refs.INCIDENT}" in support
    assert f"agentops lineage diff {refs.GOOD} {refs.BAD}" in support
    assert f"agentops lineage path --history {refs.C[1]} {refs.INCIDENT}" in support
    assert table_rows(support)[0][:2] == ["1", refs.C[1]]


def test_a_closed_incident_quotes_its_resolution_and_ends_the_timeline(
    pm_store: LineageStore,
    library,
    refs: SimpleNamespace,  # noqa: ANN001
) -> None:
    close_incident(
        pm_store,
        "INC-7",
        at=refs.t(10, 11),
        resolution="Moved champion back to v1.\n## Not a section\n<b>done</b> by Fox Mulder",
    )
    text = draft(pm_store, "INC-7", library=library, report=cause_report())
    assert [t for t, _ in headings(text)].count("h2") == 10
    resolution = section(text, "Resolution")
    assert "> Moved champion back to v1." in resolution
    assert "> \\## Not a section" in resolution and "&lt;b&gt;done&lt;/b&gt;" in resolution
    assert "Fox Mulder" not in text
    rows = table_rows(section(text, "Timeline"))
    assert rows[-1][0] == "2026-11-10 11:00" and rows[-1][1].startswith("incident closed")
    assert "until 2026-11-10 11:00 UTC (1 d 2 h)" in section(text, "Impact")
    assert "closed 2 h 20 min after it was opened" in section(text, "Summary")


def test_no_lineage_cause_says_so_and_takes_items_from_the_no_change_cards(
    pm_store: LineageStore,
    library,  # noqa: ANN001
) -> None:
    report = cause_report(verdict=NO_LINEAGE_CAUSE)
    for suspect in report.suspects:
        suspect.is_cause = False
    text = draft(pm_store, "INC-7", library=library, report=report)
    assert "no change in the lineage explains the symptom" in section(text, "Summary")
    assert "**No change in the lineage explains the symptom.**" in section(text, "Root causes")
    rows = table_rows(section(text, "Action items"))
    sources = {re.findall(r"\(([^()]+)\)$", row[0])[-1] for row in rows}
    none_checks = {c for card in library.for_change_type("none") for c in card.checks}
    assert none_checks and none_checks <= sources
    assert "feature-code-bug" not in section(text, "Action items")


def test_the_conversation_is_quoted_and_cannot_add_sections(
    pm_store: LineageStore,
    library,  # noqa: ANN001
) -> None:
    conversation = [
        {
            "question": "why did recsys/2 get worse?",
            "started_at": "2026-11-10T09:00:00+00:00",
            "tool_calls": [{"name": "why", "input": {"bad": "INC-7"}, "is_error": False}],
            "answer": "The feature commit.\n## Fake section\n```\nunclosed fence\n<iframe>",
        },
        {"role": "user", "text": "and the data?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Rows +2.5%, benign."}]},
    ]
    text = draft(
        pm_store, "INC-7", library=library, report=cause_report(), conversation=conversation
    )
    assert [title for tag, title in headings(text) if tag == "h2"][-1] == "Supporting information"
    assert ("h3", "Investigation (agent conversation)") in headings(text)
    support = section(text, "Supporting information")
    assert "> why did recsys/2 get worse?" in support
    assert '- tool `why(bad="INC-7")`' in support
    assert "> \\## Fake section" in support and "> \\```" in support
    assert "> Rows +2.5%, benign." in support and "**user:**" in support
    assert "<iframe>" not in text
    assert [t.info for t in parse_markdown(text) if t.type == "fence"] == ["sh"]


def test_two_causes_each_get_a_root_cause_section(
    pm_store: LineageStore,
    library,
    refs: SimpleNamespace,  # noqa: ANN001
) -> None:
    report = cause_report()
    second = Suspect(
        refs.DS2, "data-nulls", "nulls in genres", 0.8, "null-spike", ["nulls 0% → 30%"]
    )
    second.is_cause, second.rank, second.remediation = True, 2, ["data-pin"]
    report.suspects = [report.suspects[0], second, *report.suspects[2:]]
    text = draft(pm_store, "INC-7", library=library, report=report)
    h3 = [title for tag, title in headings(text) if tag == "h3"]
    assert h3[0].startswith(f"1. {refs.C[1]}") and h3[1] == f"2. {refs.DS2} — nulls in genres"
    assert f"found the 2 causes: `{refs.C[1]}` (Bug in" in section(text, "Summary")
    assert f"; `{refs.DS2}` ({library.get('null-spike').title})" in section(text, "Summary")
    assert "data-pin" in section(text, "Action items")
    assert f"consumed `{refs.DS2}`" in section(text, "Trigger")


def test_not_an_incident_is_an_error(
    pm_store: LineageStore, refs: SimpleNamespace, library
) -> None:  # noqa: ANN001
    with pytest.raises(IncidentError, match="is not an incident"):
        draft(pm_store, refs.BAD, library=library, report=cause_report())
