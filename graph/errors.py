"""The graph package's exceptions: one of the three roots of the tree drawn in
`agentops.errors` (`graph` cannot import `agentops`, so its root lives here).

    GraphError            anything the lineage graph refuses, with a hint for the user
    ├── RefError          a ref that does not parse, matches nothing, or matches several nodes
    ├── StoreError        the database cannot be opened, is of a newer schema, or a write failed
    │   └── DumpLineError a line of a dump cannot be loaded; nothing of that load was committed
    └── IngestError       a source (git, files, MLflow, OpenLineage, …) could not be read
"""

from __future__ import annotations


class GraphError(Exception):
    """Base of every expected failure in `graph`; `hint` tells the user what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class RefError(GraphError):
    """A ref that is malformed, unknown or ambiguous; `candidates` lists near matches."""

    def __init__(self, message: str, hint: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.candidates = candidates


class StoreError(GraphError):
    """The lineage store could not be opened or written."""


class DumpLineError(StoreError):
    """A line of a dump that cannot be loaded; nothing of that load was committed."""


class IngestError(GraphError):
    """A lineage source could not be read."""
