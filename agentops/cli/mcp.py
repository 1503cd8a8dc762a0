"""`agentops mcp [--http [--port P]] [-C DIR]`: serve the project's read-only tools over MCP.

Registered by the main CLI with `app.command(cls=McpCommand)(mcp)`. The SDK is imported only
inside the command; `--help` lists the tools from the registry, which is cheap to import.
"""

from __future__ import annotations

from typing import Annotated

import click
import typer
from typer.core import TyperCommand

from agentops.cli.context import state
from agentops.errors import AgentOpsError

DEFAULT_PORT = 8765


class McpCommand(TyperCommand):
    """The command's help ends with the tools a client will see (read from the registry)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from agentops.agent.tools import default_registry

        with formatter.section("Tools (all read-only; descriptions and schemas go to the client)"):
            formatter.write_text(", ".join(default_registry().names))
        with formatter.section("Resources and prompts"):
            formatter.write_dl(
                [
                    ("agentops://knowledge/<id>", "a knowledge card, as Markdown"),
                    ("agentops://incident/<id>", "an incident, as fenced data"),
                    ("investigate-incident", "prompt: why, evidence, card, rollback plan"),
                    ("review-change", "prompt: production readiness of a change"),
                ]
            )


def mcp(
    ctx: typer.Context,
    http: Annotated[
        bool, typer.Option("--http", help="Serve streamable HTTP on 127.0.0.1 instead of stdio.")
    ] = False,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="HTTP port (0: any free one).")
    ] = DEFAULT_PORT,
) -> None:
    """Serve this project's lineage and knowledge to coding agents over MCP (stdio by default).

    The project is the one of the current folder, or of `agentops -C DIR mcp`.
    """
    from agentops.mcp.server import bind, http_url, log, make_server, serve_http, serve_stdio

    project = state(ctx).project  # closed with the command (the CLI closes its state)
    server = make_server(project)
    if not http:
        serve_stdio(server)
        return
    try:
        sock = bind(port)
    except OSError as exc:
        raise AgentOpsError(
            f"--port {port}: cannot listen on 127.0.0.1 ({exc.strerror or exc})",
            hint="pick another port, or --port 0 for any free one",
        ) from None
    log(f"serving {project.settings.root} at {http_url(sock)}")
    try:
        serve_http(server, sock)
    finally:
        sock.close()
