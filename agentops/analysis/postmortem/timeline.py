"""The timeline of an incident, from the timestamps the lineage graph already holds.

Between the last good version and the bad one: the commits in the code range (`git rev-list
good..bad` over the stored history), the dataset and config versions only the bad side used,
both training runs (start and end), both model registrations, every promotion of the model in
the window (the registry's `promoted_at` tag, and alias moves recorded as deployments), and the
incident itself (opened, closed). All times are UTC.

People are left out (blameless): events name systems, versions and changes; a commit's author,
a run's user and a promotion's `promoted_by` are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from graph.attributes import (
    CommitAttrs,
    DatasetAttrs,
    DeploymentAttrs,
    IncidentAttrs,
    ModelVersionAttrs,
    RunAttrs,
)
from graph.errors import GraphError
from graph.model import parse_time
from graph.refs import EdgeKind, NodeKind, parse_ref

if TYPE_CHECKING:
    from agentops.analysis.incidents import Incident
    from agentops.analysis.rootcause.report import RootCauseReport
    from graph.store import LineageStore

MAX_COMMITS = 40  # a long range keeps the causes and the newest commits; the rest is counted

# Same-time events are listed in the order things happen: code, data, training, release, alarm.
_ORDER = {"commit": 0, "config": 1, "dataset": 2, "run": 3, "model": 4, "deploy": 5}
_INCIDENT_ORDER = 9


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    what: str  # our words
    ref: str | None = None
    detail: str = ""  # text from the graph (a commit subject, a title): escape when rendering
    cause: bool = False  # the event is a change the analysis found to be a cause
    order: int = 5

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "what": self.what,
            "ref": self.ref,
            "detail": self.detail,
            "cause": self.cause,
        }


@dataclass(slots=True)
class Timeline:
    events: list[TimelineEvent] = field(default_factory=list)
    omitted_commits: int = 0

    def sorted(self) -> list[TimelineEvent]:
        return sorted(self.events, key=lambda e: (e.at, e.order, e.ref or "", e.what))


def to_time(value: Any) -> datetime | None:
    """An ISO string or datetime as an aware UTC datetime; None for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = parse_time(value)
        except ValueError:
            return None
    else:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def producing_run(store: LineageStore, model: str | None) -> str | None:
    """The run that produced a model version (its `produced` edge)."""
    if model is None:
        return None
    runs = [
        e.src for e in store.edges_of([model]) if e.dst == model and e.kind is EdgeKind.PRODUCED
    ]
    return sorted(runs)[0] if runs else None


def model_of(store: LineageStore, ref: str | None) -> str | None:
    """The model version behind a model, deployment or incident ref."""
    if ref is None:
        return None
    node = store.get(ref)
    if node is None:
        return None
    if node.kind is NodeKind.MODEL:
        return node.ref
    if node.kind is NodeKind.DEPLOYMENT:
        named = DeploymentAttrs(node).model_ref
        if named and store.get(named) is not None:
            return named
        into = [e.src for e in store.edges_of([ref]) if e.dst == ref and e.src.startswith("model:")]
        return sorted(into)[0] if into else None
    if node.kind is NodeKind.INCIDENT:
        for affected in IncidentAttrs(node).affects:
            found = model_of(store, affected)
            if found:
                return found
    return None


def promotion_of(store: LineageStore, model: str | None) -> tuple[datetime, str, str] | None:
    """When a model version went to production: (time, how, ref), or None if not recorded.

    The registry tag `promoted_at` is what the team wrote at the time; a deployment node (an
    alias move) is the fallback, since MLflow keeps only the current alias and its time can be
    approximate.
    """
    if model is None:
        return None
    node = store.get(model)
    if node is None:
        return None
    tagged = to_time(ModelVersionAttrs(node).promoted_at)
    if tagged is not None:
        return tagged, "registry tag promoted_at", model
    deploys = [
        (found.at, found.ref)
        for found in store.get_many(
            [e.dst for e in store.edges_of([model]) if e.kind is EdgeKind.DEPLOYED]
        )
        if found.at is not None
    ]
    if deploys:
        moment, ref = min(deploys)
        return moment.astimezone(UTC), "alias move", ref
    return None


