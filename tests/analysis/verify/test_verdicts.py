"""From re-trained values to verdicts: shares, noise, reproduction, direction."""

from __future__ import annotations

import pytest

from agentops.analysis.verify.verdicts import baseline, regression_beyond_noise, reproduces


def test_shares_are_fractions_of_the_regression_in_either_direction() -> None:
    higher_is_better = baseline([0.80, 0.80], [0.60, 0.60])
    assert higher_is_better.share(0.80) == pytest.approx(1.0)
    assert higher_is_better.share(0.70) == pytest.approx(0.5)
    lower_is_better = baseline([1.0, 1.0], [2.0, 2.0])  # a loss that rose
    assert lower_is_better.share(1.25) == pytest.approx(0.75)
    assert regression_beyond_noise(higher_is_better, worse_sign=-1.0)
    assert regression_beyond_noise(lower_is_better, worse_sign=1.0)
    assert not regression_beyond_noise(lower_is_better, worse_sign=-1.0)  # it got better


def test_verdicts_leave_noise_out() -> None:
    noisy = baseline([0.80, 0.78], [0.60, 0.62])  # spread 0.02: noise 0.04 of a 0.18 drop
    assert noisy.verdict(0.9) == "confirmed"
    assert noisy.verdict(0.35) == "inconclusive"
    assert noisy.verdict(0.2) == "rejected"  # 0.036 recovered: within the 0.04 noise
    assert noisy.verdict(-0.5) == "rejected"


def test_a_move_within_why_s_floor_is_no_regression() -> None:
    assert not regression_beyond_noise(baseline([0.162], [0.159]), worse_sign=-1.0)


def test_reproduction_is_judged_against_the_recorded_values() -> None:
    assert reproduces(0.1601, 0.16, noise=0.0, recorded_move=-0.07)
    assert not reproduces(0.5, 0.16, noise=0.0, recorded_move=-0.07)
    assert reproduces(0.80, 0.805, noise=0.0, recorded_move=0.0)  # within 1% of the record
