"""Tool results made small enough to send: capped lists and strings, then a character budget.

Every character of a tool result is paid for on every later turn of the conversation (it stays
in the prompt), so results are trimmed structurally first — a list keeps its first items and
says how many it dropped, a long string keeps its head — and only then, if the JSON is still
over budget, tightened further and finally cut with a note. The notes use one form,
`… truncated, N more …`, so the model learns to ask a narrower question instead of guessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_CHARS = 6_000  # ≈ 1,500 tokens: a root-cause report fits, a whole closure does not


@dataclass(frozen=True, slots=True)
class Caps:
    """Lists and strings are the bulk of a result and tighten; a dict's keys are its shape and
    keep their (generous) cap, so tightening never drops a field the model would look for."""

    max_items: int = 25
    max_string: int = 600
    max_depth: int = 8
    max_keys: int = 60

    def tighter(self) -> Caps:
        return Caps(
            max(3, self.max_items // 2),
            max(80, self.max_string // 2),
            self.max_depth,
            self.max_keys,
        )


def shrink(value: Any, caps: Caps = Caps(), depth: int = 0) -> Any:
    """A copy of `value` with lists and strings cut to `caps`, each cut marked."""
    if depth >= caps.max_depth:
        return "… truncated (nested too deep)"
    if isinstance(value, dict):
        items = list(value.items())
        out = {str(k): shrink(v, caps, depth + 1) for k, v in items[: caps.max_keys]}
        if len(items) > caps.max_keys:
            out["…"] = f"truncated, {len(items) - caps.max_keys} more keys"
        return out
    if isinstance(value, list | tuple):
        kept = [shrink(v, caps, depth + 1) for v in value[: caps.max_items]]
        if len(value) > caps.max_items:
            kept.append(f"… truncated, {len(value) - caps.max_items} more")
        return kept
    if isinstance(value, str) and len(value) > caps.max_string:
        return value[: caps.max_string] + f"… truncated, {len(value) - caps.max_string} more chars"
    if isinstance(value, float):
        return round(value, 4)
    return value


def to_text(value: Any) -> str:
    """Compact JSON (no spaces), or the string itself."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def compact(value: Any, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[Any, str]:
    """(shrunk value, its text) with the text at most about `max_chars` characters.

    A string result (a Markdown draft) is only cut at `max_chars`: it is one document, not a
    field among many.
    """
    if isinstance(value, str):
        if len(value) <= max_chars:
            return value, value
        text = value[:max_chars] + f"… truncated, {len(value) - max_chars} more chars"
        return text, text
    caps = Caps()
    shrunk = shrink(value, caps)
    text = to_text(shrunk)
    for _ in range(4):
        if len(text) <= max_chars:
            return shrunk, text
        caps = caps.tighter()
        shrunk = shrink(value, caps)
        text = to_text(shrunk)
    if len(text) > max_chars:
        dropped = len(text) - max_chars
        text = text[:max_chars] + f"… truncated, {dropped} more chars"
    return shrunk, text
