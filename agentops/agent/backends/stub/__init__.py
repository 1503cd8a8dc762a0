"""The offline stub model: a deterministic Backend that plans tool calls by rules.

It is what answers when there is no API key, in tests and in the demo. Like a real model it only
sees the conversation: it reads the latest question, asks for tools through the loop (resolve
the refs the question names, or find the open incident; then the tools the question needs),
and once it has their results writes the answer from them (`stub_answer`). Tool results are
read as data: nothing in them changes which tools it calls, beyond the refs and card ids the
plan is built to follow.

Turn by turn for "why did recsys/9 get worse?": resolve_ref(recsys/9) → why(bad=model:recsys/9)
→ search_knowledge(top suspect's card) → answer. Four model turns, three tool calls.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from agentops.agent.backends.base import DEFAULT_MODEL, STUB_MODEL, TextSink
from agentops.agent.backends.stub.answer import write_answer
from agentops.agent.backends.stub.intent import NEEDS_SUBJECT, Intent, classify, ref_candidates
from agentops.agent.messages import (
    AssistantTurn,
    ModelReply,
    ModelRequest,
    ToolCall,
    ToolOutcome,
    ToolResultsTurn,
    Usage,
    UserTurn,
    estimate_tokens,
)
from agentops.errors import AgentCancelled

STREAM_CHUNK = 48  # characters per streamed text delta


@dataclass(slots=True)
class Investigation:
    """What the stub knows about the current question, rebuilt from the conversation."""

    question: str
    intent: Intent
    candidates: list[str]
    done: list[tuple[ToolCall, ToolOutcome]] = field(default_factory=list)
    earlier_refs: list[str] = field(default_factory=list)
    earlier_cause: str | None = None  # the top suspect the latest earlier exchange named

    def called(self, name: str) -> bool:
        return any(call.name == name for call, _ in self.done)

    def results(self, name: str) -> list[Any]:
        """Successful results of one tool, oldest first."""
        return [o.data for call, o in self.done if call.name == name and not o.is_error]

    def errors(self) -> list[tuple[str, str]]:
        return [(call.name, str(o.data)) for call, o in self.done if o.is_error]

    @property
    def subjects(self) -> list[dict[str, Any]]:
        """Resolved refs, in question order; else the open incident the stub looked up."""
        resolved = [r for r in self.results("resolve_ref") if isinstance(r, dict) and "ref" in r]
        if resolved:
            return resolved
        if self.intent is Intent.IMPACT and self.earlier_cause and not self.candidates:
            # "what else does it affect?" right after naming a cause: "it" is the cause
            return [{"ref": self.earlier_cause, "kind": self.earlier_cause.split(":")[0]}]
        if self.earlier_refs and not self.candidates:
            return [{"ref": self.earlier_refs[0], "kind": self.earlier_refs[0].split(":")[0]}]
        for listed in self.results("list_incidents"):
            incidents = listed.get("incidents") or []
            if incidents:
                return [incidents[0]]
        return []


def read_investigation(request: ModelRequest) -> Investigation:
    turns = list(request.messages)
    last_user = max(i for i, turn in enumerate(turns) if isinstance(turn, UserTurn))
    question = turns[last_user].text  # type: ignore[union-attr]
    candidates = ref_candidates(question)
    inv = Investigation(question, classify(question, bool(candidates)), candidates)
    for turn in turns[:last_user]:  # the refs of the latest earlier exchange that had any
        if isinstance(turn, UserTurn):
            exchange_refs: list[str] = []
            exchange_cause: str | None = None
        elif isinstance(turn, ToolResultsTurn):
            for outcome in turn.results:
                exchange_refs.extend(r for r in outcome.refs if r not in exchange_refs)
                exchange_cause = exchange_cause or _top_suspect(outcome)
            inv.earlier_refs, inv.earlier_cause = exchange_refs, exchange_cause
    pending: dict[str, ToolCall] = {}
    for turn in turns[last_user + 1 :]:
        if isinstance(turn, AssistantTurn):
            pending.update((call.id, call) for call in turn.tool_calls)
        elif isinstance(turn, ToolResultsTurn):
            inv.done.extend((pending[o.call_id], o) for o in turn.results if o.call_id in pending)
    return inv


def _top_suspect(outcome: ToolOutcome) -> str | None:
    """The first-ranked suspect's ref of a root-cause result, if `outcome` is one."""
    suspects = outcome.data.get("suspects") if isinstance(outcome.data, dict) else None
    top = suspects[0] if isinstance(suspects, list) and suspects else None
    ref = top.get("ref") if isinstance(top, dict) else None
    return ref if isinstance(ref, str) and not outcome.is_error else None


