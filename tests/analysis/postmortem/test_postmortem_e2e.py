"""End to end on fixture projects: a real git repository, MLflow store and incident file, synced
into a lineage store, then `agentops incident …` and `agentops postmortem` through the CLI.

Two scenarios: a commit that broke feature code (cause found) and seed noise (no change in the
lineage explains it). Each is built and synced once per module (~20 s for the first).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graph.refs import NodeKind
from graph.store import LineageStore, open_store
from tests.analysis.postmortem.conftest import headings, section, table_rows

Run = Callable[..., Any]  # (*args) -> CliResult(code, out, err)


@pytest.fixture(scope="module")
def synced(
    tmp_path_factory: pytest.TempPathFactory, fixture_base: Any
) -> Iterator[Callable[[str], Any]]:
    """`synced(scenario)` -> (project root, ground truth, store), built and synced once.

    Its own copies (these tests open and close incidents), from the session's shared base.
    """
    from agentops.settings import load_settings
    from agentops.sync import sync_project
    from fixtures import build_project

    cache = fixture_base
    projects: dict[str, tuple[Path, dict, LineageStore]] = {}

    def get(scenario: str) -> tuple[Path, dict, LineageStore]:
        if scenario not in projects:
            root = tmp_path_factory.mktemp(f"pm-{scenario}") / "project"
            built = build_project(root, scenario, cache=cache)
            settings = load_settings(built.root)
            store = open_store(settings.db_url)
            outcomes = sync_project(settings, store)
            assert all(o.ok for o in outcomes), [(o.source, o.problems) for o in outcomes]
            truth = json.loads(built.ground_truth_path.read_text())
            projects[scenario] = (built.root, truth, store)
        return projects[scenario]

    yield get
    for _, _, store in projects.values():
        store.close()


@pytest.fixture
def scenario(request: pytest.FixtureRequest, synced, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    root, truth, store = synced(request.param)
    monkeypatch.chdir(root)
    return root, truth, store


@pytest.fixture
def cli_store(scenario) -> LineageStore:  # noqa: ANN001
    return scenario[2]


def people(store: LineageStore) -> set[str]:
    """Everyone the graph names: commit authors, run users, who promoted."""
    names: set[str] = set()
    for node in store.find(NodeKind.COMMIT):
        names.add(str((node.attrs.get("author") or {}).get("name", "")))
    for node in store.find(NodeKind.RUN):
        names.add(str(node.attrs.get("user") or ""))
    for node in store.find(NodeKind.MODEL):
        names.add(str((node.attrs.get("tags") or {}).get("promoted_by") or ""))
    return {name for name in names if name and "bot" not in name}


@pytest.mark.parametrize("scenario", ["feature-code-bug"], indirect=True)
def test_incident_to_postmortem_names_the_true_cause(
    agentops: Run,
    scenario,  # noqa: ANN001
    library,  # noqa: ANN001
) -> None:
    root, truth, store = scenario
    incident = truth["incident"]
    listed = agentops("incident", "list", "--json")
    assert [i["ref"] for i in listed.json()["incidents"]] == [incident]

    out = root / "postmortem.md"
    result = agentops("postmortem", incident, "--out", str(out))
    assert result.code == 0, result.err
    text = out.read_text()

    template = list(library.get("postmortem-template").sections)
    assert [title for tag, title in headings(text) if tag == "h2"] == template
    [cause] = truth["causes"]
    causes = section(text, "Root causes")
    assert f"### 1. `{cause['ref']}`" in causes
    assert f"**Failure mode:** `{cause['card']}`" in causes
    assert re.search(r"\*\*Lineage path:\*\* `" + re.escape(cause["ref"]) + r"`.*`"
                     + re.escape(incident) + "`", causes)  # fmt: skip

    rows = table_rows(section(text, "Timeline"))
    times = [datetime.strptime(row[0], "%Y-%m-%d %H:%M") for row in rows]
    assert times == sorted(times)
    bad = truth["bad"]
    assert any(row[2] == bad and row[1].startswith("promoted to production") for row in rows)
    assert any(row[2] == truth["good"] and row[1].startswith("promoted") for row in rows)
    assert any(row[2] == cause["ref"] and "(root cause)" in row[1] for row in rows)
    assert rows[-1][2] == incident and rows[-1][1].startswith("incident opened")

    for person in people(store):  # blameless: the graph knows who, the postmortem does not say
        assert person not in text, person

    # the lines the cause changed, as git shows them, and every ruled-out change with its reason
    shown = subprocess.run(
        ["git", "show", "--format=", "-U1", cause["ref"].removeprefix("commit:")],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    diff = causes.split("```diff\n", 1)[1].split("\n```", 1)[0].splitlines()
    changed = [line for line in diff[2:] if line]  # after the `--- path` and `@@` lines
    assert any(line.startswith("+") for line in changed)
    assert all(line in shown for line in changed)
    why = agentops("why", incident, "--json").json()
    ruled_out = causes.split("Ruled out: changes in the window that cannot reach the model:")[1]
    assert why["ruled_out"]
    for change in why["ruled_out"]:
        assert f"`{change['ref']}`" in ruled_out
        assert change["relevance"]["reason"] in ruled_out

    closed = agentops(
        "incident", "close", incident, "--resolution", f"moved champion back to {truth['good']}"
    )
    assert closed.code == 0, closed.err
    record = json.loads((root / "incidents" / f"{incident.split(':')[1]}.json").read_text())
    assert record["resolution"] == f"moved champion back to {truth['good']}"
    after = agentops("postmortem", incident)
    assert f"> moved champion back to {truth['good']}" in section(after.out, "Resolution")
    assert table_rows(section(after.out, "Timeline"))[-1][1].startswith("incident closed")
    assert agentops("incident", "list", "--json").json()["incidents"] == []

    opened = agentops("incident", "open", "--model", bad, "--symptom", "recall fell too", "--json")
    assert opened.code == 0, opened.err
    new = opened.json()["ref"]
    assert (root / "incidents" / f"{new.split(':')[1]}.json").is_file()
    again = agentops("postmortem", new)
    assert again.code == 0 and f"### 1. `{cause['ref']}`" in section(again.out, "Root causes")


@pytest.mark.parametrize("scenario", ["seed-noise"], indirect=True)
def test_no_lineage_cause_postmortem_blames_no_change(agentops: Run, scenario) -> None:  # noqa: ANN001
    _, truth, _ = scenario
    assert truth["verdict"] == "no-lineage-cause"
    result = agentops("postmortem", truth["incident"])
    assert result.code == 0, result.err
    assert "**No change in the lineage explains the symptom.**" in section(
        result.out, "Root causes"
    )
    assert "### 1." not in section(result.out, "Root causes")
    rows = table_rows(section(result.out, "Timeline"))
    assert any(r[2] == truth["bad"] and r[1].startswith("promoted to production") for r in rows)
