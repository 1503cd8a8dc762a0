"""What `agentops verify` returns: each suspect's verdict from re-training, and the overall one.

`share` is the fraction of the good → bad regression that reverting the suspect alone recovers
(1.0: back to GOOD, 0.0: no better than BAD; it can fall outside 0..1). The pinned `--json`
shape is `VerifyReport.to_json()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONFIRMED = "confirmed"
REJECTED = "rejected"
INCONCLUSIVE = "inconclusive"

CAUSE_CONFIRMED = "cause-confirmed"
NO_CONFIRMED_CAUSE = "no-confirmed-cause"


@dataclass(frozen=True, slots=True)
class SuspectVerdict:
    """One suspect of `why`, tested by re-training BAD's tree with it reverted."""

    ref: str
    kind: str
    verdict: str  # confirmed | rejected | inconclusive
    share: float  # of the regression recovered by reverting it alone
    runs: int  # training runs behind `share`
    reason: str = ""  # why it is inconclusive (unbuildable, training failed, …), or empty
    with_commit: str | None = None  # the commit that introduced it (a data or config file)
    # of the regression that reverting that commit recovers only when this file is reverted too
    with_commit_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.ref,
            "kind": self.kind,
            "verdict": self.verdict,
            "share": round(self.share, 4),
            "runs": self.runs,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.with_commit is not None:
            out["with_commit"] = {
                "ref": self.with_commit,
                "share": None
                if self.with_commit_share is None
                else round(self.with_commit_share, 4),
            }
        return out


@dataclass(frozen=True, slots=True)
class CauseSet:
    """The smallest set of suspects whose joint revert recovers the regression (delta debugging)."""

    refs: tuple[str, ...]
    share: float
    runs: int

    def to_json(self) -> dict[str, Any]:
        return {"refs": list(self.refs), "share": round(self.share, 4), "runs": self.runs}


@dataclass(slots=True)
class VerifyReport:
    bad: str
    good: str
    metric: str
    good_value: float  # the re-trained means
    bad_value: float
    recorded_good: float | None
    recorded_bad: float | None
    noise: float  # the run-to-run band, in metric units
    repeats: int
    suspects: list[SuspectVerdict]
    verdict: str
    cause_set: CauseSet | None = None
    runs: int = 0  # training runs this call made
    cached_runs: int = 0  # runs reused from the cache
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def confirmed(self) -> list[SuspectVerdict]:
        return [s for s in self.suspects if s.verdict == CONFIRMED]

    def summary(self) -> str:
        """One sentence for `why`, the postmortem and the chat: what re-training showed. A
        single cause is the confirmed suspect `why` ranked highest: the answer to "is it X?"."""
        drop = f"the {self.metric} regression"
        each = f"{self.repeats} run{'' if self.repeats == 1 else 's'} each"
        if self.verdict == CAUSE_CONFIRMED:
            if self.confirmed:
                first = self.confirmed[0]
                return (
                    f"confirmed by re-training: reverting {first.ref} recovers {first.share:.0%} "
                    f"of {drop}, {each}"
                )
            if self.cause_set is not None:
                names = " + ".join(self.cause_set.refs)
                return (
                    f"confirmed by re-training: reverting {names} together recovers "
                    f"{self.cause_set.share:.0%} of {drop}, {each}"
                )
        if self.verdict == NO_CONFIRMED_CAUSE:
            return f"re-training confirmed no cause of {drop} ({each})"
        return f"re-training was inconclusive about {drop} ({each})"

    def to_json(self) -> dict[str, Any]:
        return {
            "bad": self.bad,
            "good": self.good,
            "metric": self.metric,
            "good_value": self.good_value,
            "bad_value": self.bad_value,
            "suspects": [s.to_json() for s in self.suspects],
            "verdict": self.verdict,
            "cause_set": self.cause_set.to_json() if self.cause_set else None,
            "recorded": {"good": self.recorded_good, "bad": self.recorded_bad},
            "noise": self.noise,
            "repeats": self.repeats,
            "runs": self.runs,
            "cached_runs": self.cached_runs,
            "seconds": round(self.seconds, 2),
            "notes": list(self.notes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifyReport:
        """A stored report back (the graph keeps `to_json()`)."""
        suspects = [
            SuspectVerdict(
                s["ref"],
                s["kind"],
                s["verdict"],
                float(s["share"]),
                int(s["runs"]),
                s.get("reason", ""),
                (s.get("with_commit") or {}).get("ref"),
                (s.get("with_commit") or {}).get("share"),
            )
            for s in data.get("suspects", [])
        ]
        cause = data.get("cause_set")
        recorded = data.get("recorded") or {}
        return cls(
            data["bad"],
            data["good"],
            data["metric"],
            float(data["good_value"]),
            float(data["bad_value"]),
            recorded.get("good"),
            recorded.get("bad"),
            float(data.get("noise", 0.0)),
            int(data.get("repeats", 0)),
            suspects,
            data["verdict"],
            CauseSet(tuple(cause["refs"]), float(cause["share"]), int(cause["runs"]))
            if cause
            else None,
            int(data.get("runs", 0)),
            int(data.get("cached_runs", 0)),
            float(data.get("seconds", 0.0)),
            list(data.get("notes", [])),
        )
