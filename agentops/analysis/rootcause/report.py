"""What a root-cause analysis returns: ranked suspects with evidence, and a verdict.

A suspect's `ref` is the node that changed — the commit for code, the new `config:` version for
a config, the new `dataset:` version for data, the promoted model version for an alias move —
so every claim points at something the user can `agentops lineage show`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.analysis.rootcause.evidence import SuspectEvidence

CAUSE_FOUND = "cause-found"
NO_LINEAGE_CAUSE = "no-lineage-cause"


@dataclass(frozen=True, slots=True)
class Symptom:
    """The metric that moved: from the incident when it says, else from the two runs."""

    metric: str
    baseline: float | None
    observed: float | None
    source: str  # "incident" | "runs"

    @property
    def relative_change(self) -> float | None:
        if self.baseline in (None, 0) or self.observed is None:
            return None
        return (self.observed - self.baseline) / abs(self.baseline)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "observed": self.observed,
            "relative_change": self.relative_change,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """What one detector saw in one change: the failure-mode card it detects, how strongly
    (0..1, before the card's prior), and the figures that show it."""

    detector: str  # a failure-mode card id
    strength: float
    evidence: tuple[str, ...] = ()
    # the change type the finding makes of the change, when what was found decides it (a
    # dataset's `data-nulls`, `eval-data`, …); None: the change keeps its own (code, config)
    change_type: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "detector": self.detector,
            "strength": round(self.strength, 3),
            "evidence": list(self.evidence),
            "change_type": self.change_type,
        }


@dataclass(frozen=True, slots=True)
class Relevance:
    """Can this change reach the model at all, and from what evidence. A change that cannot
    (a CI file, a dev-only dependency, a behaviour-preserving edit, code off the entry point's
    import path) is ruled out: listed with `reason`, never ranked as a cause."""

    reaches_model: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"reaches_model": self.reaches_model, "reason": self.reason}


@dataclass(slots=True)
class Suspect:
    """One change between the good and the bad version, judged as a possible cause."""

    ref: str
    kind: str  # a change type (knowledge/change_types.py): code, config, data-schema, …
    summary: str
    score: float  # 0..1: how well this change explains the symptom
    card: str | None  # the failure-mode card that explains it
    evidence: list[str] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)  # runbook ids, most fitting first
    previous: str | None = None  # the good side's version of the same thing, if any
    related: list[str] = field(default_factory=list)  # e.g. the commit that introduced a config
    rank: int = 0
    is_cause: bool = False
    findings: list[Finding] = field(default_factory=list)
    relevance: Relevance | None = None  # None: nothing said it cannot reach the model
    details: SuspectEvidence | None = None  # typed evidence, attached after the ranking

    @property
    def reaches_model(self) -> bool:
        return self.relevance is None or self.relevance.reaches_model

    def to_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "ref": self.ref,
            "kind": self.kind,
            "summary": self.summary,
            "score": round(self.score, 3),
            "card": self.card,
            "evidence": list(self.evidence),
            "cause": self.is_cause,
            "remediation": list(self.remediation),
            "previous": self.previous,
            "related": list(self.related),
            "relevance": self.relevance.to_json() if self.relevance else None,
            "findings": [finding.to_json() for finding in self.findings],
            "details": self.details.to_json() if self.details else None,
        }


@dataclass(slots=True)
class RootCauseReport:
    bad: str
    good: str | None
    verdict: str
    suspects: list[Suspect]
    symptom: Symptom | None = None
    incident: str | None = None
    bad_run: str | None = None
    good_run: str | None = None
    notes: list[str] = field(default_factory=list)
    ruled_out: list[Suspect] = field(default_factory=list)  # cannot reach the model

    @property
    def causes(self) -> list[Suspect]:
        return [suspect for suspect in self.suspects if suspect.is_cause]

    def to_json(self) -> dict[str, Any]:
        return {
            "bad": self.bad,
            "good": self.good,
            "verdict": self.verdict,
            "suspects": [suspect.to_json() for suspect in self.suspects],
            "symptom": self.symptom.to_json() if self.symptom else None,
            "incident": self.incident,
            "bad_run": self.bad_run,
            "good_run": self.good_run,
            "notes": list(self.notes),
            "ruled_out": [suspect.to_json() for suspect in self.ruled_out],
        }

    def to_markdown(self, limit: int = 8) -> str:
        lines = [f"# Root cause: {self.bad}", ""]
        if self.incident:
            lines.append(f"- incident: `{self.incident}`")
        lines.append(f"- compared with: `{self.good}`" if self.good else "- no good version found")
        if self.symptom and self.symptom.relative_change is not None:
            lines.append(
                f"- symptom: {self.symptom.metric} {self.symptom.baseline:.4g} → "
                f"{self.symptom.observed:.4g} ({self.symptom.relative_change:+.1%}, "
                f"from the {self.symptom.source})"
            )
        lines += [f"- {note}" for note in self.notes]
        lines.append("")
        if self.verdict == NO_LINEAGE_CAUSE:
            lines += [
                "**Verdict: no change in the lineage explains this.** The changes below were "
                "checked and none of them fits the symptom; look outside the lineage (served "
                "traffic, seed noise) before rolling anything back.",
                "",
            ]
        else:
            names = ", ".join(f"`{c.ref}` ({c.card})" for c in self.causes)
            lines += [f"**Verdict: cause found** — {names}.", ""]
        for suspect in self.suspects[:limit]:
            mark = "cause" if suspect.is_cause else "suspect"
            lines.append(
                f"{suspect.rank}. [{mark}, score {suspect.score:.2f}] `{suspect.ref}` — "
                f"{suspect.summary}" + (f" (card `{suspect.card}`)" if suspect.card else "")
            )
            lines += [f"   - {item}" for item in suspect.evidence[:6]]
        if len(self.suspects) > limit:
            lines.append(f"… and {len(self.suspects) - limit} lower-ranked changes")
        if self.ruled_out:
            lines += ["", "Ruled out (cannot reach the model):"]
            lines += [
                f"- `{suspect.ref}` — {suspect.relevance.reason if suspect.relevance else ''}"
                for suspect in self.ruled_out
            ]
        return "\n".join(lines) + "\n"