class _Builder:
    def __init__(self, store: LineageStore, incident: Incident, report: RootCauseReport | None):
        self.store = store
        self.incident = incident
        self.report = report
        self.causes = {s.ref for s in report.causes} if report else set()
        self.timeline = Timeline()
        self.seen: set[tuple[str | None, str]] = set()

    def add(self, at: datetime | None, what: str, ref: str | None, detail: str = "") -> None:
        if at is None or (ref, what) in self.seen:
            return
        self.seen.add((ref, what))
        kind = ref.split(":", 1)[0] if ref else ""
        order = _INCIDENT_ORDER if kind == "incident" else _ORDER.get(kind, 5)
        self.timeline.events.append(
            TimelineEvent(at.astimezone(UTC), what, ref, detail, ref in self.causes, order)
        )

    def commits(self, good: str | None, bad: str | None) -> None:
        from graph.code_diff import code_diff, commit_for

        if bad is None:
            return
        try:
            if good is None:
                nodes = self.store.get_many([commit_for(self.store, bad)])
                commits = [
                    (n.ref, n.at, CommitAttrs(n).subject, _classes(CommitAttrs(n).files))
                    for n in nodes
                ]
            else:
                changes = code_diff(self.store, good, bad, max_commits=1_000).commits
                commits = [
                    (f"commit:{c.sha}", to_time(c.committed_at), c.subject, _classes(c.files))
                    for c in changes
                ]
        except GraphError:
            return
        keep = [c for c in commits if c[0] in self.causes]
        keep += [c for c in commits if c[0] not in self.causes][: max(0, MAX_COMMITS - len(keep))]
        self.timeline.omitted_commits = len(commits) - len(keep)
        for ref, at, subject, classes in keep:
            what = f"commit {ref.removeprefix('commit:')[:10]} landed" + (
                f" ({classes})" if classes else ""
            )
            self.add(at, what, ref, subject)

    def versions(self, good: str | None, bad: str | None) -> None:
        """Dataset and config versions the bad side used and the good side did not."""
        from graph.diff import diff
        from graph.queries import upstream

        if bad is None:
            return
        try:
            refs = (
                diff(self.store, good, bad).only_b if good else upstream(self.store, [bad]).refs()
            )
        except GraphError:
            return
        wanted = sorted(r for r in refs if r.startswith(("dataset:", "config:")))
        shown = {ref for ref, _ in self.seen}
        wanted += sorted(r for r in self.causes if r not in wanted and r not in shown)
        for node in self.store.get_many(wanted):
            if node.kind is NodeKind.DATASET:
                rows = DatasetAttrs(node).row_count
                size = f", {rows:,} rows" if rows is not None else ""
                self.add(node.at, f"dataset version {node.name} created{size}", node.ref)
            elif node.kind is NodeKind.CONFIG:
                self.add(node.at, f"config version of {node.name} committed", node.ref)
            elif node.kind is NodeKind.COMMIT:
                self.add(node.at, "commit landed", node.ref, CommitAttrs(node).subject)

    def run(self, ref: str | None, side: str) -> None:
        node = self.store.get(ref) if ref else None
        if node is None:
            return
        run = RunAttrs(node)
        start = to_time(run.started_at) or node.at
        end = to_time(run.ended_at)
        self.add(start, f"training run of the {side} version started", node.ref)
        if end is not None:
            status = (run.status or "").lower()
            self.add(end, f"training run of the {side} version ended ({status or 'finished'})", ref)

    def model(self, ref: str | None, side: str) -> None:
        node = self.store.get(ref) if ref else None
        if node is not None:
            self.add(node.at, f"model version registered ({side})", node.ref)

    def promotions(self, model: str | None, start: datetime, end: datetime) -> None:
        """Every promotion of the same model name inside the window, good and bad alike."""
        if model is None:
            return
        name = parse_ref(model).name
        promoted: set[str] = set()
        for node in self.store.find(NodeKind.MODEL, name):
            tagged = to_time(ModelVersionAttrs(node).promoted_at)
            if tagged is not None and start <= tagged <= end:
                self.add(tagged, "promoted to production (registry tag promoted_at)", node.ref)
                promoted.add(node.ref)
        for node in self.store.find(NodeKind.DEPLOYMENT):
            deployment = DeploymentAttrs(node)
            target = deployment.model_ref or ""
            if not target.startswith(f"model:{name}/") or node.at is None:
                continue
            if target in promoted:
                # one go-live per version: the promotion record the summary and exposure use,
                # not also the alias move the registry logged when the version was registered
                continue
            if start <= node.at <= end:
                alias = deployment.alias or "alias"
                self.add(node.at, f"{alias} now serves {target}", node.ref)

    def incident_events(self) -> None:
        incident = self.incident
        self.add(incident.opened_at, "incident opened", incident.ref, incident.title)
        self.add(incident.closed_at, "incident closed", incident.ref, incident.resolution or "")


def build_timeline(
    store: LineageStore, incident: Incident, report: RootCauseReport | None = None
) -> Timeline:
    """Every timestamped event from the last good version to the incident, oldest first."""
    builder = _Builder(store, incident, report)
    bad = model_of(store, report.bad) if report else model_of(store, incident.ref)
    good = model_of(store, report.good) if report and report.good else None
    builder.commits(good, bad)
    builder.versions(good, bad)
    builder.run((report.good_run if report else None) or producing_run(store, good), "good")
    builder.run((report.bad_run if report else None) or producing_run(store, bad), "bad")
    builder.model(good, "good")
    builder.model(bad, "bad")
    builder.incident_events()
    times = [event.at for event in builder.timeline.events]
    for ref in (good, bad):
        promoted = promotion_of(store, ref)
        if promoted:
            times.append(promoted[0])
    if times:
        end = max([*times, incident.closed_at or max(times)])
        builder.promotions(bad, min(times), end)
    return builder.timeline


def _classes(files: Any) -> str:
    """`code: 2 files, docs: 1 file` from a commit's files (a list of dicts or class → paths)."""
    counts: dict[str, int] = {}
    if isinstance(files, dict):
        counts = {str(cls): len(paths) for cls, paths in files.items()}
    elif isinstance(files, list):
        for entry in files:
            if isinstance(entry, dict):
                cls = str(entry.get("class", "other"))
                counts[cls] = counts.get(cls, 0) + 1
    return ", ".join(f"{cls}: {n} file{'s' if n != 1 else ''}" for cls, n in sorted(counts.items()))
