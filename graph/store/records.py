"""What the store accepts: the one edge every write passes, so whatever is written can be read.

A value that one database or one later read cannot hold poisons the store for every command
after it (a year-10000 time broke every read of the graph; a NUL or a lone surrogate is refused
by PostgreSQL; NaN is not JSON). So each node and edge is checked here before it is written:

- times lie in the graph's range (`graph.model.check_time`), else the record is rejected;
- text (refs, keys, values) is normalised: a lone surrogate or a NUL becomes U+FFFD, so the
  rest of a commit message or a data cell survives;
- numbers are finite and fit 64 bits: NaN and ±infinity become null (JSON has no such
  numbers, and a metric that did not converge is "no value"); a larger integer rejects the record;
- attributes nest at most `MAX_DEPTH` levels (deeper JSON cannot be serialised without
  recursion limits) and hold at most `MAX_VALUES` values.

A rejected record is reported by ref with its reason (`RecordRejected`); the others are written.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any

from graph.model import Edge, Node, check_time

MAX_DEPTH = 64
MAX_VALUES = 1_000_000
_INT64 = 2**63
_UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")


class RecordRejected(ValueError):
    """Why one node or edge cannot be stored."""


def clean_text(text: str) -> str:
    """`text` with NULs and lone surrogates replaced by U+FFFD (valid UTF-8 everywhere)."""
    return _UNSAFE_TEXT.sub("\ufffd", text) if _UNSAFE_TEXT.search(text) else text


def clean_value(value: Any) -> Any:
    """A JSON value every backend stores and every read returns as written (see module doc);
    RecordRejected when it cannot be made one. Iterative: a hostile depth cannot overflow."""
    root: list[Any] = [value]
    stack: list[tuple[Any, Any, int]] = [(root, 0, 0)]  # (container, key, depth)
    seen = 0
    while stack:
        holder, key, depth = stack.pop()
        item = holder[key]
        seen += 1
        if seen > MAX_VALUES:
            raise RecordRejected(f"more than {MAX_VALUES:,} values in its attributes")
        if isinstance(item, str):
            holder[key] = clean_text(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -_INT64 <= item < _INT64:
                raise RecordRejected("an integer in its attributes does not fit 64 bits")
        elif isinstance(item, float):
            if not math.isfinite(item):
                holder[key] = None
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise RecordRejected(f"its attributes nest deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                copy = {clean_text(str(k)): v for k, v in item.items()}
                stack.extend((copy, k, depth + 1) for k in copy)
            else:
                copy = list(item)
                stack.extend((copy, i, depth + 1) for i in range(len(copy)))
            holder[key] = copy
        else:
            holder[key] = clean_text(str(item))
    return root[0]


def clean_node(node: Node) -> Node:
    """`node` as the store will hold it, or RecordRejected."""
    return replace(
        node,
        ref=clean_text(node.ref),
        attrs=clean_value(node.attrs),
        source_time=_time(node.source_time, "source time"),
        first_seen=_time(node.first_seen, "first-seen time"),
    )


def clean_edge(edge: Edge) -> Edge:
    """`edge` as the store will hold it, or RecordRejected."""
    return replace(
        edge,
        src=clean_text(edge.src),
        dst=clean_text(edge.dst),
        attrs=clean_value(edge.attrs),
        source_time=_time(edge.source_time, "source time"),
        first_seen=_time(edge.first_seen, "first-seen time"),
    )


def _time(moment: Any, what: str) -> Any:
    if moment is None:
        return None
    try:
        return check_time(moment)
    except (ValueError, TypeError, AttributeError) as exc:
        raise RecordRejected(f"its {what} is not usable: {exc}") from None
