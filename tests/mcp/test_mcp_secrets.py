"""Secrets committed to the project never leave the server, and no call changes the store.

A commit whose message carries an AWS key and a database URL with its password, and a config
version holding a password and an API key, are ingested into a copy of a fixture project; then
every tool the server lists is called on them (and the resources and prompts read). The store
does hold the secrets (so the test can fail); no result carries them; the store's content is
the same after every call as before.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import anyio

from agentops.agent.tools import default_registry
from agentops.settings import load_settings
from fixtures import BuiltProject
from graph.refs import NodeKind
from graph.store import open_store
from tests.mcp.serving import AGENTOPS, agentops_mcp, stdio_session, text_of

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
ANTHROPIC_KEY = "sk-ant-api03-" + "Zx9" * 12
DB_PASSWORD = "hunter2-prod"
URL_PASSWORD = "s3cr3tPass"
SECRETS = (AWS_KEY, ANTHROPIC_KEY, DB_PASSWORD, URL_PASSWORD)
MESSAGE = (
    "config: tracking credentials\n\n"
    f"deploy with password={DB_PASSWORD} and AWS key {AWS_KEY}\n"
    f"db: postgresql://svc:{URL_PASSWORD}@db.internal:5432/features\n"
)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Mallory", "-c", "user.email=m@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def plant_secrets(root: Path) -> tuple[str, str, str]:
    """(previous head, the secret commit's ref, its config version's ref), ingested."""
    before = git(root, "rev-parse", "HEAD")
    config = root / "configs" / "train.yaml"
    config.write_text(
        config.read_text() + f"tracking:\n  password: {DB_PASSWORD}\n  api_key: {ANTHROPIC_KEY}\n"
    )
    git(root, "commit", "-q", "-am", MESSAGE)
    sha = git(root, "rev-parse", "HEAD")
    blob = git(root, "rev-parse", "HEAD:configs/train.yaml")
    done = subprocess.run(
        [AGENTOPS, "ingest", "git"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return before, f"commit:{sha}", f"config:configs/train.yaml@{blob[:12]}"


def store_dump(root: Path) -> list[str]:
    url = load_settings(root).db_url
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return list(connection.iterdump())


def test_no_secret_in_any_result_and_no_call_changes_the_store(
    served_project: BuiltProject,
) -> None:
    root = served_project.root
    previous, commit, config = plant_secrets(root)
    with open_store(load_settings(root).db_url) as store:
        stored = store.get(commit).attrs["message"] + str(store.get(config).attrs)
        versions: dict[str, list[str]] = {}
        for node in store.find(NodeKind.DATASET):
            versions.setdefault(node.name, []).append(node.ref)
        old_data, new_data = next(refs[:2] for refs in versions.values() if len(refs) > 1)
    assert all(secret in stored for secret in SECRETS)  # the store has them: redaction must act
    incident = served_project.ground_truth.incident
    calls = {
        "resolve_ref": {"text": commit.removeprefix("commit:")[:10]},
        "show_node": {"ref": config},
        "upstream": {"ref": served_project.ground_truth.bad},
        "downstream": {"ref": commit},
        "impact": {"ref": config},
        "path": {"src": commit, "dst": config},
        "lineage_diff": {"a": previous, "b": commit},
        "code_diff": {"a": previous, "b": commit},
        "show_commit": {"ref": commit},
        "config_diff": {"a": config},
        "dataset_profile_diff": {"a": old_data, "b": new_data},
        "search_knowledge": {"query": "password credentials config"},
        "show_card": {"card_id": "config-regression"},
        "list_incidents": {"include_closed": True},
        "why": {"bad": incident},
        "suggest_checklist": {"ref": incident},
        "rollback_plan": {"bad": served_project.ground_truth.bad},
        "draft_postmortem": {"incident": incident},
    }
    assert sorted(calls) == sorted(default_registry().names)  # a new tool is checked here too
    before = store_dump(root)

    async def run() -> dict[str, str]:
        seen: dict[str, str] = {}
        async with stdio_session(agentops_mcp(), root) as session:
            for name, arguments in [*calls.items(), ("show_node", {"ref": commit})]:
                result = await session.call_tool(name, arguments)
                assert not result.is_error, (name, result.content)
                seen[f"{name} {arguments}"] = text_of(result)
            for resource in (await session.list_resources()).resources:
                seen[resource.uri] = text_of(await session.read_resource(resource.uri))
            for prompt, arguments in [
                ("investigate-incident", {"incident": incident}),
                ("review-change", {"ref": commit}),
            ]:
                seen[prompt] = text_of(await session.get_prompt(prompt, arguments))
        return seen

    seen = anyio.run(run)
    leaks = {call: s for call, text in seen.items() for s in SECRETS if s in text}
    assert leaks == {}
    assert "[REDACTED:" in seen[f"show_commit {calls['show_commit']}"]
    assert "[REDACTED:" in seen[f"config_diff {calls['config_diff']}"]
    assert store_dump(root) == before
