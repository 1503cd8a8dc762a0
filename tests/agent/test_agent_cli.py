"""`agentops ask`: streamed answer on stdout, notes on stderr, `--json` transcript, no heavy
imports with the stub. Mounted on a bare Typer app the way the main CLI mounts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from agentops.cli.ask import ask
from agentops.cli.context import state
from graph.store import open_store
from tests.agent.conftest import agent_graph

JSON_KEYS = [
    "conversation",
    "question",
    "backend",
    "model",
    "answer",
    "stop_reason",
    "turns",
    "tool_calls",
    "refs",
    "usage",
    "started_at",
    "finished_at",
]


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context, db: Annotated[str | None, typer.Option()] = None) -> None:
        state(ctx).db = db
        ctx.call_on_close(state(ctx).close)

    app.command()(ask)
    return app


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    with open_store(url) as store:
        store.upsert(*agent_graph())
    return url


def test_ask_streams_the_answer_and_notes_tool_calls_on_stderr(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(make_app(), ["--db", db_url, "ask", "what fed recsys/2?"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("_Answered by the **offline stub model** (ANTHROPIC_API_KEY")
    assert "`dataset:ratings@bbbbbbbbbbbb`" in result.stdout
    assert "answering with stub (offline: ANTHROPIC_API_KEY is not set)" in result.stderr
    assert "tool resolve_ref: ok" in result.stderr and "tool upstream: ok" in result.stderr
    assert "3 model turns, 2 tool calls" in result.stderr
    assert "tool resolve_ref" not in result.stdout  # notes stay off stdout


def test_ask_json_prints_the_transcript(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    args = ["--db", db_url, "ask", "what is the blast radius of ratings@bbbb?", "--json"]
    result = CliRunner().invoke(make_app(), [*args[:3], *args[3:]])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == JSON_KEYS
    assert data["backend"] == "stub (offline: ANTHROPIC_API_KEY is not set)"
    assert [c["name"] for c in data["tool_calls"]] == ["resolve_ref", "impact"]
    assert data["tool_calls"][1]["input"] == {"ref": "dataset:ratings@bbbbbbbbbbbb"}
    assert data["tool_calls"][1]["result"]["affected"]["incident"] == ["incident:INC-7"]
    assert data["usage"]["input_tokens"] > 0 and len(data["usage"]["per_turn"]) == data["turns"]
    assert "incident:INC-7" in data["answer"]
    with open_store(db_url) as store:  # the conversation was saved
        assert data["conversation"] in store.get_state("conversations")


def test_model_comes_from_the_project_file(db_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agentops.toml").write_text('model = "stub"\n')
    result = CliRunner().invoke(make_app(), ["--db", db_url, "ask", "what fed recsys/2?"])
    assert result.exit_code == 0, result.output
    assert "answering with stub (offline)" in result.stderr


PROBE = """
import sys, typer
sys.path.insert(0, {root!r})
from agentops.cli.ask import ask
from agentops.cli.context import state
app = typer.Typer()
@app.callback()
def root(ctx: typer.Context, db: str = None):
    state(ctx).db = db
app.command()(ask)
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    heavy = sorted({{m.split('.')[0] for m in sys.modules}} & {{'anthropic', 'mlflow', 'textual'}})
    print('HEAVY=' + ','.join(heavy), file=sys.stderr)
"""


def test_asking_the_stub_imports_no_heavy_library(db_url, tmp_path):
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE.format(root=root),
            "--db",
            db_url,
            "ask",
            "what fed recsys/2?",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stderr or done.stderr.rstrip().endswith("HEAVY=")
    assert "dataset:ratings@bbbbbbbbbbbb" in done.stdout


def test_importing_the_agent_package_is_cheap():
    code = (
        "import sys, agentops.agent as a; a.Conversation; a.make_backend('stub');"
        "import agentops.agent.tools, agentops.agent.loop, agentops.agent.backends.stub;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'anthropic','mlflow','textual'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_model_errors_are_one_line_through_the_main_cli(db_url, monkeypatch, tmp_path, capsys):
    from agentops import cli
    from tests.agent.fake_messages_api import Error, FakeMessagesAPI

    assert any(command.callback is ask for command in cli.app.registered_commands)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    overloaded = lambda body, n: Error(529, "overloaded_error", "Overloaded")  # noqa: E731
    with FakeMessagesAPI(overloaded) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
        code = cli.main(["--db", db_url, "ask", "why did INC-7 happen?"])
    captured = capsys.readouterr()
    assert code == 1
    assert "error: Anthropic API overloaded (529) after 3 retries; try again or use --model" in (
        captured.err
    )
    assert "Traceback" not in captured.err and captured.out == ""
    assert len(api.requests) == 4
