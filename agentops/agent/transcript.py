"""Conversations saved in the lineage store, so a postmortem can quote the investigation.

Each conversation is one value in the store's `conversations` state namespace, keyed by its id
and replaced after every answer:

    {"id": "conv-20261120T031500Z-1a2b3c", "backend": "anthropic claude-sonnet-5-5",
     "model": "claude-sonnet-5-5", "started_at": ISO, "updated_at": ISO,
     "refs": [refs the tools resolved, first seen first],
     "exchanges": [Answer.to_json(), …],          # question, tool calls, answer, usage
     "history": [turn, …]}                         # what the model saw, to resume the chat

Everything saved is what the model saw: tool results already redacted and fenced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentops.agent.messages import Turn, turn_from_json

if TYPE_CHECKING:
    from agentops.agent.loop import Conversation
    from graph.store import LineageStore

NAMESPACE = "conversations"


@dataclass(slots=True)
class Transcript:
    id: str
    backend: str
    model: str
    started_at: str
    updated_at: str
    refs: list[str] = field(default_factory=list)
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    history: list[Turn] = field(default_factory=list)

    @property
    def questions(self) -> list[str]:
        return [exchange["question"] for exchange in self.exchanges]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "backend": self.backend,
            "model": self.model,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "refs": self.refs,
            "exchanges": self.exchanges,
            "history": [turn.to_json() for turn in self.history],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            id=str(data["id"]),
            backend=str(data.get("backend", "")),
            model=str(data.get("model", "")),
            started_at=str(data.get("started_at", "")),
            updated_at=str(data.get("updated_at", "")),
            refs=list(data.get("refs", [])),
            exchanges=list(data.get("exchanges", [])),
            history=[turn_from_json(turn) for turn in data.get("history", [])],
        )

    def to_markdown(self) -> str:
        """The investigation as people read it: each question, the tools used, the answer."""
        lines = [f"### Conversation {self.id} ({self.backend})", ""]
        for exchange in self.exchanges:
            lines += [f"**Q ({exchange.get('started_at', '')}):** {exchange['question']}", ""]
            for call in exchange.get("tool_calls", []):
                args = ", ".join(f"{k}={v}" for k, v in call.get("input", {}).items())
                mark = " (error)" if call.get("is_error") else ""
                lines.append(f"- `{call['name']}({args})`{mark}")
            lines += ["", exchange.get("answer", ""), ""]
        return "\n".join(lines).rstrip() + "\n"


def transcript_of(conversation: Conversation) -> Transcript:
    exchanges = [*conversation.prior_exchanges, *(a.to_json() for a in conversation.answers)]
    return Transcript(
        id=conversation.id,
        backend=conversation.backend.label,
        model=conversation.backend.model,
        started_at=exchanges[0]["started_at"] if exchanges else "",
        updated_at=exchanges[-1]["finished_at"] if exchanges else "",
        refs=list(dict.fromkeys(ref for e in exchanges for ref in e.get("refs", []))),
        exchanges=exchanges,
        history=list(conversation.history),
    )


def save_conversation(store: LineageStore, conversation: Conversation) -> Transcript:
    """Write (or replace) the conversation's transcript in the store."""
    transcript = transcript_of(conversation)
    store.put_state(NAMESPACE, {transcript.id: transcript.to_json()})
    return transcript


def load_conversation(store: LineageStore, conversation_id: str) -> Transcript | None:
    found = store.get_state(NAMESPACE, [conversation_id]).get(conversation_id)
    return Transcript.from_json(found) if found else None


def list_conversations(store: LineageStore) -> list[Transcript]:
    """Every saved conversation, most recently updated first."""
    transcripts = [Transcript.from_json(value) for value in store.get_state(NAMESPACE).values()]
    return sorted(transcripts, key=lambda t: (t.updated_at, t.id), reverse=True)


def conversations_about(store: LineageStore, ref: str) -> list[Transcript]:
    """Conversations whose tools looked at `ref` (or whose questions name it), oldest first."""
    short = ref.split(":", 1)[-1]
    found = [
        t
        for t in list_conversations(store)
        if ref in t.refs or any(short in question for question in t.questions)
    ]
    return sorted(found, key=lambda t: (t.started_at, t.id))
