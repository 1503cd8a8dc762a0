"""Class 5: secrets never leave the store for a model, a report, a transcript or an export.
Twenty kinds are planted (tests/hostile/secrets.py), including the ones the redactor missed:
Azure `AccountKey=`, `redis://:password@`, `PGPASSWORD=`, `DB_PASS=`, URL passwords with `/`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentops.redact import redact_text, redact_value
from graph.store import open_store
from tests.hostile.conftest import run_agentops
from tests.hostile.secrets import PLANTED, leaked
from tests.hostile.test_store_write_edge import RUN_ID, _event


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_every_planted_kind_is_redacted_in_text_and_values(kind: str) -> None:
    line = PLANTED[kind]
    assert leaked(redact_text(line)) == []
    assert leaked(json.dumps(redact_value({"notes": line, "env": [line]}))) == []


def test_benign_text_is_left_alone() -> None:
    for text in ("pass_rate: 0.95", "http://host:8080/path@x", "mail bob@example.com"):
        assert redact_text(text) == text


def test_a_secret_typed_into_a_question_is_not_saved(project: Path) -> None:
    question = f"why does {PLANTED['pgpassword']} and {PLANTED['url-password']} fail?"
    outcome = run_agentops(project, "ask", question, "--model", "stub", "--json")
    assert outcome.code == 0, outcome.stderr
    assert leaked(outcome.stdout) == []
    with open_store(f"sqlite:///{project / '.agentops' / 'lineage.db'}") as store:
        saved = json.dumps(store.get_state("conversations"))
    assert "PGPASSWORD" in saved and leaked(saved) == []


def test_export_openlineage_redacts_stored_facets(project: Path) -> None:
    event = _event("2026-01-01T00:00:00Z")
    facet = {"_producer": "https://example.com", "_schemaURL": "https://example.com/f.json"}
    event["run"] = {
        "runId": RUN_ID,
        "facets": {"environment": {**facet, "lines": list(PLANTED.values())}},
    }
    event["job"] = {
        "namespace": "ns",
        "name": "train",
        "facets": {"sql": {**facet, "query": PLANTED["url-password"]}},
    }
    (project / "events.json").write_text(json.dumps(event))
    assert run_agentops(project, "ingest", "openlineage", "events.json").code == 0
    exported = run_agentops(project, "export", "openlineage", f"run:{RUN_ID}")
    assert exported.code == 0, exported.stderr
    assert RUN_ID in exported.stdout and leaked(exported.stdout) == []


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "graphml", "json"])
def test_lineage_exports_redact_a_secret_held_in_a_ref(project: Path, fmt: str) -> None:
    """An OpenLineage namespace may be a database URL with its password: the dataset's ref
    holds it, and every lineage format that leaves the store must not."""
    event = _event("2026-01-01T00:00:00Z")
    namespace = "postgres://etl:Sup3rS3cretPw9@db.internal:5432"
    event["inputs"] = [{"namespace": namespace, "name": "shop.orders"}]
    (project / "events.json").write_text(json.dumps(event))
    assert run_agentops(project, "ingest", "openlineage", "events.json").code == 0
    shown = run_agentops(project, "lineage", "upstream", f"run:{RUN_ID}", "--format", fmt)
    assert shown.code == 0, shown.stderr
    assert "shop.orders" in shown.stdout or "dataset" in shown.stdout
    assert "Sup3rS3cretPw9" not in shown.stdout and "REDACTED" in shown.stdout
