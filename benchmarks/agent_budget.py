"""Agent token budget: what one root-cause answer costs, per fixture scenario.

    uv run python benchmarks/agent_budget.py                      # every scenario (~2 min)
    uv run python benchmarks/agent_budget.py --scenario null-spike --scenario seed-noise
    uv run python benchmarks/agent_budget.py --synthetic           # the small test graph, ~3 s

Each scenario's project is built by `fixtures` and synced into a store. Then the Anthropic
backend — the real SDK, the real tools, the real prompts — answers "why did recsys get worse?"
against the local fake Messages API (tests/agent/fake_messages_api.py), which replays a fixed
tool plan: resolve_ref(incident) → why(bad) → search_knowledge(top card) → a ~150-word answer.
The fake server bills usage from each request the way prompt caching does (about 4 characters a
token; a prefix ending at a cache_control breakpoint is written, and read by a later request
that starts with it), so the numbers measure what we send, not what a model chooses to do.

Targets (issue 8): ≤ 6 model turns, ≤ 30,000 input tokens per answer, ≥ 70% of input tokens
read from the cache after the first turn.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agentops.agent.backends.anthropic import AnthropicBackend  # noqa: E402
from agentops.agent.backends.base import DEFAULT_MODEL  # noqa: E402
from agentops.agent.loop import Answer, Conversation  # noqa: E402
from agentops.agent.tools import ToolContext  # noqa: E402
from agentops.project import Project  # noqa: E402
from tests.agent.fake_messages_api import FakeMessagesAPI, Reply, Text, ToolUse  # noqa: E402

QUESTION = "NDCG@10 of recsys dropped after the last retrain. Why did it get worse?"
MAX_TURNS, MAX_INPUT, MIN_CACHE_SHARE = 6, 30_000, 0.70
ANSWER = (
    "The most likely cause is the change ranked first by `why`, with the evidence it lists; "
    "the other suspects are decoys (docs, tests, logging) that do not move ranking quality. "
) * 4


@dataclass
class Row:
    scenario: str
    answer: Answer

    @property
    def after_first(self) -> float:
        later = self.answer.turn_usage[1:]
        total = sum(u.total_input for u in later)
        return sum(u.cache_read_input_tokens for u in later) / total if total else 0.0

    def ok(self) -> bool:
        return (
            self.answer.turns <= MAX_TURNS
            and self.answer.usage.total_input <= MAX_INPUT
            and self.after_first >= MIN_CACHE_SHARE
        )

    def to_json(self) -> dict[str, Any]:
        usage = self.answer.usage
        return {
            "scenario": self.scenario,
            "turns": self.answer.turns,
            "tool_calls": [r.call.name for r in self.answer.tool_calls],
            "tool_errors": [r.call.name for r in self.answer.tool_calls if r.outcome.is_error],
            "input_tokens": usage.total_input,
            "output_tokens": usage.output_tokens,
            "cache_read_share_after_first_turn": round(self.after_first, 4),
            "per_turn_input": [u.total_input for u in self.answer.turn_usage],
            "ok": self.ok(),
        }


def _results_text(body: dict[str, Any]) -> str:
    return "".join(
        str(block.get("content", ""))
        for message in body["messages"]
        for block in message["content"]
        if block.get("type") == "tool_result"
    )


def plan(incident: str) -> Any:
    """The fixed tool plan, filled in from what earlier tools returned."""

    def reply(body: dict[str, Any], index: int) -> Reply:
        seen = _results_text(body)
        if index == 0:
            return ToolUse([("resolve_ref", {"text": incident})])
        if index == 1:
            ref = re.search(r'"ref":"([^"]+)"', seen)
            return ToolUse([("why", {"bad": ref.group(1) if ref else incident})])
        if index == 2:
            card = re.search(r'"card":"([a-z0-9-]+)"', seen)
            query = card.group(1).replace("-", " ") if card else "model quality dropped"
            return ToolUse([("search_knowledge", {"query": query, "limit": 2})])
        return Text(ANSWER, chunk=200)

    return reply


def measure(scenario: str, store: Any, knowledge_dirs: tuple[Path, ...], incident: str) -> Row:
    with FakeMessagesAPI(plan(incident)) as api:
        backend = AnthropicBackend(DEFAULT_MODEL, api_key="test", base_url=api.url)
        context = ToolContext(Project.for_store(store, knowledge_dirs))
        answer = Conversation(context, backend, save=False).ask(QUESTION)
    return Row(scenario, answer)


def scenario_rows(names: list[str], work: Path) -> list[Row]:
    from agentops.settings import load_settings
    from agentops.sync import sync_project
    from fixtures.build import BaseCache, build_project
    from graph.store import open_store

    cache = BaseCache()
    rows = []
    try:
        for name in names:
            started = time.perf_counter()
            root = work / name
            built = build_project(root, name, cache=cache)
            settings = load_settings(root)
            with open_store(settings.db_url) as store:
                sync_project(settings, store)
                rows.append(measure(name, store, settings.knowledge_dirs, built.incident_id))
            print(
                f"{name}: built, synced, asked in {time.perf_counter() - started:.1f}s",
                file=sys.stderr,
            )
    finally:
        cache.close()
    return rows


def synthetic_rows(work: Path) -> list[Row]:
    from graph.store import open_store
    from tests.agent.conftest import agent_graph

    with open_store(f"sqlite:///{work / 'synthetic.db'}") as store:
        store.upsert(*agent_graph())
        return [measure("synthetic (tests/agent graph)", store, (), "INC-7")]


def print_table(rows: list[Row]) -> None:
    print(
        "| scenario | model turns | tool calls | input tokens | output tokens "
        "| cache reads after turn 1 | targets |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | :---: |")
    for row in rows:
        data = row.to_json()
        errors = f" ({len(data['tool_errors'])} failed)" if data["tool_errors"] else ""
        verdict = "ok" if data["ok"] else "MISSED"
        print(
            f"| {row.scenario} | {data['turns']} | {len(data['tool_calls'])}{errors} "
            f"| {data['input_tokens']:,} | {data['output_tokens']:,} "
            f"| {data['cache_read_share_after_first_turn']:.0%} | {verdict} |"
        )
    print(
        f"\ntargets: ≤ {MAX_TURNS} turns, ≤ {MAX_INPUT:,} input tokens, "
        f"≥ {MIN_CACHE_SHARE:.0%} cache reads after the first turn"
    )


def main() -> int:
    from fixtures import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    parser.add_argument("--synthetic", action="store_true", help="the small test graph only")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentops-agent-budget-") as tmp:
        work = Path(tmp)
        rows = (
            synthetic_rows(work)
            if args.synthetic
            else scenario_rows(args.scenario or list(SCENARIOS), work)
        )
    if args.json:
        print(json.dumps([row.to_json() for row in rows], indent=2))
    else:
        print_table(rows)
    return 0 if all(row.ok() for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
