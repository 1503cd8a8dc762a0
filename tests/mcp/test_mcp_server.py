"""`agentops mcp` end to end: the real server in a subprocess, the SDK's own client, over stdio
and over streamable HTTP, on a fixture project whose root cause is known.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from agentops.agent.tools import default_registry
from fixtures import BuiltProject
from tests.mcp.serving import (
    AGENTOPS,
    agentops_mcp,
    free_port,
    http_server,
    http_session,
    stdio_session,
    text_of,
)


def truth_decoys(project: BuiltProject) -> list[str]:
    import json

    return json.loads(project.ground_truth_path.read_text())["decoys"]


async def check_the_done_list(session: Any, project: BuiltProject) -> None:
    """What issue 19 asks of either transport, in one session (each spawn costs a second)."""
    # Every registry tool, as it is, and marked read-only.
    listed = (await session.list_tools()).tools
    registry = default_registry()
    assert [tool.name for tool in listed] == registry.names
    for tool in listed:
        assert tool.input_schema == registry.get(tool.name).input_schema
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False

    # `why` on the incident names the planted cause first, as structured content and in text.
    truth = project.ground_truth
    incident = truth.incident.removeprefix("incident:")
    result = await session.call_tool("why", {"bad": incident})
    assert not result.is_error, text_of(result)
    top = result.structured_content["suspects"][0]
    assert top["ref"] in {cause.ref for cause in truth.causes}
    assert top["card"] in truth.cards
    summary, fenced = (block.text for block in result.content)
    assert summary.startswith(f"why {truth.incident}: ")
    assert "verdict cause-found" in summary
    assert fenced.startswith('<untrusted-data source="tool:why bad=')
    assert top["ref"] in fenced
    # … with the same evidence the CLI shows: why it ranks there, the lines the commit changed
    # (the server knows the project's repository), and what was ruled out with the reason.
    assert top["details"]["why_ranked"].startswith("#1: ")
    changed = [line for hunk in top["details"]["hunks"] for line in hunk["lines"]]
    assert any(line.startswith("+") for line in changed)
    ruled_out = result.structured_content["ruled_out"]
    assert ruled_out and all(set(change) == {"ref", "kind", "reason"} for change in ruled_out)
    assert {change["ref"] for change in ruled_out} <= set(truth_decoys(project))

    # A bad ref: an error result with the CLI's message; a bad type too; the server goes on.
    bad = await session.call_tool("why", {"bad": "recsys/999"})
    assert bad.is_error
    cli = subprocess.run(
        [agentops_mcp()[0], "why", "recsys/999"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1
    assert bad.content[0].text == cli.stderr.strip()
    assert bad.content[0].text.startswith("error: no node matches 'recsys/999'\nhint: ")
    wrong = await session.call_tool("upstream", {"ref": "recsys/10", "depth": "deep"})
    assert wrong.is_error
    assert wrong.content[0].text.startswith("error: upstream: depth must be a")
    unknown = await session.call_tool("rollback_apply", {"bad": "recsys/10"})
    assert unknown.is_error
    assert "there is no tool named 'rollback_apply'" in unknown.content[0].text
    again = await session.call_tool("resolve_ref", {"text": "recsys/10"})
    assert again.structured_content["ref"] == "model:recsys/10"

    # A card resource is the whole card; an unknown one is an MCP error with the CLI's message.
    card = (await session.read_resource("agentops://knowledge/feature-code-bug")).contents[0]
    assert card.mime_type == "text/markdown"
    from knowledge.library import load_library

    assert card.text == load_library().get("feature-code-bug").body
    with pytest.raises(MCPError, match="error: no knowledge card with id 'nope'"):
        await session.read_resource("agentops://knowledge/nope")
    listed_uris = {r.uri for r in (await session.list_resources()).resources}
    assert "agentops://knowledge/feature-code-bug" in listed_uris
    assert f"agentops://incident/{incident}" in listed_uris
    shown = (await session.read_resource(f"agentops://incident/{incident}")).contents[0]
    assert shown.text.startswith('<untrusted-data source="tool:show_node ref=incident:')
    assert truth.incident in shown.text

    # The prompts, with their argument resolved to a stored ref.
    prompts = (await session.list_prompts()).prompts
    assert [p.name for p in prompts] == ["investigate-incident", "review-change"]
    investigate = await session.get_prompt("investigate-incident", {"incident": incident})
    text = investigate.messages[0].content.text
    assert f"`why` with bad=`{truth.incident}`" in text
    assert "untrusted-data" in text
    review = await session.get_prompt("review-change", {"ref": "recsys/10"})
    assert "Review `model:recsys/10` for production readiness" in review.messages[0].content.text
    with pytest.raises(MCPError, match="error: no node matches 'INC-9'"):
        await session.get_prompt("investigate-incident", {"incident": "INC-9"})
    with pytest.raises(MCPError, match="needs ref"):
        await session.get_prompt("review-change", {})


def test_stdio_serves_the_tools_resources_and_prompts(served_project: BuiltProject) -> None:
    async def run() -> None:
        # Started elsewhere, pointed at the project with -C, as a client config would.
        async with stdio_session(agentops_mcp(project=served_project.root), Path.home()) as session:
            await check_the_done_list(session, served_project)

    anyio.run(run)


def test_http_serves_the_same_on_localhost(served_project: BuiltProject) -> None:
    port = free_port()
    with http_server(served_project.root, port) as url:
        assert url == f"http://127.0.0.1:{port}/mcp"

        async def run() -> None:
            async with http_session(url) as session:
                await check_the_done_list(session, served_project)

        anyio.run(run)
        # A web page the user visits cannot reach it through the browser (DNS rebinding).
        assert rejected(url, {"Host": "attacker.example"}) == (421, "Invalid Host header")
        assert rejected(url, {"Origin": "http://attacker.example"}) == (
            403,
            "Invalid Origin header",
        )


def rejected(url: str, headers: dict[str, str]) -> tuple[int, str]:
    import urllib.error
    import urllib.request

    body = b'{"jsonrpc": "2.0", "id": 1, "method": "ping"}'
    request = urllib.request.Request(
        url,
        body,
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        | headers,
    )
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    raise AssertionError("the request was served")


def test_serves_the_store_it_is_given(
    sample_store: object, store_url: str, sample: SimpleNamespace, tmp_path: Path
) -> None:
    """`--db` picks the store, SQLite or PostgreSQL, as for every command."""

    async def run() -> None:
        command = [AGENTOPS, "--db", store_url, "-C", str(tmp_path), "mcp"]
        async with stdio_session(command, tmp_path) as session:
            walked = await session.call_tool("upstream", {"ref": "recsys/2"})
            assert not walked.is_error, walked.content
            nodes = " ".join(walked.structured_content["nodes"])
            assert {sample.RUN2, sample.CFG2, sample.DS2} <= set(nodes.split())
            listed = {r.uri for r in (await session.list_resources()).resources}
            assert "agentops://incident/INC-1" in listed

    anyio.run(run)


def test_a_store_that_cannot_open_is_an_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "lineage.db"
    broken.write_text("not a database, whatever the name says")
    message = f"error: cannot open the lineage store at sqlite:///{broken}: file is not a database"

    async def run() -> None:
        command = [AGENTOPS, "--db", f"sqlite:///{broken}", "-C", str(tmp_path), "mcp"]
        async with stdio_session(command, tmp_path) as session:
            result = await session.call_tool("list_incidents", {})
            assert result.is_error
            assert result.content[0].text.startswith(message + "\nhint: ")
            with pytest.raises(MCPError, match="file is not a database"):
                await session.list_resources()
            card = await session.read_resource("agentops://knowledge/null-spike")
            assert card.contents[0].text.startswith("# ")  # the cards need no store

    anyio.run(run)
