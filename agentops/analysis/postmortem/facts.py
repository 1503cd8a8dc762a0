"""What a postmortem is written from, gathered once: the incident, the root-cause report, the
good and bad versions and runs, the promotion, the timeline and the people to leave out.

Blameless: the names of people the graph ties to this window (commit authors and committers,
run users, `*_by` registry tags) are collected so quoted text can withhold them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from agentops.analysis.incidents import Incident
from agentops.analysis.postmortem.timeline import (
    Timeline,
    build_timeline,
    model_of,
    promotion_of,
)
from graph.version_lineage import version_lineages

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport, Suspect
    from graph.model import Node
    from graph.store import LineageStore
    from graph.version_lineage import ModelVersionLineage
    from knowledge.library import KnowledgeLibrary

WITHHELD = "someone"


@dataclass(slots=True)
class Facts:
    """What the sections are written from, gathered once."""

    store: LineageStore
    incident: Incident
    report: RootCauseReport | None
    analysis_error: str | None
    library: KnowledgeLibrary | None
    bad: str | None
    good: str | None
    bad_version: ModelVersionLineage | None
    good_version: ModelVersionLineage | None
    promotion: tuple[datetime, str, str] | None
    timeline: Timeline
    people: list[str] = field(default_factory=list)

    @property
    def causes(self) -> list[Suspect]:
        return self.report.causes if self.report else []

    @property
    def bad_run(self) -> Node | None:
        return self.bad_version.run if self.bad_version else None

    @property
    def good_run(self) -> Node | None:
        return self.good_version.run if self.good_version else None

    @property
    def bad_metrics(self) -> dict[str, float]:
        return self.bad_version.metrics if self.bad_version else {}

    @property
    def good_metrics(self) -> dict[str, float]:
        return self.good_version.metrics if self.good_version else {}

    def clean(self, text: object) -> str:
        """Untrusted text with the names of people in this window withheld.

        Full names and emails go in any case; a first or last name alone ("thanks Dana") only
        as a capitalised whole word, so "will" survives an author called Will.
        """
        result = str(text)
        for name in self.people:
            result = re.sub(re.escape(name), WITHHELD, result, flags=re.IGNORECASE)
        words = sorted(_name_words(self.people), key=lambda w: (-len(w), w))
        if words:
            result = re.sub(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", WITHHELD, result)
        return result

    def card_title(self, card_id: str | None) -> str:
        card = self.library.find(card_id) if self.library and card_id else None
        return card.title if card else ""


def gather(
    store: LineageStore,
    incident: Incident,
    library: KnowledgeLibrary | None,
    report: RootCauseReport | None,
) -> Facts:
    error = None
    if report is None:
        report, error = _explain(store, incident.ref, library)
    bad = model_of(store, report.bad) if report else model_of(store, incident.ref)
    good = model_of(store, report.good) if report and report.good else None
    versions = {v.ref: v for v in version_lineages(store, [ref for ref in (bad, good) if ref])}
    facts = Facts(
        store=store,
        incident=incident,
        report=report,
        analysis_error=error,
        library=library,
        bad=bad,
        good=good,
        bad_version=versions.get(bad) if bad else None,
        good_version=versions.get(good) if good else None,
        promotion=promotion_of(store, bad),
        timeline=build_timeline(store, incident, report),
    )
    facts.people = _people(store, facts)
    return facts


def _explain(
    store: LineageStore, incident: str, library: KnowledgeLibrary | None
) -> tuple[RootCauseReport | None, str | None]:
    from agentops.analysis.rootcause import explain
    from agentops.errors import expected_errors

    try:
        return explain(store, incident, library=library), None
    except expected_errors() as exc:
        return None, str(getattr(exc, "message", exc))


def _people(store: LineageStore, facts: Facts) -> list[str]:
    """Names and emails of the people the graph ties to this window (longest first)."""
    refs = {e.ref for e in facts.timeline.events if e.ref}
    refs |= {s.ref for s in facts.report.suspects} if facts.report else set()
    names: set[str] = set()
    for node in store.get_many(sorted(refs)):
        attrs = node.attrs
        for person in (attrs.get("author"), attrs.get("committer")):
            if isinstance(person, dict):
                names.update(str(person.get(key) or "") for key in ("name", "email"))
        if isinstance(attrs.get("user"), str):
            names.add(attrs["user"])
        tags = attrs.get("tags")
        if isinstance(tags, dict):
            names.update(str(v) for k, v in tags.items() if str(k).endswith("_by"))
    people = {n.strip() for n in names if len(n.strip()) >= 3 and not _is_bot(n)}
    return sorted(people, key=lambda n: (-len(n), n))


def _name_words(people: list[str]) -> set[str]:
    """The capitalised words of people's names (not of emails), three letters or more."""
    return {
        word
        for name in people
        if "@" not in name
        for word in name.split()
        if len(word) >= 3 and word.isalpha() and word[0].isupper()
    }


def _is_bot(name: str) -> bool:
    return bool(re.search(r"(^|[^a-z])bot([^a-z]|$)|\[bot\]", name.lower()))


# -- small formatting helpers -----------------------------------------------------------------


def utc_text(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an unrecorded time"


def duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes or not parts else []
    return " ".join(parts)


def fmt_num(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) else "—"


def relative(baseline: Any, observed: Any) -> str:
    if not isinstance(baseline, int | float) or not isinstance(observed, int | float):
        return "—"
    if baseline == 0:
        return f"{observed - baseline:+.4g}"
    return f"{(observed - baseline) / abs(baseline):+.1%}"


def symptom_of(facts: Facts) -> tuple[str, Any, Any, str] | None:
    """(metric, baseline, observed, where from): the incident's symptom, else the report's."""
    symptom = facts.incident.symptom or {}
    if symptom.get("metric"):
        return str(symptom["metric"]), symptom.get("baseline"), symptom.get("observed"), "incident"
    if facts.report and facts.report.symptom:
        s = facts.report.symptom
        return s.metric, s.baseline, s.observed, s.source
    return None


GIT_HISTORY = "(git history)"


def lineage_path(facts: Facts, suspect: Suspect) -> list[str]:
    """The shortest lineage path from a cause to the incident, as refs.

    A commit that is not the one a run was trained from reaches the run through git history
    (it is an ancestor of the run's commit), which lineage walks leave out; that step is shown
    as `GIT_HISTORY` between the cause and the run's commit.
    """
    from graph.queries import path

    for ref in (suspect.ref, *suspect.related):
        found = path(facts.store, ref, facts.incident.ref).shortest
        if found:
            return found
    head = facts.bad_version.commit if facts.bad_version else None
    if suspect.ref.startswith("commit:") and head is not None:
        found = path(facts.store, head.ref, facts.incident.ref).shortest
        if found and head.ref != suspect.ref:
            return [suspect.ref, GIT_HISTORY, *found]
    return []
