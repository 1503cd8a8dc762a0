"""The one front door: a `Project` built from the settings owns everything the interfaces share.

The CLI, the chat and the agent's tools all reach the lineage store, the knowledge library and
the analysis through a `Project`, so they cannot disagree: the team's cards (`knowledge = [...]`
in agentops.toml) apply to `agentops why` exactly as they do to the agent's `why` tool.

    from agentops.project import Project

    with Project.open() as project:            # the project around the current folder
        report = project.explain("INC-1042")
        print(project.plan_rollback(report.bad).to_markdown())

Nothing heavy is imported here: the store (SQLAlchemy), the cards (YAML) and the analysis load on
first use, so `agentops --help` stays fast. Analysis results are remembered for the life of the
project, per arguments: the chat's suspects panel shows the report the agent's `why` tool just
computed instead of computing it again. Writes made through the project (incidents, sync, a
rollback applied) forget them, so nothing stale is served after a change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agentops.settings import ProjectSettings, load_settings

if TYPE_CHECKING:
    from agentops.agent.backends.base import Backend
    from agentops.analysis.checklist import ChecklistSuggestion
    from agentops.analysis.incidents import Incident
    from agentops.analysis.rollback import RollbackPlan
    from agentops.analysis.rollback.apply import ApplyResult, LoadedPlan
    from agentops.analysis.rootcause.report import RootCauseReport
    from agentops.analysis.verify import Progress
    from agentops.analysis.verify.report import VerifyReport
    from graph.ingest import IngestReport
    from graph.model import Node
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

T = TypeVar("T")
PLAN_KEY_FILE = "plan.key"
VERIFY_STATE = "verify"  # the store namespace verification results are kept in


class _Remembered:
    """One memoised result; its lock makes a second caller wait for the first one's answer."""

    __slots__ = ("done", "lock", "value")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False
        self.value: Any = None


