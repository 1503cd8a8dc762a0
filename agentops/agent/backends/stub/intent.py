"""What a question asks and which refs it names — the offline stub's reading of a question.

Keyword rules, checked in order (the first match wins), because some questions fit several:
"what tests would have caught the drop?" is a checklist question, not a root-cause one.
Ref candidates are only candidates: the stub resolves each through the `resolve_ref` tool, so
the store decides what they mean.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    POSTMORTEM = "postmortem"
    ROLLBACK = "rollback"
    CHECKLIST = "checklist"
    IMPACT = "impact"
    DIFF = "diff"
    LINEAGE = "lineage"
    ROOT_CAUSE = "root-cause"
    KNOWLEDGE = "knowledge"
    SHOW = "show"  # a question about one node that fits no rule: describe it


_RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern, re.I))
    for intent, pattern in (
        (Intent.POSTMORTEM, r"post-?mortem|write[- ]?up|retro(spective)?\b|incident report"),
        (
            Intent.ROLLBACK,
            r"roll(ing)?[- ]?back|revert|last (known[- ])?good|go back to|safe(st)? version",
        ),
        (
            Intent.CHECKLIST,
            r"checklist|\btests?\b|would have caught|catch (this|it)|prevent|ml test score",
        ),
        (
            Intent.IMPACT,
            r"\bimpact|blast radius|\baffect(ed|s)?\b|downstream|who uses|what uses|depends on",
        ),
        (Intent.DIFF, r"\bdiff\b|difference|changed between|\bcompare|\bvs\.?\b|\bversus\b"),
        (
            Intent.LINEAGE,
            r"upstream|lineage|trained on|trained from|c[ao]me from|\bfed\b|\binputs?\b|"
            r"which data|what data|where did",
        ),
        (
            Intent.ROOT_CAUSE,
            r"\bwhy\b|root[- ]cause|\bcaused?\b|worse|\bdrop|declin|regress|\bbroke|degrad|"
            r"went wrong|what happened|what changed",
        ),
        (
            Intent.KNOWLEDGE,
            r"what is|what's an?\b|how (do|to|should|can)|explain|best practice|runbook|\bcard\b",
        ),
    )
)

NEEDS_SUBJECT = frozenset(set(Intent) - {Intent.KNOWLEDGE})

_FULL_REF = re.compile(
    r"\b(?:commit|config|dataset|run|model|deploy|incident):[^\s,;'\"`()<>]+", re.I
)
_MLFLOW_URI = re.compile(r"\b(?:models|runs):/[^\s,;'\"`()<>?]+")
_INCIDENT_ID = re.compile(r"\bINC-\d+\b", re.I)
_NAME_SLASH_VERSION = re.compile(r"(?<![\w:/])[A-Za-z][\w.\-]*/\d+\b")
_NAME_V_VERSION = re.compile(r"\b([A-Za-z][\w\-]*)\s+(?:v|version\s+)(\d+)\b", re.I)
_NAME_AT_DIGEST = re.compile(r"(?<![\w:/])[A-Za-z][\w.\-/]*@[0-9a-f]{4,}\b")
_COMMIT_WORD = re.compile(r"\bcommit\s+([0-9a-f]{7,40})\b", re.I)
_HEX = re.compile(r"(?<![\w:@])[0-9a-f]{7,40}\b")
_TRAILING = ".,;:!?)]}'\""


def classify(question: str, has_refs: bool) -> Intent:
    """The first rule the question matches; a bare question about a ref is SHOW."""
    for intent, pattern in _RULES:
        if pattern.search(question):
            if intent is Intent.KNOWLEDGE and has_refs:
                return Intent.SHOW
            return intent
    return Intent.SHOW if has_refs else Intent.KNOWLEDGE


def ref_candidates(question: str, limit: int = 4) -> list[str]:
    """Things in the question that may name nodes, in the order they appear.

    Full refs, MLflow's URIs (`models:/recsys/7`, `models:/recsys@champion`), incident ids
    (INC-1001), `name@digest` (ratings@3fa2), `name/version` (recsys/7), `name vN` and
    `name version N` (recsys v7) and
    hex strings of 7+ characters with a digit (commit prefixes; "deadbeef" is a word).
    """
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, text: str) -> None:
        if any(start < t_end and end > t_start for t_start, t_end in taken):
            return
        taken.append((start, end))
        found.append((start, text))

    for match in _MLFLOW_URI.finditer(question):
        text = match.group(0).rstrip(_TRAILING)
        add(match.start(), match.start() + len(text), text)
    for match in _FULL_REF.finditer(question):
        text = match.group(0).rstrip(_TRAILING)
        add(match.start(), match.start() + len(text), text)
    for match in _INCIDENT_ID.finditer(question):
        add(match.start(), match.end(), match.group(0).upper())
    for match in _NAME_AT_DIGEST.finditer(question):
        add(match.start(), match.end(), match.group(0))
    for match in _NAME_SLASH_VERSION.finditer(question):
        add(match.start(), match.end(), match.group(0))
    for match in _NAME_V_VERSION.finditer(question):
        add(match.start(), match.end(), f"{match.group(1)}/{match.group(2)}")
    for match in _COMMIT_WORD.finditer(question):
        add(match.start(1), match.end(1), match.group(1).lower())
    for match in _HEX.finditer(question.lower()):
        if any(ch.isdigit() for ch in match.group(0)):
            add(match.start(), match.end(), match.group(0))
    ordered = [text for _, text in sorted(found)]
    return list(dict.fromkeys(ordered))[:limit]
