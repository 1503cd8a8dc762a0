"""The detector that reads a promotion (`Promotion`): which version replaced which."""

from __future__ import annotations

from agentops.analysis.rootcause.detectors.evidence import Promotion
from agentops.analysis.rootcause.detectors.registry import detector
from agentops.analysis.rootcause.report import Finding


def is_older(promotion: Promotion) -> bool:
    """BAD was trained before GOOD: promoting it went back in time."""
    bad, good = promotion.bad, promotion.good
    if bad.trained_at and good.trained_at and bad.trained_at != good.trained_at:
        return bad.trained_at < good.trained_at
    return bad.number < good.number


@detector("wrong-model-promoted", reads=Promotion)
def wrong_model_promoted(promotion: Promotion) -> list[Finding]:
    """An older version replaced a newer one: the promotion, not what the old version lacks,
    is the change to look at."""
    if not is_older(promotion):
        return []
    bad, good = promotion.bad, promotion.good
    lines = [
        f"{bad.ref} was trained {bad.trained_at:%Y-%m-%d} — before {good.ref} "
        f"({good.trained_at:%Y-%m-%d}), which it replaced"
        if bad.trained_at and good.trained_at
        else f"{bad.ref} is an older version than {good.ref}, which it replaced"
    ]
    if bad.attrs.tags.get("promoted_at"):
        lines.append(f"promoted at {bad.attrs.tags['promoted_at']}")
    if bad.run is not None and bad.run.attrs.get("run_name"):
        lines.append(f"its run: {bad.run.attrs['run_name']}")
    return [Finding("wrong-model-promoted", 0.95, tuple(lines))]
