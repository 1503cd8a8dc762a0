"""Issue 18's right context: the default incident is the newest open one; a --good newer than
BAD is refused; with nothing earlier the report says so; `why --as-of` analyses as of that
time; the postmortem has one go-live per version, judges detection only on evidence, and every
command it prints runs."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.analysis.postmortem.conftest import section, table_rows
from tests.cli.conftest import run


def test_the_default_incident_is_the_newest_open_one(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    opened = ["incident", "open", "--model", "recsys/1", "--symptom", "later, then fixed"]
    code, out, _ = run(capsys, *opened, "--at", "2026-11-20T00:00:00Z")
    assert code == 0 and out.strip() == "incident:INC-2"  # newer than the open INC-1
    assert run(capsys, "incident", "close", "INC-2", "--resolution", "rolled back")[0] == 0
    code, out, _ = run(capsys, "ask", "why did the model get worse?")
    assert code == 0
    assert (
        "No ref in the question, so I looked at the newest open incident, `incident:INC-1`" in out
    )


@pytest.fixture
def scenario_root(
    synced_scenario: Callable, monkeypatch: pytest.MonkeyPatch
) -> Path:  # the session's synced project, only read here
    built, _ = synced_scenario("feature-code-bug")
    monkeypatch.chdir(built.root)
    monkeypatch.delenv("AGENTOPS_DB_URL", raising=False)
    return built.root


def test_a_good_newer_than_bad_is_a_usage_error(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "why", "recsys/9", "--good", "recsys/10")
    assert code == 2 and out == ""
    assert err.startswith("error: --good model:recsys/10 is newer than model:recsys/9\n")
    code, _, err = run(capsys, "why", "recsys/9", "--good", "recsys/9")
    assert code == 2 and "is BAD itself" in err


def test_with_no_earlier_version_the_report_says_so(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "why", "recsys/1")
    assert code == 0
    assert "no earlier version to compare with" in out
    assert "no change in the lineage explains this" not in out


def test_why_as_of_analyses_the_graph_as_it_was(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """recsys/1 breaks after recsys/2's incident: today nothing earlier is healthy, but as of
    the day after that incident recsys/1 was still the good version."""
    later = ["incident", "open", "--model", "recsys/1", "--symptom", "it broke too"]
    assert run(capsys, *later, "--at", "2026-11-10T00:00:00Z")[0] == 0
    code, out, _ = run(capsys, "why", "recsys/2", "--json")
    assert code == 0 and json.loads(out)["good"] is None
    code, out, _ = run(capsys, "why", "recsys/2", "--as-of", "2026-11-05T00:00:00Z", "--json")
    report = json.loads(out)
    assert code == 0 and report["good"] == "model:recsys/1"
    assert (
        "as of 2026-11-05T00:00:00+00:00: versions registered after it were left out"
        in (report["notes"])
    )
    code, _, err = run(capsys, "why", "recsys/2", "--as-of", "2026-11-01T00:00:00Z")
    assert code == 2 and "model:recsys/2 did not exist yet at 2026-11-01" in err


def test_why_fits_100_columns_and_counts_what_it_left_out(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "why", "INC-1003")
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    shown = re.search(r"(\d+) more suspect\(s\) not shown \(showing 5 of (\d+)\)", out)
    assert shown and int(shown[1]) + 5 == int(shown[2])
    assert "--all shows every one" in out
    code, everything, _ = run(capsys, "why", "INC-1003", "--all")
    assert "not shown" not in everything and f"│ {shown[2]} " in everything


def test_lineage_show_renders_metrics_readably_within_100_columns(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_run = json.loads(run(capsys, "why", "INC-1003", "--json")[1])["bad_run"]
    code, out, _ = run(capsys, "lineage", "show", bad_run)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    assert re.search(r"│ metrics\s+│ \w+  [\d.,]+\s+│", out)  # one line per metric
    assert re.search(r"│\s+│ ndcg_at_10  0\.09\d+\s+│", out)
    assert '{"' not in out and "null" not in out  # no raw JSON


def test_the_postmortem_has_one_go_live_and_runnable_commands(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, _ = run(capsys, "postmortem", "INC-1003")
    assert code == 0
    timeline = table_rows(section(text, "Timeline"))
    went_live = [row for row in timeline if row[2] == "model:recsys/10" or "serves" in row[1]]
    assert [row[1] for row in went_live if "registered" not in row[1]] == [
        "promoted to production (registry tag promoted_at)"
    ]
    lessons = section(text, "Lessons learned")
    well = lessons[lessons.index("What went well") : lessons.index("What went wrong")]
    assert "Detection" not in well
    assert "it served for 23 h 40 min before the incident was opened" in lessons
    block = re.search(r"Reproduce the analysis:\n\n```sh\n(.*?)```", text, re.S)
    assert block is not None
    commands = [shlex.split(line) for line in block[1].splitlines()]
    assert len(commands) >= 5 and all(words[0] == "agentops" for words in commands)
    for words in commands:
        code, _, err = run(capsys, *words[1:])
        assert code == 0, (words, err)


def test_plans_and_checklists_open_with_a_summary_in_plain_sentences(
    scenario_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, plan, _ = run(capsys, "rollback", "plan", "INC-1003")
    assert code == 0
    decision = plan.splitlines()[2]
    assert decision.startswith(
        "**Roll back the model (alias move).** Roll back recsys from version 10 to version 9. "
        "It undoes commit "
    )
    assert "(feature-code-bug): the target was built" in decision
    assert plan.index("## In short") < plan.index("## Trigger and decision")
    assert "- do: alias champion of model recsys: version 10 → version 9" in plan
    code, checklist, _ = run(capsys, "checklist", "suggest", "INC-1003")
    assert code == 0 and checklist.splitlines()[2].startswith("**In short:** ")
    assert "test(s) would have caught this (`" in checklist.splitlines()[2]


def test_ask_renders_markdown_on_a_terminal_and_streams_plain_text_when_piped(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    code, piped, _ = run(capsys, "ask", "what fed recsys/2?")
    assert code == 0 and "**offline stub model**" in piped  # the text as written
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, shown, _ = run(capsys, "ask", "what fed recsys/2?")
    assert code == 0 and "offline stub model" in shown
    assert "**" not in shown and "`dataset:" not in shown  # rendered, not raw Markdown
    assert "\x1b[" in shown  # styled for the terminal
