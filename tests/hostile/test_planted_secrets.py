"""Secrets of 20 kinds planted wherever a project holds text — a config, a commit message, a
data cell, MLflow-shaped run params and tags, OpenLineage facets, an incident, a team card —
never reach the model (every request the real SDK sends to the local fake Messages API), the
answer, the saved transcript, a postmortem or an OpenLineage export."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from graph.store import open_store
from tests.agent.fake_messages_api import FakeMessagesAPI, Text, ToolUse
from tests.hostile.conftest import commit_files, run_agentops
from tests.hostile.secrets import PLANTED, leaked
from tests.hostile.test_store_write_edge import RUN_ID, _event

CARD_ID = "team-db-runbook"


def _plant(root: Path) -> str:
    lines = list(PLANTED.values())
    config = "db:\n  password: hunter2hunter2\nenv:\n" + "".join(
        f"  - {json.dumps(line)}\n" for line in lines
    )
    cells = "note\n" + "".join(json.dumps(line) + "\n" for line in lines)
    card = (
        (
            resources.files("knowledge")
            .joinpath("cards", "runbook", "roll-forward.md")
            .read_text(encoding="utf-8")
            .replace("id: roll-forward", f"id: {CARD_ID}")
        )
        + "\n\nConnect with:\n\n"
        + "\n".join(f"    {line}" for line in lines)
        + "\n"
    )
    sha = commit_files(
        root,
        {
            "configs/train.yaml": config,
            "data/cells.csv": cells,
            "docs/ops/team-db-runbook.md": card,
            "agentops.toml": 'knowledge = ["docs/ops"]\n',
        },
        message="connect to the feature store\n\n" + "\n".join(lines[:10]),
    )
    facet = {"_producer": "https://example.com", "_schemaURL": "https://example.com/f.json"}
    event = _event("2026-01-01T00:00:00Z")
    event["run"] = {"runId": RUN_ID, "facets": {"env": {**facet, "lines": lines}}}
    (root / "events.json").write_text(json.dumps(event))
    (root / "incidents").mkdir()
    (root / "incidents" / "INC-1.json").write_text(
        json.dumps(
            {
                "id": "INC-1",
                "title": "feature store auth failures",
                "opened_at": "2026-01-02T00:00:00Z",
                "affects": [f"run:{RUN_ID}"],
                "summary": "on-call pasted: " + " | ".join(lines),
            }
        )
    )
    mlflow_run = {
        "type": "node",
        "ref": "run:0123456789abcdef0123456789abcdef",
        "attrs": {
            "params": {f"p{i}": line for i, line in enumerate(lines)},
            "tags": {"db_password": "hunter2hunter2", "mlflow.note.content": lines[0]},
        },
    }
    (root / "runs.jsonl").write_text(json.dumps(mlflow_run) + "\n")
    for args in (
        ("ingest", "git", "."),
        ("ingest", "data", "data/cells.csv"),
        ("ingest", "openlineage", "events.json"),
        ("ingest", "incidents", "incidents"),
        ("graph", "load", "runs.jsonl"),
    ):
        outcome = run_agentops(root, *args)
        assert outcome.code == 0, (args, outcome.stderr)
    return sha


def test_no_planted_secret_leaves_the_store(project: Path) -> None:
    sha = _plant(project)
    script = [
        ToolUse(
            [
                ("show_commit", {"ref": f"commit:{sha}"}),
                ("show_node", {"ref": "config:configs/train.yaml"}),
                ("show_node", {"ref": "dataset:cells"}),
            ]
        ),
        ToolUse(
            [
                ("show_node", {"ref": "run:0123456789abcdef0123456789abcdef"}),
                ("show_node", {"ref": f"run:{RUN_ID}"}),
                ("show_node", {"ref": "incident:INC-1"}),
                ("show_card", {"card_id": CARD_ID}),
            ]
        ),
        Text("Checked the evidence."),
    ]
    question = f"why does INC-1 fail? I tried {PLANTED['db-pass']}"
    with FakeMessagesAPI(script) as api:
        asked = run_agentops(
            project,
            "ask",
            question,
            "--json",
            env={"ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": api.url},
        )
    assert asked.code == 0, asked.stderr
    sent = json.dumps(api.requests)
    assert len(api.requests) == 3 and "feature store" in sent  # the tools' results went out
    assert leaked(sent) == [], leaked(sent)
    assert leaked(asked.stdout + asked.stderr) == []
    postmortem = run_agentops(project, "postmortem", "INC-1")
    assert postmortem.code == 0, postmortem.stderr
    exported = run_agentops(project, "export", "openlineage", f"run:{RUN_ID}")
    assert exported.code == 0, exported.stderr
    with open_store(f"sqlite:///{project / '.agentops' / 'lineage.db'}") as store:
        transcripts = json.dumps(store.get_state("conversations"))
    for what, text in {
        "postmortem": postmortem.stdout,
        "export": exported.stdout,
        "transcript": transcripts,
    }.items():
        assert leaked(text) == [], (what, leaked(text))
