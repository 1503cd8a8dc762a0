"""The chat's parts that need no screen: command parsing and completion, the lineage levels,
the header's text, and what the chat imports."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentops.errors import UsageError
from agentops.project import Project
from agentops.settings import load_settings
from agentops.tui.commands import SLASH_COMMANDS, SlashSuggester, complete_ref, help_markdown, parse
from agentops.tui.header import short_backend, short_db
from agentops.tui.lineage_levels import children, load_tree
from agentops.tui.session import ChatSession
from graph.store import LineageStore

ROOT = Path(__file__).resolve().parents[2]


def test_parse_reads_commands_and_arguments() -> None:
    invocation = parse("  /diff recsys/9 'model:recsys/10'  ")
    assert invocation.command.name == "diff"
    assert invocation.args == ("recsys/9", "model:recsys/10")
    assert invocation.text == "/diff recsys/9 'model:recsys/10'"
    assert parse("/checklist").args == ()
    assert parse("/CHECKLIST model:recsys/7").args == ("model:recsys/7",)


@pytest.mark.parametrize(
    ("line", "message", "hint"),
    [
        ("/lineag x", "unknown command /lineag", "did you mean /lineage?"),
        ("/frobnicate", "unknown command /frobnicate", "type /help for the commands"),
        ("/why", "usage: /why REF", "rank the suspects"),
        ("/diff a", "usage: /diff A B", "what differs"),
        ("/clear now", "usage: /clear", "start a new conversation"),
        ("/why 'open", "cannot read", "close the quote"),
    ],
)
def test_parse_refuses_what_it_cannot_run(line: str, message: str, hint: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse(line)
    assert caught.value.message.startswith(message)
    assert hint in caught.value.hint


def test_every_command_is_in_the_help() -> None:
    text = help_markdown([("escape", "cancel")])
    for command in SLASH_COMMANDS:
        assert f"`{command.usage}`" in text
    assert "`escape` — cancel" in text
    assert {c.name for c in SLASH_COMMANDS} == {
        "why", "lineage", "diff", "impact", "checklist", "rollback", "postmortem", "export",
        "model", "clear", "help",
    }  # fmt: skip


REFS = ["model:recsys/1", "model:recsys/10", "incident:INC-1003", "dataset:ratings@abc123"]


def test_complete_ref_keeps_the_typed_form() -> None:
    assert complete_ref("recsys/1", REFS) == "recsys/10"  # recsys/1 itself is complete
    assert complete_ref("model:recsys/1", REFS) == "model:recsys/10"
    assert complete_ref("INC", REFS) == "INC-1003"
    assert complete_ref("ratings@", REFS) == "ratings@abc123"
    assert complete_ref("nothing", REFS) is None


def test_suggester_completes_names_then_refs() -> None:
    suggester = SlashSuggester(lambda: REFS)

    def suggest(value: str) -> str | None:
        return asyncio.run(suggester.get_suggestion(value))

    assert suggest("/li") == "/lineage "
    assert suggest("/he") == "/help"
    assert suggest("/lineage") is None  # complete already; the space is the user's
    assert suggest("/why INC") == "/why INC-1003"
    assert suggest("/diff recsys/1 model:recsys/1") == "/diff recsys/1 model:recsys/10"
    assert suggest("/export rec") is None  # a file name, not a ref
    assert suggest("why did recsys/1") is None  # questions are not completed


def test_short_db_and_backend(tmp_path: Path) -> None:
    assert short_db(f"sqlite:///{tmp_path}/.agentops/lineage.db", tmp_path) == (
        ".agentops/lineage.db"
    )
    assert short_db("sqlite:////elsewhere/x.db", tmp_path) == "/elsewhere/x.db"
    assert short_db("postgresql+psycopg://ops:s3cret@db:5432/lineage", tmp_path) == (
        "postgresql+psycopg://ops:***@db:5432/lineage"
    )
    assert short_backend("stub (offline: ANTHROPIC_API_KEY is not set)") == "stub (offline)"
    assert short_backend("anthropic claude-sonnet-5-5") == "anthropic claude-sonnet-5-5"


def test_lineage_levels_follow_data_not_history(
    sqlite_store: LineageStore, sample: SimpleNamespace
) -> None:
    sqlite_store.upsert(*sample.graph())
    up = children(sqlite_store, [sample.RUN2], "upstream")[sample.RUN2]
    assert [(i.via, i.ref, i.expandable) for i in up] == [
        ("code_of", sample.C2, False),  # the git parent C1 is history, not lineage
        ("config_of", sample.CFG2, True),  # introduced by C2
        ("input", sample.MOVIES, False),
        ("input", sample.DS2, False),  # ratings v1 → v2 is history
    ]
    assert up[0].about == "tune learning rate"
    tree = load_tree(sqlite_store, sample.INCIDENT, "upstream", depth=2)
    assert tree.item.ref == sample.INCIDENT and tree.item.about == "NDCG@10 dropped"
    [deploy] = tree.children
    assert (deploy.item.via, deploy.item.ref) == ("affected", sample.DEPLOY)
    [model] = deploy.children
    assert model.item.ref == sample.M2 and model.item.expandable and model.children is None
    down = load_tree(sqlite_store, sample.DS1, "downstream", depth=5)
    assert [c.item.ref for c in down.children] == [sample.RUN1]
    assert [c.item.ref for c in down.children[0].children] == [sample.M1]
    assert not down.children[0].children[0].item.expandable  # recsys/1 was never deployed


def test_session_tells_the_model_what_the_chat_is_about(
    sqlite_store: LineageStore, sample: SimpleNamespace, tmp_path: Path
) -> None:
    sqlite_store.upsert(*sample.graph())
    session = ChatSession(Project(load_settings(tmp_path), sqlite_store), model="stub", save=False)
    assert session.choose_subject() == sample.INCIDENT  # the newest open incident
    assert session.incident == sample.INCIDENT
    assert session.question_for_model("why?") == f"why?\n\n(The chat is open on {sample.INCIDENT}.)"
    assert session.question_for_model("why did recsys/1 drop?") == "why did recsys/1 drop?"
    assert set(session.known_refs()) == {sample.M1, sample.M2, sample.INCIDENT, sample.DEPLOY}


def test_the_chat_command_module_imports_no_textual() -> None:
    probe = (
        "import sys, agentops.cli.chat, agentops.tui, agentops.tui.session, "
        "agentops.tui.lineage_levels\n"
        "print(sorted(m for m in ('textual', 'sqlalchemy', 'anthropic') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
