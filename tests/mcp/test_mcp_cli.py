"""`agentops mcp` as a command: its help, its bad arguments, its start-up, the README's set-up."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import anyio

from agentops.agent.tools import default_registry
from fixtures import BuiltProject
from tests.mcp.serving import agentops_mcp, stdio_session

REPO = Path(__file__).resolve().parents[2]
NEVER_IMPORTED = {"anthropic", "mlflow", "textual"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def test_help_lists_every_tool(tmp_path: Path) -> None:
    done = run(agentops_mcp("--help"), tmp_path)
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Tools (all read-only", 1)[1]
    for name in default_registry().names:
        assert re.search(rf"\b{name}\b", listed), name
    assert "agentops://knowledge/<id>" in done.stdout


def test_a_missing_project_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = run(agentops_mcp(project=tmp_path / "nope"), tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "is not a folder" in done.stderr and "Traceback" not in done.stderr


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run(agentops_mcp("--http", "--port", str(port)), tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"error: --port {port}: cannot listen on 127.0.0.1 (")
    assert lines[1] == "hint: pick another port, or --port 0 for any free one"


def imported_modules(importtime_log: str) -> set[str]:
    """Top-level names of the modules a `python -X importtime` run imported."""
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+([\w.]+)$", importtime_log, re.M)
    return {name.split(".")[0] for name in names}


def test_the_server_never_imports_a_model_sdk(served_project: BuiltProject, tmp_path: Path):
    """Not even to answer `why`: the tools need no model. Read from `-X importtime`."""
    log = tmp_path / "importtime.log"
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-c",
        "from agentops.cli import entry; entry()",
        "mcp",
    ]

    async def session() -> None:
        with log.open("w") as errlog:
            async with stdio_session(command, served_project.root, errlog) as client:
                result = await client.call_tool("why", {"bad": "recsys/10"})
                assert not result.is_error

    anyio.run(session)
    imported = imported_modules(log.read_text())
    assert {"mcp", "sqlalchemy", "agentops", "graph"} <= imported  # the log is read right
    assert imported & NEVER_IMPORTED == set()


def readme_commands() -> tuple[list[str], dict]:
    """The `claude mcp add` line's server command, and the `mcpServers` JSON entry."""
    readme = (REPO / "README.md").read_text()
    claude = next(line for line in readme.splitlines() if line.startswith("claude mcp add "))
    server = shlex.split(claude)
    server = server[server.index("--") + 1 :]
    block = re.search(r"```json\n(\{\n  \"mcpServers\".*?)```", readme, re.S)
    assert block is not None
    return server, json.loads(block.group(1))["mcpServers"]["agentops"]


def test_the_readme_commands_serve_the_project(served_project: BuiltProject) -> None:
    server, entry = readme_commands()
    folder = entry["args"].index("-C")  # the generic config names the project folder
    assert entry["args"][folder + 1] == "<your project>"
    without_folder = entry["args"][:folder] + entry["args"][folder + 2 :]
    assert server == [entry["command"], *without_folder]
    filled = {"<clone>": str(REPO), "<your project>": str(served_project.root)}
    claude = [filled.get(arg, arg) for arg in server]
    generic = [filled.get(arg, arg) for arg in [entry["command"], *entry["args"]]]
    incident = served_project.ground_truth.incident

    async def check(command: list[str], cwd: Path) -> None:
        async with stdio_session(command, cwd) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            assert names == default_registry().names
            listed = await client.call_tool("list_incidents", {"include_closed": True})
            refs = [i["ref"] for i in listed.structured_content["incidents"]]
            assert incident in refs

    # Claude Code starts the server in the project's folder; a generic client anywhere.
    anyio.run(check, claude, served_project.root)
    anyio.run(check, generic, Path.home())