class Project:
    """The store, the knowledge library, the model backend and the analysis of one project.

    Safe to share between threads (the chat's workers): the store and the library are opened
    once, under a lock, and a result being computed is computed once for every caller.
    """

    def __init__(
        self, settings: ProjectSettings, store: LineageStore | None = None, *, create: bool = True
    ) -> None:
        """`store` is one opened elsewhere (a test's): used as is and left open by `close()`.

        `create=False` (the CLI's read commands) never creates a store: outside a project, with
        no database named, that is an error instead of a new `.agentops/lineage.db` in
        whatever folder the user happened to be in.
        """
        self.settings = settings
        self._create = create
        self._store = store
        self._owns_store = store is None
        self._store_lock = threading.Lock()
        self._store_error: BaseException | None = None
        self._library: KnowledgeLibrary | None = None
        self._library_lock = threading.Lock()
        self._memo: dict[tuple[Any, ...], _Remembered] = {}
        self._memo_lock = threading.Lock()

    @classmethod
    def open(
        cls, start: Path | None = None, db_url: str | None = None, *, create: bool = True
    ) -> Project:
        """The project around `start` (default: the current folder); `db_url` overrides its
        database (as `--db` does). Nothing is opened until it is used."""
        return cls(load_settings(start, db_url), create=create)

    @classmethod
    def for_store(cls, store: LineageStore, knowledge_dirs: tuple[Path, ...] = ()) -> Project:
        """A project around a store opened elsewhere, with no agentops.toml (a notebook, a test).

        The built-in cards plus `knowledge_dirs`; relative paths resolve against the current
        folder.
        """
        settings = ProjectSettings(Path.cwd(), store.url, tuple(knowledge_dirs))
        return cls(settings, store)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- what the project owns ---------------------------------------------------------------------

    @property
    def db_url(self) -> str:
        return self._store.url if self._store is not None else self.settings.db_url

    @property
    def store(self) -> LineageStore:
        """The lineage store, opened on first use (slow: imports SQLAlchemy, checks the schema).

        A store that failed to open raises the same error again rather than retrying: the chat
        asks from several workers and must not hang on a broken URL each time.
        """
        with self._store_lock:
            if self._store is None and self._store_error is None:
                from graph.store import open_store

                try:
                    self._refuse_outside_a_project()
                    self._store = open_store(self.settings.db_url, create=self._create)
                except BaseException as exc:
                    self._store_error = exc
        if self._store_error is not None:
            raise self._store_error
        assert self._store is not None
        return self._store

    def _refuse_outside_a_project(self) -> None:
        settings = self.settings
        if self._create or settings.db_given or settings.is_project:
            return
        from agentops.errors import ProjectError

        raise ProjectError(
            f"no agentops project here ({settings.root}) — run `agentops init` or use -C",
            hint="-C DIR runs the command on the project in DIR (e.g. agentops -C agentops-demo "
            "why INC-1003); --db URL names a store directly",
        )

    def close(self) -> None:
        """Close the store if the project opened it."""
        if self._owns_store and self._store is not None:
            self._store.close()
            self._store = None

    @property
    def library(self) -> KnowledgeLibrary:
        """The built-in cards overlaid with the team's folders, loaded once."""
        with self._library_lock:
            if self._library is None:
                from knowledge.library import load_library

                self._library = load_library(self.settings.knowledge_dirs)
            return self._library

    def backend(self, model: str | None = None) -> Backend:
        """The model backend for `--model` (or AGENTOPS_MODEL, agentops.toml, the default)."""
        from agentops.agent.backends import make_backend, resolve_model

        return make_backend(resolve_model(model, self.settings.raw))

    def _plan_key(self, create: bool) -> bytes | None:
        """The project's secret for signing rollback plans, made on first use (mode 0600)."""
        import os
        import secrets

        path = self.settings.state_dir / PLAN_KEY_FILE
        if create and not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first: use theirs
            else:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_hex(32) + "\n")
        try:
            return path.read_text(encoding="ascii").strip().encode("ascii") or None
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def repo_path(self) -> Path | None:
        """The git repository the project's commits come from: `[sources.git] path`, else the
        project folder when it is a repository; None when there is none to read."""
        declared = self.settings.sources.get("git", {})
        path = declared.get("path") if isinstance(declared, dict) else None
        repo = self.settings.root / path if isinstance(path, str) else self.settings.root
        return repo if (repo / ".git").exists() or (repo / "HEAD").is_file() else None

    # -- the analysis, remembered per arguments ------------------------------------------------

    def explain(
        self, bad: str, good: str | None = None, as_of: datetime | None = None
    ) -> RootCauseReport:
        """The root-cause report of BAD against GOOD (found when omitted), with the team's cards."""
        from agentops.analysis.rootcause import explain

        store = self.store
        bad_ref = store.resolve(bad)
        good_ref = store.resolve(good) if good else None
        return self._remember(
            ("explain", bad_ref, good_ref, as_of),
            lambda: self._with_verification(
                explain(
                    store,
                    bad_ref,
                    good=good_ref,
                    as_of=as_of,
                    library=self.library,
                    repo=self.repo_path,
                    entry_points=self.settings.entry_points,
                )
            ),
        )

    def _with_verification(self, report: RootCauseReport) -> RootCauseReport:
        """The report with what re-training showed for the same pair, when it was verified."""
        stored = self.verification(report.bad)
        if stored is not None and stored.good == report.good:
            report.notes.append(stored.summary())
        elif self.verify_command is not None and report.suspects:
            target = report.incident or report.bad
            report.notes.append(
                f"not verified by re-training yet: `agentops verify {target}` re-trains BAD "
                "with each suspect reverted"
            )
        return report

    def verification(self, ref: str) -> VerifyReport | None:
        """The stored `agentops verify` result of a model version or incident, if any: kept in
        the lineage store (state namespace `verify`) under BAD's version and its incident."""
        raw = self.store.get_state(VERIFY_STATE, [self.store.resolve(ref)])
        if not raw:
            return None
        from agentops.analysis.verify.report import VerifyReport

        try:
            return VerifyReport.from_json(json.loads(next(iter(raw.values()))))
        except (ValueError, KeyError, TypeError):
            return None  # written by another version of agentops: verify again

    @property
    def verify_command(self) -> str | None:
        """`[verify] command` of the project's own agentops.toml — never from graph content."""
        table = self.settings.raw.get("verify")
        command = table.get("command") if isinstance(table, dict) else None
        return command if isinstance(command, str) and command.strip() else None

    def verify(
        self,
        bad: str,
        good: str | None = None,
        *,
        metric: str | None = None,
        repeats: int = 2,
        max_runs: int = 60,
        timeout: float = 1800.0,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> VerifyReport:
        """Re-train BAD with each suspect of `why` reverted (`agentops.analysis.verify`), keep
        the result as evidence and return it. Not an agent tool: it runs the team's code."""
        from agentops.analysis.verify import VerifyOptions, verify
        from agentops.errors import VerifyError

        command = self.verify_command
        if command is None:
            raise VerifyError(
                f"{self.settings.config_path}: no [verify] command",
                hint='declare how to train: [verify] command = "python -m mypipeline.train" '
                "(it writes its metrics as JSON to $AGENTOPS_METRICS)",
            )
        repo = self.repo_path
        if repo is None:
            raise VerifyError(
                f"{self.settings.root}: no git repository to check candidate trees out of",
                hint="set [sources.git] path in agentops.toml",
            )
        report = self.explain(bad, good)
        options = VerifyOptions(command, metric, repeats, max_runs, timeout)
        result = verify(
            self.store,
            report,
            repo,
            self.settings.state_dir / "verify-cache",
            options,
            on_progress,
        )
        data = json.dumps(result.to_json(), sort_keys=True)
        keys = [result.bad, *([report.incident] if report.incident else [])]
        self.store.put_state(VERIFY_STATE, {key: data for key in keys})
        self.forget()
        return result

    def checklist(self, ref: str) -> ChecklistSuggestion:
        """The tests that would have caught the regression of `ref`, from its root cause."""
        from agentops.analysis.checklist import suggest

        resolved = self.store.resolve(ref)
        return self._remember(
            ("checklist", resolved),
            lambda: suggest(
                self.store, resolved, library=self.library, report=self.explain(resolved)
            ),
        )

    def plan_rollback(self, bad: str, to: str | None = None) -> RollbackPlan:
        """The rollback plan for BAD (to `to` if given, else the target the lineage picks)."""
        from agentops.analysis.rollback import plan

        bad_ref = self.store.resolve(bad)
        to_ref = self.store.resolve(to) if to else None
        return self._remember(
            ("rollback", bad_ref, to_ref),
            lambda: plan(
                self.store,
                bad_ref,
                to,  # as typed: a wrong --to is reported in the user's words
                library=self.library,
                report=self.explain(bad_ref),
                root=self.settings.root,
            ),
        )

    def postmortem(self, incident: str, conversation: list[dict[str, Any]] | None = None) -> str:
        """The postmortem draft (Markdown) of `incident`, quoting `conversation` if given."""
        from agentops.analysis.incidents import incident_node

        ref = incident_node(self.store, incident).ref
        quoted = json.dumps(conversation, sort_keys=True, default=str)
        return self._remember(("postmortem", ref, quoted), lambda: self._draft(ref, conversation))

    def _draft(self, incident: str, conversation: list[dict[str, Any]] | None) -> str:
        from agentops.analysis.postmortem import draft
        from agentops.errors import expected_errors

        try:
            report: RootCauseReport | None = self.explain(incident)
        except expected_errors():
            report = None  # the draft runs the analysis itself and says why it could not
        return draft(
            self.store, incident, library=self.library, conversation=conversation, report=report
        )

    def _remember(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._memo_lock:
            entry = self._memo.setdefault(key, _Remembered())
        with entry.lock:
            if not entry.done:
                entry.value = compute()
                entry.done = True
            return entry.value

    def forget(self) -> None:
        """Drop every remembered result: the graph changed under them."""
        with self._memo_lock:
            self._memo.clear()

    # -- writes: each one forgets what the analysis remembered ---------------------------------

    def open_incident(self, model: str, symptom: str, **details: Any) -> Node:
        """Record a new incident (`details` as `agentops.analysis.incidents.open_incident`)."""
        from agentops.analysis.incidents import open_incident

        try:
            return open_incident(self.store, model, symptom, **details)
        finally:
            self.forget()

    def close_incident(self, incident: str, **details: Any) -> Incident:
        """Close an incident (`details` as `agentops.analysis.incidents.close_incident`)."""
        from agentops.analysis.incidents import close_incident

        try:
            return close_incident(self.store, incident, **details)
        finally:
            self.forget()

    def sync(
        self,
        on_start: Callable[[str], None] | None = None,
        on_done: Callable[[IngestReport], None] | None = None,
        allow_outside: bool = False,
    ) -> list[IngestReport]:
        """Ingest every source declared in agentops.toml (see `agentops.sync`)."""
        from agentops.sync import sync_project

        try:
            return sync_project(self.settings, self.store, on_start, on_done, allow_outside)
        finally:
            self.forget()

    def sign_plan(self, plan: dict[str, Any]) -> dict[str, Any]:
        """The plan's JSON with the project's signature, so `apply_rollback` can tell it from
        an edited one (a digest anyone can recompute; the key stays in the project)."""
        from agentops.analysis.rollback.plan import plan_signature

        return {**plan, "signature": plan_signature(plan, self._plan_key(create=True))}

    def apply_rollback(self, plan: LoadedPlan, tracking_uri: str) -> ApplyResult:
        """Move the registry alias as the plan says and record the move in the graph; only a
        plan this project signed (`sign_plan`) is carried out."""
        from agentops.analysis.rollback.apply import apply_plan
        from agentops.analysis.rollback.plan import signature_matches
        from agentops.errors import RollbackError

        key = self._plan_key(create=False)
        if key is None or not signature_matches(plan.data, key):
            raise RollbackError(
                f"{plan.path}: not signed by this project's plan key "
                f"({self.settings.state_dir / PLAN_KEY_FILE}): edited, or made elsewhere",
                hint="make a fresh plan here: agentops rollback plan BAD --json --out plan.json",
            )
        try:
            return apply_plan(self.store, plan, tracking_uri)
        finally:
            self.forget()
