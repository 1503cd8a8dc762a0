"""The real `agentops mcp` server, spawned as a subprocess and driven by the SDK's own client.

`stdio_session(command, cwd)` and `http_server(root)` are the two ways in; both always end the
server process.
"""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TextIO

import pytest

AGENTOPS = str(Path(sys.executable).parent / "agentops")
START_TIMEOUT = 60  # a loaded CI machine; the server itself answers in about a second


def agentops_mcp(*args: str, project: Path | None = None) -> list[str]:
    """`agentops [-C PROJECT] mcp ARGS…`."""
    folder = ["-C", str(project)] if project is not None else []
    return [AGENTOPS, *folder, "mcp", *args]


@asynccontextmanager
async def stdio_session(
    command: list[str], cwd: Path, errlog: TextIO | None = None
) -> AsyncIterator[object]:
    """An initialized `ClientSession` on `command` spawned in `cwd` (closed, process ended)."""
    from mcp import ClientSession, StdioServerParameters, stdio_client

    params = StdioServerParameters(command=command[0], args=command[1:], cwd=str(cwd))
    async with (
        stdio_client(params, errlog=errlog or sys.stderr) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@asynccontextmanager
async def http_session(url: str) -> AsyncIterator[object]:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with (
        streamable_http_client(url) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def http_server(root: Path, port: int) -> Iterator[str]:
    """`agentops mcp --http --port PORT` on `root`; yields its URL once it says it serves."""
    process = subprocess.Popen(
        agentops_mcp("--http", "--port", str(port), project=root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    threading.Thread(target=lambda: [lines.put(x) for x in process.stderr], daemon=True).start()
    try:
        seen = []
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT)
            except queue.Empty:
                pytest.fail(f"the server did not start: {seen}")
            seen.append(line)
            if "serving" in line:
                yield line.rsplit(" at ", 1)[1].strip()
                break
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def text_of(result: object) -> str:
    """Everything a client receives in a tool result or resource, as one string to search."""
    return result.model_dump_json()  # type: ignore[attr-defined]
