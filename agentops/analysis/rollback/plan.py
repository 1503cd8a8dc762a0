"""What a rollback plan holds: plain dataclasses, their JSON, and the plan file's integrity.

The JSON plan is the input of `agentops rollback apply`, so it carries a format marker, a
digest (SHA-256 over its canonical JSON without digest and signature: it catches accidents) and
a signature (HMAC-SHA256 with the project's plan key, `.agentops/plan.key`, which never leaves
the project: anyone can recompute a digest, only the project can sign). `apply` executes
exactly the plan a person reviewed, and refuses one edited after it was made — make a new plan
instead (`agentops rollback plan BAD --to REF`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentops.analysis.rollback.checks import CanaryStep, NoiseBand, SchemaCheck
    from agentops.analysis.rollback.target import ServiceRecord, VersionLineage
    from agentops.analysis.rootcause.report import Symptom

PLAN_KIND = "agentops.rollback-plan"
PLAN_FORMAT = 1


class Action(StrEnum):
    """What the plan does; only `rollback-alias` is something `apply` may execute."""

    ROLLBACK_ALIAS = "rollback-alias"
    DATA_PIN = "data-pin"
    CONFIG_REVERT = "config-revert"
    ROLL_FORWARD = "roll-forward"
    NONE = "none"


@dataclass(slots=True)
class CauseAssessment:
    """One cause from the root-cause report and whether moving the model back undoes it."""

    ref: str
    kind: str
    card: str | None
    summary: str
    fixed_by_rollback: bool
    reason: str
    remedy: str | None  # the runbook that fixes it when a model rollback does not
    previous: str | None = None  # the good side's version: what to pin or revert to
    related: list[str] = field(default_factory=list)
    still_current: bool = False  # the newest version of this data/config is still the bad one
    side: str = "training"  # where it acts: model (the alias) | training | evaluation | serving

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "kind": self.kind,
            "card": self.card,
            "summary": self.summary,
            "fixed_by_rollback": self.fixed_by_rollback,
            "reason": self.reason,
            "remedy": self.remedy,
            "previous": self.previous,
            "related": list(self.related),
            "still_current": self.still_current,
            "side": self.side,
        }


@dataclass(frozen=True, slots=True)
class AliasMove:
    """Point `alias` of registered model `model` from `from_version` to `to_version`."""

    model: str
    alias: str
    from_version: str | None
    to_version: str
    tracking_uri: str | None = None

    def reverse(self) -> AliasMove:
        if self.from_version is None:
            raise ValueError("the alias pointed nowhere before: undo by deleting it")
        return AliasMove(
            self.model, self.alias, self.to_version, self.from_version, self.tracking_uri
        )

    def python(self) -> str:
        """The exact call, as Python (every value a quoted literal: registry names are data)."""
        uri = _literal(self.tracking_uri) if self.tracking_uri else ""
        return (
            f"MlflowClient({uri}).set_registered_model_alias({_literal(self.model)}, "
            f"{_literal(self.alias)}, {_literal(self.to_version)})"
        )

    def shell(self) -> str:
        """The same call as one shell line (MLflow has no CLI command for aliases)."""
        import shlex

        code = f"from mlflow import MlflowClient; {self.python()}"
        return f"python -c {shlex.quote(code)}"

    def describe(self) -> str:
        was = f"version {self.from_version}" if self.from_version else "nothing"
        return f"alias {self.alias} of model {self.model}: {was} → version {self.to_version}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "alias-move",
            "model": self.model,
            "alias": self.alias,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "tracking_uri": self.tracking_uri,
            "python": self.python(),
            "shell": self.shell(),
            "describe": self.describe(),
        }


def _literal(text: str) -> str:
    """A double-quoted Python string literal (JSON's escapes are all valid Python escapes)."""
    return json.dumps(text)


@dataclass(slots=True)
class RunbookSteps:
    """The steps of one runbook card, and why the plan uses it."""

    id: str
    title: str
    why: str
    steps: list[str] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)
    undo: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "why": self.why,
            "steps": list(self.steps),
            "verify": list(self.verify),
            "undo": list(self.undo),
        }


@dataclass(slots=True)
class RollbackPlan:
    bad: str
    model: str
    verdict: str
    action: Action
    roll_back: bool
    reason: str
    created_at: str
    incident: str | None = None
    symptom: Symptom | None = None
    trigger: list[str] = field(default_factory=list)
    causes: list[CauseAssessment] = field(default_factory=list)
    model_rollback_fixes: bool | None = None
    target: VersionLineage | None = None
    target_service: ServiceRecord | None = None
    known_good: list[str] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # newer versions not chosen, why
    compatibility: list[SchemaCheck] = field(default_factory=list)
    mechanism: AliasMove | None = None
    takes_effect: str | None = None
    noise: NoiseBand | None = None
    canary: list[CanaryStep] = field(default_factory=list)
    canary_how: str | None = None
    abort: list[str] = field(default_factory=list)
    verification: list[str] = field(default_factory=list)
    communication: list[str] = field(default_factory=list)
    undo: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)
    runbooks: list[RunbookSteps] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def compatible(self) -> bool:
        return all(check.compatible for check in self.compatibility)

    def to_json(self) -> dict[str, Any]:
        body = {
            "kind": PLAN_KIND,
            "format": PLAN_FORMAT,
            "created_at": self.created_at,
            "bad": self.bad,
            "model": self.model,
            "incident": self.incident,
            "verdict": self.verdict,
            "action": self.action.value,
            "roll_back": self.roll_back,
            "reason": self.reason,
            "model_rollback_fixes": self.model_rollback_fixes,
            "symptom": self.symptom.to_json() if self.symptom else None,
            "trigger": list(self.trigger),
            "causes": [cause.to_json() for cause in self.causes],
            "target": (
                {**self.target.to_json(), "service": self.target_service.to_json()}
                if self.target and self.target_service
                else (self.target.to_json() if self.target else None)
            ),
            "known_good": list(self.known_good),
            "skipped": list(self.skipped),
            "compatibility": {
                "compatible": self.compatible,
                "checks": [check.to_json() for check in self.compatibility],
            },
            "mechanism": self.mechanism.to_json() if self.mechanism else None,
            "takes_effect": self.takes_effect,
            "noise_band": self.noise.to_json() if self.noise else None,
            "canary": [step.to_json() for step in self.canary],
            "canary_how": self.canary_how,
            "abort": list(self.abort),
            "verification": list(self.verification),
            "communication": list(self.communication),
            "undo": list(self.undo),
            "keep_for_postmortem": list(self.keep),
            "follow_ups": list(self.follow_ups),
            "runbooks": [runbook.to_json() for runbook in self.runbooks],
            "warnings": list(self.warnings),
        }
        return {**body, "digest": plan_digest(body)}

    def to_markdown(self) -> str:
        from agentops.analysis.rollback.markdown import plan_markdown

        return plan_markdown(self.to_json())


def _canonical(body: dict[str, Any]) -> bytes:
    """The plan's content as signed and digested: canonical JSON without digest and signature."""
    content = {key: value for key, value in body.items() if key not in ("digest", "signature")}
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return text.encode("utf-8")


def plan_digest(body: dict[str, Any]) -> str:
    """SHA-256 of the plan's canonical JSON."""
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def plan_signature(body: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the plan's canonical JSON with the project's plan key."""
    return "hmac-sha256:" + hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def signature_matches(body: dict[str, Any], key: bytes) -> bool:
    signature = body.get("signature")
    return isinstance(signature, str) and hmac.compare_digest(signature, plan_signature(body, key))
