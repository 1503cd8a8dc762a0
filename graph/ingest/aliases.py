"""Other names of a dataset version's content, and the placeholders that carry them.

A dataset version is its bytes (`dataset:<name>@<blake3 12>`); MLflow's digest, DVC's md5 and
the OpenLineage name of the file are aliases of it (`aliases: {"mlflow": [...], "md5": [...],
"openlineage": [...]}`), recorded on the content node by whichever source or link step learns
them. A *placeholder* is a node MLflow named by its own
digest because its content was not (yet) reached; `graph.ingest.link` folds it into the content.
Kept apart from the link step so every ingester can use it without importing that step.
"""

from __future__ import annotations

from graph.attributes import DatasetAttrs
from graph.model import Node


def is_placeholder(node: Node | None) -> bool:
    """A dataset node named by MLflow's digest rather than by its bytes (see the module)."""
    return node is not None and node.attrs.get("algorithm") == "mlflow"


def aliases_of_placeholder(node: Node) -> dict[str, list[str]]:
    """What a content node written over a placeholder of the same ref keeps of it: its
    aliases, its own MLflow digest among them (a logger may use a BLAKE3 prefix as MLflow's
    digest, so the placeholder's ref is the content's)."""
    carrier = Node(node.ref, node.kind, {"aliases": DatasetAttrs(node).aliases})
    add_alias(carrier, "mlflow", str(node.attrs.get("digest") or ""))
    return DatasetAttrs(carrier).aliases


def add_alias(node: Node, alias: str, digest: str) -> bool:
    """Record `digest` as another name (`aliases[alias]`) of the node's content; True if new."""
    if not digest:
        return False
    aliases = {k: list(v) for k, v in DatasetAttrs(node).aliases.items()}
    if digest in aliases.get(alias, []):
        return False
    aliases[alias] = sorted({*aliases.get(alias, []), digest})
    node.attrs["aliases"] = dict(sorted(aliases.items()))
    return True
