"""The chat's state and what each of its commands does, with no Textual in it.

A `ChatSession` holds the project (its store is opened on first need, so the screen paints
before SQLAlchemy loads), the model backend, the agent conversation and the ref under
discussion. Each method is one call into the project or the library (`graph`, `agentops.agent`)
and returns plain data; the app runs them in worker threads and shows what they return. The
agent's tools share the session's project, so a report the agent computed is the one the panels
show, not computed again. Expected failures raise the library's own errors (RefError,
ModelBackendError, …) for the app to show as a notification.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops.errors import UsageError

if TYPE_CHECKING:
    from agentops.agent.backends.base import Backend
    from agentops.agent.events import EventSink
    from agentops.agent.loop import Answer, Conversation
    from agentops.project import Project
    from agentops.settings import ProjectSettings
    from agentops.tui.lineage_levels import Direction, LineageBranch, LineageItem
    from graph.diff import LineageDiff
    from graph.model import Node
    from graph.queries import Subgraph
    from graph.store import LineageStore

COMPLETION_KINDS = ("model", "incident", "deploy")  # refs offered by completion from the start
TREE_DEPTH = 3  # levels of the lineage tree loaded before the user expands further


@dataclass(frozen=True, slots=True)
class ImpactResult:
    ref: str
    subgraph: Subgraph
    details: dict[str, Node]


class ChatSession:
    """Everything the chat knows; safe to call from worker threads (one answer at a time)."""

    def __init__(
        self,
        project: Project,
        backend: Backend | None = None,
        *,
        model: str | None = None,
        incident: str | None = None,
        save: bool = True,
    ) -> None:
        self.project = project
        self.backend: Backend = project.backend(model) if backend is None else backend
        self.incident_text = incident
        self.subject: str | None = None  # the ref under discussion (an incident or a model)
        self.incident: str | None = None  # the incident in scope, for the postmortem
        self.save = save
        self._conversation: Conversation | None = None

    # -- the project -------------------------------------------------------------------------------

    @property
    def settings(self) -> ProjectSettings:
        return self.project.settings

    @property
    def db_url(self) -> str:
        return self.project.db_url

    @property
    def store(self) -> LineageStore:
        """The store, opened on first use (slow: imports SQLAlchemy, checks the schema)."""
        return self.project.store

    def close(self) -> None:
        self.project.close()

    def known_refs(self) -> list[str]:
        """Refs completion offers before anything was discussed: models, incidents, deploys."""
        from graph.refs import NodeKind

        refs: list[str] = []
        for kind in COMPLETION_KINDS:
            refs += [node.ref for node in self.store.find(NodeKind(kind))]
        return refs

    def describe(self, ref: str) -> str:
        from agentops.render import summary

        node = self.store.get(ref)
        return summary(node) if node is not None else ""

    # -- what the chat is about --------------------------------------------------------------------

    def choose_subject(self) -> str | None:
        """The incident given at start (resolved), else the newest open incident, else None."""
        from agentops.analysis.incidents import open_incidents

        if self.incident_text:
            ref = self.store.resolve(self.incident_text)
        else:
            refs = open_incidents(self.store)
            ref = refs[0] if refs else None
        if ref is not None:
            self.focus(ref)
        return ref

    def focus(self, ref: str) -> None:
        """Make `ref` the subject; an incident also becomes the postmortem's incident."""
        self.subject = ref
        if ref.startswith("incident:"):
            self.incident = ref

    def _subject_or(self, text: str | None, what: str) -> str:
        if text:
            return self.store.resolve(text)
        if self.subject:
            return self.subject
        from agentops.analysis.incidents import open_incidents

        refs = open_incidents(self.store)
        if refs:
            return refs[0]
        raise UsageError(
            f"nothing to {what}: no incident or model is under discussion",
            hint="give a ref, e.g. model:recsys/7, or open the chat with --incident",
        )

    # -- the agent ---------------------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            from agentops.agent.loop import Conversation
            from agentops.agent.tools import ToolContext

            context = ToolContext(self.project)
            self._conversation = Conversation(context, self.backend, save=self.save)
        return self._conversation

    def question_for_model(self, question: str) -> str:
        """The question, plus which ref the chat is about when the question names none."""
        from agentops.agent.backends.stub.intent import ref_candidates

        if self.subject and not ref_candidates(question):
            return f"{question}\n\n(The chat is open on {self.subject}.)"
        return question

    def ask(
        self, question: str, on_event: EventSink, cancel: threading.Event | None = None
    ) -> Answer:
        return self.conversation.ask(self.question_for_model(question), on_event, cancel)

    def set_model(self, name: str) -> str:
        """Switch the model backend, keeping the conversation; returns the backend's label."""
        backend = self.project.backend(name)
        self.backend = backend
        if self._conversation is not None:
            from agentops.agent.loop import resume
            from agentops.agent.transcript import transcript_of

            old = self._conversation
            self._conversation = resume(transcript_of(old), old.context, backend)
            self._conversation.save = self.save
        return backend.label

    def clear(self) -> None:
        """Forget the conversation (the saved transcript stays in the store)."""
        self._conversation = None

    # -- commands ----------------------------------------------------------------------------------

    def explain(self, text: str | None, good: str | None = None) -> dict[str, Any]:
        """`/why`: the root-cause report of a ref (or the subject) as JSON."""
        ref = self._subject_or(text, "explain")
        report = self.project.explain(ref, good)
        if text:
            self.focus(ref)
        if report.incident and not self.incident:
            self.incident = report.incident
        return report.to_json()

    def lineage(self, text: str, direction: Direction = "upstream") -> LineageBranch:
        """`/lineage`: the ref's tree with its first levels loaded."""
        from agentops.tui.lineage_levels import load_tree

        return load_tree(self.store, self.store.resolve(text), direction, TREE_DEPTH)

    def children(self, ref: str, direction: Direction) -> list[LineageItem]:
        from agentops.tui.lineage_levels import children

        return children(self.store, [ref], direction)[ref]

    def impact(self, text: str) -> ImpactResult:
        """`/impact`: every model, deployment and incident downstream of a ref."""
        from graph.queries import impact

        ref = self.store.resolve(text)
        subgraph = impact(self.store, [ref])
        details = {node.ref: node for node in self.store.get_many([n.ref for n in subgraph.nodes])}
        return ImpactResult(ref, subgraph, details)

    def diff(self, a: str, b: str) -> LineageDiff:
        """`/diff`: what differs between the upstream lineage of two versions."""
        from graph.diff import diff

        return diff(self.store, self.store.resolve(a), self.store.resolve(b))

    def checklist(self, text: str | None) -> tuple[str, str]:
        """`/checklist`: (ref, Markdown) of the tests that would have caught it."""
        ref = self._subject_or(text, "check")
        return ref, self.project.checklist(ref).to_markdown()

    def rollback(self, text: str | None, to: str | None = None) -> tuple[str, str]:
        """`/rollback`: (ref, Markdown) of the rollback plan."""
        ref = self._subject_or(text, "roll back")
        return ref, self.project.plan_rollback(ref, to).to_markdown()

    def _incident_for_postmortem(self, text: str | None) -> str:
        if text:
            return self.store.resolve(text)
        if self.incident:
            return self.incident
        raise UsageError(
            "no incident is under discussion",
            hint="give one: /postmortem INC-1042, or open the chat with --incident",
        )

    def exchanges(self) -> list[dict[str, Any]]:
        from agentops.agent.transcript import transcript_of

        if self._conversation is None:
            return []
        return transcript_of(self._conversation).exchanges

    def postmortem(self, text: str | None) -> tuple[str, str]:
        """`/postmortem`: (incident, Markdown draft) quoting this conversation."""
        incident = self._incident_for_postmortem(text)
        return incident, self.project.postmortem(incident, conversation=self.exchanges() or None)

    def transcript_markdown(self) -> str:
        from agentops.agent.transcript import transcript_of

        if self._conversation is None or not self.exchanges():
            return "# Conversation\n\n(no questions were asked)\n"
        return transcript_of(self._conversation).to_markdown()

    def export(self, path_text: str) -> tuple[Path, str]:
        """`/export FILE`: the postmortem when an incident is in scope, else the transcript."""
        from agentops.analysis.atomic_write import write_atomic

        path = Path(path_text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if self.incident:
            _, text = self.postmortem(None)
            what = "postmortem"
        else:
            text, what = self.transcript_markdown(), "transcript"
        try:
            write_atomic(path, text)
        except OSError as exc:
            raise UsageError(
                f"cannot write {path}: {exc.strerror or exc}", hint="choose another file"
            ) from None
        return path, what
