"""The detector registry: `@detector("<card id>", reads=…)` and what the ranking does with it.

A detector is a function of one change's typed evidence (a `CommitFacts`, a `ConfigDiff`, a
`DependencyMoves`, a `DatasetChange`, a `Promotion`) that returns the `Finding`s it sees: the
failure-mode card it detects, a strength 0..1 and the figures as evidence. It is registered under
the id of the card it detects, so the card (`knowledge/cards/failure-mode/<id>.md`) holds the
prior, the remediation and the explanation, and the code only the recognition.

Strength is what the evidence alone says, read as the probability that the change caused the
symptom for a failure mode of even prior odds (a card with `prior: 0.5`). `posterior` applies the
card's own prior by Bayes' rule in odds form, so the library passed to `explain` (a team's card
overriding `prior` included) moves the ranking, and no prior lives in code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import Finding
    from knowledge.library import KnowledgeLibrary

EVEN_PRIOR = 0.5  # the prior at which a detector's strength is its posterior unchanged

Find = Callable[[Any], Sequence["Finding"]]
F = TypeVar("F", bound=Find)


@dataclass(frozen=True, slots=True)
class Detector:
    """One failure-mode card's recogniser: the evidence types it reads and the function."""

    card: str  # the failure-mode card id it detects
    reads: tuple[type, ...]
    find: Find


DETECTORS: dict[str, Detector] = {}


def detector(card: str, *, reads: type | tuple[type, ...]) -> Callable[[F], F]:
    """Register the decorated function as the detector of the failure-mode card `card`."""
    types = reads if isinstance(reads, tuple) else (reads,)

    def register(find: F) -> F:
        if card in DETECTORS:
            raise ValueError(f"a detector for {card!r} is already registered")
        DETECTORS[card] = Detector(card, types, find)
        return find

    return register


def detect(evidence: object) -> list[Finding]:
    """What every detector that reads this kind of evidence finds in it, strongest first."""
    found = [
        finding
        for registered in DETECTORS.values()
        if isinstance(evidence, registered.reads)
        for finding in registered.find(evidence)
    ]
    return sorted(found, key=lambda finding: -finding.strength)


def prior_of(card: str, library: KnowledgeLibrary) -> float:
    """The card's `prior` as the library holds it (a team's card wins); even odds without one."""
    found = library.find(card)
    prior = getattr(found, "prior", None) if found is not None else None
    return float(prior) if prior is not None else EVEN_PRIOR


def posterior(strength: float, prior: float) -> float:
    """The strength of a finding updated with its card's prior, by Bayes' rule in odds form:

        odds = strength / (1 - strength) × prior / (1 - prior) ÷ (EVEN_PRIOR / (1 - EVEN_PRIOR))

    A card at `prior: 0.5` leaves the strength as it is; a rarer failure mode (0.3) needs
    stronger evidence to reach the same score; a certain finding (1.0) or a null one (0.0)
    stays so whatever the prior.
    """
    strength = min(max(strength, 0.0), 1.0)
    prior = min(max(prior, 0.001), 0.999)
    if strength in (0.0, 1.0):
        return strength
    odds = strength / (1 - strength) * prior / (1 - prior) / (EVEN_PRIOR / (1 - EVEN_PRIOR))
    return odds / (1 + odds)
