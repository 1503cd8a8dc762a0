"""Pausing Python's cyclic garbage collector around bulk allocations.

A bulk load or a big lineage walk allocates tens of thousands of tuples and small objects that
hold no cycles. Each 700 new container objects set off a collection pass, and the older
generations' passes rescan every live object in the process (SQLAlchemy alone brings ~100k):
a 5,000-node walk spent 1.6 ms of ~20 ms in them, a 50,000-commit ingest far more.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
