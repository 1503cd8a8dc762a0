"""Failure-mode detectors, one per failure-mode card the lineage can show, in one registry.

Each module registers its detectors with `@detector("<card id>", reads=<evidence type>)`
(`registry.py`); importing this package registers them all. `detect(evidence)` runs every
detector that reads that kind of evidence; `posterior` weighs a finding with its card's prior.
Adding a failure mode is a card in `knowledge/cards/failure-mode/` plus a detector here.

Cards no detector can serve, because the lineage holds nothing that shows them, are listed in
`LINEAGE_CANNOT_SHOW` with the reason (a test keeps the two lists and the cards in step).
"""

from __future__ import annotations

from agentops.analysis.rootcause.detectors import code, config, data, dependency, promotion
from agentops.analysis.rootcause.detectors.evidence import (
    CommitFacts,
    ConfigDiff,
    DependencyMoves,
    Promotion,
)
from agentops.analysis.rootcause.detectors.registry import (
    DETECTORS,
    Detector,
    detect,
    detector,
    posterior,
    prior_of,
)

LINEAGE_CANNOT_SHOW = {
    "concept-drift": "P(Y|X) moving needs features and labels read together; the stored "
    "profiles are per column, so the lineage shows P(X) and P(Y) apart (covariate drift, "
    "label shift) but never their relation",
    "data-leakage": "leakage is a feature that encodes the target or the future; seeing it "
    "needs the features' relation to the label, which no profile or diff holds",
    "latency-regression": "latency, memory and cost are serving telemetry; the lineage holds "
    "what a model was made from, not how fast it serves",
    "seed-noise": "the absence of a cause: the noise band from healthy history and the verdict "
    "say it, no single change can",
    "silent-failure": "garbage served under a healthy status shows in served outputs, which "
    "the lineage does not record",
    "slice-regression": "a segment getting worse needs per-slice metrics or profiles; runs "
    "log whole-dataset metrics and profiles cover whole datasets",
}

__all__ = [
    "DETECTORS",
    "LINEAGE_CANNOT_SHOW",
    "CommitFacts",
    "ConfigDiff",
    "DependencyMoves",
    "Detector",
    "Promotion",
    "code",
    "config",
    "data",
    "dependency",
    "detect",
    "detector",
    "posterior",
    "prior_of",
    "promotion",
]
