"""Detectors that read a code commit (`CommitFacts`), and the row-loss detector, which reads a
commit and a dataset alike: rows lost in code, or in the data the run read."""

from __future__ import annotations

import re

from agentops.analysis.rootcause.data_changes import ROW_DROP, DatasetChange
from agentops.analysis.rootcause.detectors.evidence import CommitFacts
from agentops.analysis.rootcause.detectors.registry import detector
from agentops.analysis.rootcause.report import Finding

# A subject that names a row operation: the commit changes which rows reach training. Dropping
# columns or features is not one (pandas' `drop` takes either): it changes what is learned from.
JOIN_WORDS = re.compile(
    r"\b(join|merge|filter|dedup\w*|sampl\w*|inner|"
    r"drop(ped|s)?\b(?!(\s+[\w-]+){0,2}\s+(columns?|cols?|features?|fields?)\b))\b",
    re.IGNORECASE,
)
# A subject that says the edit is cosmetic; weak evidence, the diff may still say otherwise.
TRIVIAL_WORDS = re.compile(r"\b(typo|docs?|comment|format\w*|lint|whitespace|rename)\b", re.I)


@detector("feature-code-bug", reads=CommitFacts)
def feature_code_bug(commit: CommitFacts) -> list[Finding]:
    """Code the model runs changed; a subject that calls it cosmetic makes it weaker."""
    if not commit.code:
        return []
    cosmetic = bool(TRIVIAL_WORDS.search(commit.subject)) and not JOIN_WORDS.search(commit.subject)
    line = f"code changed: {', '.join(sorted(commit.code)[:6])}"
    if cosmetic:
        line += " (the message calls it cosmetic)"
    return [Finding("feature-code-bug", 0.35 if cosmetic else 0.75, (line,))]


@detector("join-bug", reads=(CommitFacts, DatasetChange))
def join_bug(change: CommitFacts | DatasetChange) -> list[Finding]:
    """Rows lost: the training data the run read shrank by a fifth or more, or the run's own
    row count fell that much while its inputs did not (then the commit that changed code lost
    them), or a code commit whose subject names a join, filter or sampling."""
    if isinstance(change, DatasetChange):
        if change.is_eval or change.row_change is None or change.row_change > -ROW_DROP:
            return []
        line = f"rows {change.rows_before:,} → {change.rows_after:,} ({change.row_change:+.1%})"
        return [Finding("join-bug", 0.6, (line,), "data-rows")]
    if not change.code:
        return []
    if change.train_rows_drop is not None and change.train_rows_drop >= ROW_DROP:
        line = (
            f"training rows fell {change.train_rows_drop:.0%} between the runs while the input "
            "datasets did not shrink: rows are lost in code (join, filter or sampling)"
        )
        return [Finding("join-bug", 0.9, (line,))]
    words = JOIN_WORDS.search(change.subject)
    if words:
        line = f"the message names a row operation ({words.group(0)!r})"
        return [Finding("join-bug", 0.8, (line,))]
    return []