def next_calls(inv: Investigation) -> list[tuple[str, dict[str, Any]]]:
    """The tools to call next, or [] when it is time to answer."""
    if inv.intent is Intent.KNOWLEDGE:
        return (
            []
            if inv.called("search_knowledge")
            else [("search_knowledge", {"query": inv.question})]
        )
    if inv.candidates and not inv.called("resolve_ref"):
        return [("resolve_ref", {"text": text}) for text in inv.candidates]
    subjects = inv.subjects
    if not subjects:
        if inv.candidates:
            return []  # the question named things the graph does not hold: say so
        if inv.intent in NEEDS_SUBJECT and not inv.called("list_incidents"):
            return [("list_incidents", {})]
        return []
    return _intent_calls(inv, [s["ref"] for s in _bad_first(subjects)])


def _bad_first(subjects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """With two versions named, the later one is the bad one (the question's subject)."""
    if (
        len(subjects) >= 2
        and subjects[0].get("at")
        and subjects[1].get("at")
        and str(subjects[0]["at"]) < str(subjects[1]["at"])
    ):
        return [subjects[1], subjects[0], *subjects[2:]]
    return subjects


def _intent_calls(inv: Investigation, refs: list[str]) -> list[tuple[str, dict[str, Any]]]:
    subject = refs[0]
    other = refs[1] if len(refs) > 1 else None
    intent = inv.intent
    if intent is Intent.DIFF and other is not None:
        if inv.called("lineage_diff"):
            return []
        return [
            ("lineage_diff", {"a": other, "b": subject}),
            ("code_diff", {"a": other, "b": subject}),
        ]
    if intent in (Intent.ROOT_CAUSE, Intent.DIFF):
        if not inv.called("why"):
            return [("why", {"bad": subject, **({"good": other} if other else {})})]
        card = _top_card(inv)
        if card and not inv.called("search_knowledge"):
            return [("search_knowledge", {"query": card.replace("-", " "), "limit": 2})]
        return []
    single = {
        Intent.LINEAGE: ("upstream", {"ref": subject, "depth": 4}),
        Intent.IMPACT: ("impact", {"ref": subject}),
        Intent.CHECKLIST: ("suggest_checklist", {"ref": subject}),
        Intent.ROLLBACK: (
            "rollback_plan",
            {"bad": subject, **({"to": other} if other else {})},
        ),
        Intent.POSTMORTEM: ("draft_postmortem", {"incident": subject}),
        Intent.SHOW: (
            "show_commit" if subject.startswith("commit:") else "show_node",
            {"ref": subject},
        ),
    }
    name, args = single[intent]
    return [] if inv.called(name) else [(name, args)]


def _top_card(inv: Investigation) -> str | None:
    for report in inv.results("why"):
        for suspect in (report or {}).get("suspects") or []:
            if isinstance(suspect, dict) and suspect.get("card"):
                return str(suspect["card"])
    return None


class StubBackend:
    """Deterministic, offline, rule-based; `reason` says why it stands in for a real model."""

    offline = True

    def __init__(self, reason: str | None = None, wanted: str = DEFAULT_MODEL) -> None:
        self.model = STUB_MODEL
        self.reason = reason
        self.wanted = wanted
        self.label = "stub (offline" + (f": {reason})" if reason else ")")

    def complete(
        self, request: ModelRequest, on_text: TextSink, cancel: threading.Event
    ) -> ModelReply:
        if cancel.is_set():
            raise AgentCancelled()
        inv = read_investigation(request)
        calls = next_calls(inv) if request.allow_tools else []
        usage = Usage(input_tokens=_prompt_tokens(request))
        if calls:
            base = len(request.messages)
            tool_calls = tuple(
                ToolCall(f"stub_{base}_{i}", name, args) for i, (name, args) in enumerate(calls)
            )
            usage.output_tokens = estimate_tokens(json.dumps([c.to_json() for c in tool_calls]))
            return ModelReply("", tool_calls, "tool_use", usage)
        text = write_answer(inv, self.reason, self.wanted)
        for start in range(0, len(text), STREAM_CHUNK):
            if cancel.is_set():
                raise AgentCancelled()
            on_text(text[start : start + STREAM_CHUNK])
        usage.output_tokens = estimate_tokens(text)
        return ModelReply(text, (), "end_turn", usage)


def _prompt_tokens(request: ModelRequest) -> int:
    """An estimate of the prompt's size, so usage accounting has something honest to show."""
    tools = json.dumps([[t.name, t.description, t.input_schema] for t in request.tools])
    turns = sum(estimate_tokens(_turn_text(turn)) for turn in request.messages)
    return estimate_tokens(request.system) + estimate_tokens(tools) + turns


def _turn_text(turn: object) -> str:
    if isinstance(turn, ToolResultsTurn):
        return "".join(result.content for result in turn.results) + turn.note
    if isinstance(turn, AssistantTurn):
        return turn.text + json.dumps([call.to_json() for call in turn.tool_calls])
    return getattr(turn, "text", "")
