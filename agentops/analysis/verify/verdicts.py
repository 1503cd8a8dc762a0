"""From re-trained metric values to verdicts: noise, reproduction, shares, the smallest set.

Run-to-run noise is the widest spread of the K runs of GOOD and of BAD, times
`NOISE_MULTIPLE` (as `why` reads its version-to-version band). A share is only told apart from
nothing when the metric it recovers exceeds that noise and `RESOLUTION` of the regression: a
deterministic job has no spread at all, and a revert recovering 3% of a drop has not recovered
anything one would act on. A regression is only one to explain when it exceeds the noise and
`why`'s own floor (`NOISE_FLOOR`: below a 3% move a metric change is never called a regression).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from agentops.analysis.rootcause import NOISE_FLOOR, NOISE_MULTIPLE
from agentops.analysis.verify.report import CONFIRMED, INCONCLUSIVE, REJECTED

RESOLUTION = 0.1  # shares within 10% of the regression cannot be told from no effect
CONFIRM_SHARE = 0.5  # reverting it alone recovers at least half the regression
EXPLAIN_SHARE = 0.8  # a suspect (or set) that explains the regression on its own
REPRODUCE_FLOOR = 0.01  # a re-trained mean within 1% of the recorded metric reproduces it


@dataclass(frozen=True, slots=True)
class Baseline:
    """GOOD and BAD re-trained: their means, the run-to-run noise and the regression."""

    good: float
    bad: float
    noise: float

    @property
    def regression(self) -> float:
        return self.bad - self.good

    def share(self, value: float) -> float:
        """How much of the good → bad move a tree's value takes back (1.0: all of it)."""
        return (self.bad - value) / self.regression if self.regression else 0.0

    @property
    def resolution(self) -> float:
        """The smallest share that is more than noise."""
        if not self.regression:
            return 1.0
        return max(RESOLUTION, self.noise / abs(self.regression))

    def verdict(self, share: float) -> str:
        if share >= CONFIRM_SHARE and share > self.resolution:
            return CONFIRMED
        if share <= self.resolution:
            return REJECTED
        return INCONCLUSIVE


def baseline(good_runs: list[float], bad_runs: list[float]) -> Baseline:
    spread = max(max(r) - min(r) for r in (good_runs, bad_runs))
    noise = NOISE_MULTIPLE * spread
    return Baseline(statistics.fmean(good_runs), statistics.fmean(bad_runs), noise)


def reproduces(measured: float, recorded: float | None, noise: float, recorded_move: float) -> bool:
    """The command's mean lands on the recorded metric within run-to-run noise, within the
    resolution verify judges shares at (a tenth of the recorded good → bad move), or within
    `REPRODUCE_FLOOR` of the recorded value (K=2 runs say little about a noisy job's spread, and
    a 1% miss is a third of the smallest move `why` calls a regression)."""
    if recorded is None:
        return True
    tolerance = max(noise, RESOLUTION * abs(recorded_move), REPRODUCE_FLOOR * abs(recorded), 1e-9)
    return abs(measured - recorded) <= tolerance


def regression_beyond_noise(base: Baseline, worse_sign: float) -> bool:
    """BAD re-trained is worse than GOOD re-trained, in the symptom's direction, by more than
    the noise and `why`'s floor."""
    moved = base.regression * worse_sign
    return moved > max(base.noise, NOISE_FLOOR * abs(base.good))
