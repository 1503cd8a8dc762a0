"""`agentops chat`: the Textual app where the on-call engineer spends the incident.

The conversation is on the left, the context of what is discussed on the right (Lineage,
Suspects, Checklist, Rollback plan). The app only lays out and routes: what a command does is a
`ChatSession` method (one library call each, see `jobs`), run in a named worker thread; workers
report back with the typed messages of `agentops.tui.messages`, and only message handlers (here,
and in the conversation for the answer as it streams) touch widgets.

The store is opened in a worker after the first paint (SQLAlchemy takes ~0.5 s to import), so
the screen is up before the graph is. `make_app` builds the app with no side effects: tests pass
a project around their store and a backend, `agentops chat` passes the CLI's project.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Input, TabbedContent, TabPane, Tree

from agentops.errors import UsageError
from agentops.render import safe
from agentops.tui import jobs
from agentops.tui.chat_input import ChatInput
from agentops.tui.commands import (
    BY_NAME,
    Invocation,
    SlashCommandProvider,
    SlashSuggester,
    help_markdown,
    parse,
)
from agentops.tui.conversation import ConversationView
from agentops.tui.header import ChatHeader, short_db
from agentops.tui.messages import (
    AnswerDone,
    AnswerStopped,
    CommandFailed,
    DocumentReady,
    Exported,
    LineageExpanded,
    LineageLoaded,
    ModelChanged,
    ReportReady,
    ResultReady,
    StoreReady,
    SubjectChosen,
    ToolDone,
    ToolStarted,
    from_agent_event,
)
from agentops.tui.panels import CONTEXT_TABS
from agentops.tui.panels.checklist import ChecklistPanel
from agentops.tui.panels.lineage import LineagePanel, LineageTree
from agentops.tui.panels.rollback import RollbackPanel
from agentops.tui.panels.suspects import SuspectsPanel, report_summary
from agentops.tui.session import ChatSession

if TYPE_CHECKING:
    from agentops.agent.backends.base import Backend
    from agentops.project import Project
    from agentops.tui.jobs import Job

TABS = ("lineage", "suspects", "checklist", "rollback")
KEYS = (
    ("enter", "send the question or command"),
    ("up / down", "earlier lines you sent"),
    ("tab", "take the completion shown after the cursor"),
    ("escape", "cancel the running answer"),
    ("f2 … f5", "Lineage, Suspects, Checklist, Rollback plan"),
    ("space / enter", "in the tree: expand / ask about the node"),
    ("ctrl+p", "command palette"),
    ("ctrl+q", "quit"),
)


class ChatApp(App[None]):
    """The chat. Build it with `make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "agentops chat"
    COMMANDS = App.COMMANDS | {SlashCommandProvider}
    BINDINGS = [
        Binding("escape", "cancel_answer", "Cancel answer"),
        Binding("f1", "help", "Help"),
        Binding("f2", "show_tab('lineage')", "Lineage"),
        Binding("f3", "show_tab('suspects')", "Suspects"),
        Binding("f4", "show_tab('checklist')", "Checklist"),
        Binding("f5", "show_tab('rollback')", "Rollback"),
    ]

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self.session = session
        self.answering = False
        self._answer_no = 0
        self._cancel: threading.Event | None = None
        self._tool_input: dict[str, dict[str, Any]] = {}  # by call id, while the tool runs
        self._question = ""
        self._refs: list[str] = []  # what completion offers: known refs, then refs seen

    # -- layout ------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        settings = self.session.settings
        yield ChatHeader(
            settings.root.name,
            short_db(self.session.db_url, settings.root),
            self.session.backend.label,
            id="header",
        )
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield ConversationView(id="conversation")
                yield ChatInput(
                    placeholder="ask why, or type / for commands",
                    suggester=SlashSuggester(lambda: self._refs),
                    id="input",
                )
            with TabbedContent(id="context", initial=CONTEXT_TABS[0].id):
                for tab in CONTEXT_TABS:
                    with TabPane(tab.title, id=tab.id):
                        yield tab.panel(id=tab.panel_id)
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one(ChatInput).focus()
        await self.conversation.add_note(
            "agentops",
            "Ask what happened — “why did the model get worse?” — or type /help. "
            f"Answers come from {self.session.backend.label}.",
        )
        self._open_store()

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self.session.close()

    @property
    def conversation(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def chat_input(self) -> ChatInput:
        return self.query_one(ChatInput)

    def _remember_refs(self, refs: list[str]) -> None:
        known = set(self._refs)
        self._refs += [ref for ref in refs if ref not in known]

    # -- workers -----------------------------------------------------------------------------------

    def _guard(self, command: str, job: Job, quiet: bool = False) -> None:
        """Run `job` (in a worker thread) and post its messages, or what went wrong."""
        from agentops.errors import expected_errors

        try:
            messages = list(job())
        except expected_errors() as exc:
            messages = [CommandFailed(command, *_describe(exc), quiet)]
        except Exception as exc:  # noqa: BLE001 - a bug must not take the chat down
            self.log.error(f"{command or 'background work'} failed", exc)
            messages = [
                CommandFailed(command, f"unexpected {type(exc).__name__}: {exc}", "", quiet)
            ]
        for message in messages:
            self.post_message(message)

    def _background(self, name: str, command: str, job: Job, quiet: bool = False) -> None:
        """Run a job in a named worker thread of the `commands` group."""
        self.run_worker(
            partial(self._guard, command, job, quiet),
            name=name,
            group="commands",
            thread=True,
            exit_on_error=False,
        )

    @work(thread=True, exclusive=True, group="store", exit_on_error=False, name="open-store")
    def _open_store(self) -> None:
        self._guard("", partial(jobs.start, self.session))

    @work(thread=True, exclusive=True, group="agent", exit_on_error=False, name="answer")
    def _answer(
        self, to: ConversationView, answer_no: int, question: str, cancel: threading.Event
    ) -> None:
        """Ask the agent (synchronous: a thread); each event goes to the conversation as a
        message, which draws it and lets it bubble up to the app."""
        from agentops.agent.events import AnswerFailed
        from agentops.errors import expected_errors

        stopped = False

        def on_event(event: Any) -> None:
            nonlocal stopped
            stopped = stopped or isinstance(event, AnswerFailed)
            to.post_message(from_agent_event(answer_no, event))

        try:
            self.session.ask(question, on_event, cancel)
        except expected_errors() as exc:
            if not stopped:  # failed before the agent started (the store did not open)
                to.post_message(AnswerStopped(answer_no, *_describe(exc), False))
        except Exception as exc:  # noqa: BLE001 - a bug must not take the chat down
            self.log.error("the answer failed", exc)
            failure = f"unexpected {type(exc).__name__}: {exc}"
            to.post_message(AnswerStopped(answer_no, failure, "", False))

    # -- input -------------------------------------------------------------------------------------

    @on(Input.Submitted, "#input")
    async def _submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        if not line:
            return
        self.chat_input.remember(line)
        if line.startswith("/"):
            try:
                invocation = parse(line)
            except UsageError as exc:  # the input stays as typed, to fix
                self._notify_error(exc.message, exc.hint)
                return
            self.chat_input.value = ""
            await self.run_command(invocation)
            return
        if self.answering:
            self.notify("an answer is still running: Escape cancels it", severity="warning")
            return
        self.chat_input.value = ""
        await self.ask(line)

    async def ask(self, question: str) -> None:
        """Send a question to the agent; the answer streams into the conversation."""
        self._answer_no += 1
        self._set_answering(True)
        self._question = question
        self._cancel = threading.Event()
        conversation = self.conversation
        await conversation.add_user(question)
        await conversation.begin_answer(self._answer_no, self.session.backend.label)
        self._answer(conversation, self._answer_no, question, self._cancel)

    def choose_command(self, name: str) -> None:
        """From the command palette: run a command that needs no argument, else prepare it."""
        command = BY_NAME[name]
        if command.required:
            self.chat_input.value = f"/{name} "
            self.chat_input.cursor_position = len(self.chat_input.value)
            self.chat_input.focus()
            return
        self.call_later(self.run_command, Invocation(command, (), f"/{name}"))

    async def run_command(self, invocation: Invocation) -> None:
        """Run a parsed slash command: the quick ones here, the others in a worker."""
        name, line = invocation.command.name, invocation.text
        if name == "help":
            await self.action_help()
            return
        if name in ("clear", "model") and self.answering:
            self.notify("an answer is still running: Escape cancels it", severity="warning")
            self.chat_input.restore(line)
            return
        if name == "clear":
            self.session.clear()
            await self.conversation.clear()
            await self.conversation.add_note("agentops", "New conversation.")
            return
        job = jobs.for_command(self.session, invocation)
        if job is not None:
            self._background(name, line, job)

    # -- what the workers report -------------------------------------------------------------------

    def on_store_ready(self, message: StoreReady) -> None:
        self._remember_refs(message.refs)
        self.query_one(ChatHeader).set(db=short_db(message.url, self.session.settings.root))

    async def on_subject_chosen(self, message: SubjectChosen) -> None:
        self.query_one(ChatHeader).set(subject=message.ref)
        chosen = "the newest open incident" if message.picked else "from --incident"
        body = Text("Investigating ")
        body.append(safe(message.ref, 80), style="bold")
        if message.about:
            body.append(f" — {safe(message.about, 120)}")
        body.append(f" ({chosen}). Its lineage and suspects are on the right.", style="dim")
        await self.conversation.add_note("incident", body)
        session = self.session
        lineage = partial(
            jobs.lineage, session, message.ref, "upstream", announce=False, show=False
        )
        self._background("lineage", "", lineage, quiet=True)
        why = partial(jobs.why, session, None, announce=False, show=False)
        self._background("why", "", why, quiet=True)

    async def on_lineage_loaded(self, message: LineageLoaded) -> None:
        panel = self.query_one(LineagePanel)
        panel.show(message.branch, message.direction)
        self._remember_refs(self.query_one(LineageTree).refs())
        if message.show:
            self.action_show_tab("lineage")
        if message.announce:
            ref = message.branch.item.ref
            await self.conversation.add_note(
                "lineage", f"{message.direction} of {ref}: in the Lineage tab (space expands)"
            )

    def on_lineage_tree_need_children(self, message: LineageTree.NeedChildren) -> None:
        job = partial(jobs.expand, self.session, message.node_id, message.ref, message.direction)
        self._background("expand", "", job)

    def on_lineage_expanded(self, message: LineageExpanded) -> None:
        self.query_one(LineageTree).add_children(message.node_id, message.items)
        self._remember_refs([item.ref for item in message.items])

    async def on_report_ready(self, message: ReportReady) -> None:
        report = message.report
        self.query_one(SuspectsPanel).show(report)
        self._remember_refs([str(s.get("ref")) for s in report.get("suspects") or []])
        if self.session.subject:
            self.query_one(ChatHeader).set(subject=self.session.subject)
        if message.show:
            self.action_show_tab("suspects")
        if message.announce:
            await self.conversation.add_note("why", report_summary(report))

    async def on_document_ready(self, message: DocumentReady) -> None:
        if message.kind == "postmortem":
            await self.conversation.add_note(
                f"postmortem draft of {message.ref} (/export FILE writes it)",
                message.markdown,
                markdown=True,
            )
            return
        panel = self.query_one(ChecklistPanel if message.kind == "checklist" else RollbackPanel)
        await panel.show(message.ref, message.markdown)
        if message.show:
            self.action_show_tab(message.kind)
        if message.announce:
            tab = "Checklist" if message.kind == "checklist" else "Rollback plan"
            await self.conversation.add_note(
                message.kind, f"{message.kind} for {message.ref}: in the {tab} tab"
            )

    async def on_result_ready(self, message: ResultReady) -> None:
        await self.conversation.add_note(message.title, message.renderable)

    async def on_exported(self, message: Exported) -> None:
        self.notify(f"wrote the {message.what} to {message.path}", markup=False)
        await self.conversation.add_note("export", f"wrote the {message.what} to {message.path}")

    def on_model_changed(self, message: ModelChanged) -> None:
        self.query_one(ChatHeader).set(backend=message.label)
        self.notify(f"now answering with {message.label}", markup=False)

    def on_command_failed(self, message: CommandFailed) -> None:
        if message.quiet:
            self.log.warning(f"{message.command or 'background work'}: {message.message}")
            return
        self._notify_error(message.message, message.hint, message.command)
        if message.command:
            self.chat_input.restore(message.command)

    def _notify_error(self, text: str, hint: str = "", command: str = "") -> None:
        body = text + (f"\nhint: {hint}" if hint else "")
        self.notify(body, title=command or "agentops", severity="error", markup=False, timeout=8)

    # -- the answer: the conversation draws it, the app follows it ------------------------------

    def on_tool_started(self, message: ToolStarted) -> None:
        self._tool_input[message.call_id] = dict(message.input)

    def on_tool_done(self, message: ToolDone) -> None:
        """Keep the context panel on what the agent is looking at."""
        arguments = self._tool_input.pop(message.call_id, {})
        job = None if message.is_error else jobs.for_tool(self.session, message.name, arguments)
        if job is not None:
            self._background(f"follow-{message.name}", "", job, quiet=True)

    def on_answer_done(self, message: AnswerDone) -> None:
        self._remember_refs(list(message.answer.refs))
        self._end_answer(message.answer_no)

    def on_answer_stopped(self, message: AnswerStopped) -> None:
        if message.cancelled:
            self.notify("answer cancelled", severity="warning")
        else:
            self._notify_error(message.message, message.hint)
        if message.answer_no == self._answer_no:
            self.chat_input.restore(self._question)
        self._end_answer(message.answer_no)

    def _end_answer(self, answer_no: int) -> None:
        if answer_no == self._answer_no:
            self._set_answering(False)
            self._cancel = None

    def _set_answering(self, answering: bool) -> None:
        self.answering = answering
        self.refresh_bindings()  # the footer shows "Cancel answer" only while one runs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_answer":
            return self.answering
        return True

    # -- actions -----------------------------------------------------------------------------------

    def action_cancel_answer(self) -> None:
        if self.answering and self._cancel is not None:
            self._cancel.set()

    async def action_help(self) -> None:
        await self.conversation.add_note("help", help_markdown(KEYS), markdown=True)

    def action_show_tab(self, tab: str) -> None:
        if tab in TABS:
            self.query_one(TabbedContent).active = tab

    # -- selection in the context panel ------------------------------------------------------------

    @on(Tree.NodeSelected, "#lineage-tree")
    def _node_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None:
            self.focus_ref(event.node.data.ref)

    @on(DataTable.RowSelected, "#suspects-table")
    def _suspect_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.focus_ref(event.row_key.value)

    def focus_ref(self, ref: str) -> None:
        """Bring a ref into the conversation: a question about it, or added to the one typed."""
        line = self.chat_input
        if line.value.strip():
            line.value = line.value.rstrip() + " " + ref
        else:
            line.value = f"tell me about {ref}"
        line.cursor_position = len(line.value)
        line.focus()


def _describe(exc: BaseException) -> tuple[str, str]:
    """(message, hint) of an expected error."""
    return getattr(exc, "message", None) or str(exc), getattr(exc, "hint", "")


def make_app(
    project: Project | None = None,
    backend: Backend | None = None,
    incident: str | None = None,
    *,
    model: str | None = None,
    save: bool = True,
) -> ChatApp:
    """The chat app, with nothing opened or sent yet.

    `project` defaults to the project around the current folder; the app opens its store after
    its first paint (and closes it on exit, if the project opened it). Without `backend` the
    model comes from `model`, AGENTOPS_MODEL or agentops.toml (the offline stub without an API
    key). `incident` (an id or ref) is what the chat opens on; without it, the newest open
    incident. `save=False` keeps the conversation out of the store.
    """
    if project is None:
        from agentops.project import Project

        project = Project.open()
    return ChatApp(ChatSession(project, backend, model=model, incident=incident, save=save))
