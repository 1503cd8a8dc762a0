"""Node and edge kinds, and the human-typable refs that name nodes.

A ref is `<kind>:<key>` (DESIGN.md, "Lineage model"). Parsing is purely syntactic;
resolving short forms against what is stored (`recsys/7`, a commit prefix) is the store's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from graph.errors import RefError


class NodeKind(StrEnum):
    COMMIT = "commit"
    CONFIG = "config"
    DATASET = "dataset"
    RUN = "run"
    MODEL = "model"
    DEPLOYMENT = "deploy"
    INCIDENT = "incident"


class EdgeKind(StrEnum):
    """Edges point the way data flows: `src` feeds `dst`."""

    PARENT = "parent"  # commit → child commit (git history)
    PREVIOUS = "previous"  # older version → newer version of the same dataset/config
    INTRODUCED = "introduced"  # commit → config/dataset version it added
    CODE_OF = "code_of"  # commit → run
    CONFIG_OF = "config_of"  # config → run
    INPUT = "input"  # dataset → run
    OUTPUT = "output"  # run → dataset
    PRODUCED = "produced"  # run → model
    DEPLOYED = "deployed"  # model → deployment
    AFFECTED = "affected"  # model/deployment → incident
    PARENT_RUN = "parent_run"  # parent run → child run (orchestration)


HISTORY_EDGE_KINDS: frozenset[EdgeKind] = frozenset({EdgeKind.PARENT, EdgeKind.PREVIOUS})
"""Version history rather than lineage: left out of upstream/downstream unless asked."""

# Versioned kinds: the part before the last separator names the logical thing.
_VERSION_SEPARATOR = {NodeKind.CONFIG: "@", NodeKind.DATASET: "@", NodeKind.MODEL: "/"}

_HEX = re.compile(r"^[0-9a-f]+$")
MIN_COMMIT_PREFIX = 7


@dataclass(frozen=True, slots=True)
class Ref:
    """A parsed ref: `kind` plus the `key` after the colon."""

    kind: NodeKind
    key: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.key}"

    @property
    def name(self) -> str:
        """The logical thing this node is a version of (dataset name, config path, model name).

        Two nodes with the same kind and name are versions of one thing; `diff` pairs them.
        Unversioned kinds are their own name.
        """
        separator = _VERSION_SEPARATOR.get(self.kind)
        if self.kind is NodeKind.DEPLOYMENT:
            return self.key.rsplit("@", 1)[0]
        if separator and separator in self.key:
            return self.key.rsplit(separator, 1)[0]
        return self.key


def parse_ref(text: str) -> Ref:
    """Parse a full ref (`kind:key`); raises RefError naming the text and the valid kinds."""
    kind_text, colon, key = text.strip().partition(":")
    if not colon or not key:
        raise RefError(
            f"not a full ref: {text!r}",
            hint=f"write it as KIND:KEY with KIND one of {', '.join(k.value for k in NodeKind)}",
        )
    try:
        kind = NodeKind(kind_text)
    except ValueError:
        raise RefError(
            f"unknown node kind {kind_text!r} in ref {text!r}",
            hint=f"use one of {', '.join(k.value for k in NodeKind)}",
        ) from None
    if kind is NodeKind.COMMIT and not _HEX.match(key):
        raise RefError(f"commit ref {text!r} is not a hex sha", hint="use commit:<sha>")
    if kind in _VERSION_SEPARATOR and _VERSION_SEPARATOR[kind] not in key:
        sep = _VERSION_SEPARATOR[kind]
        raise RefError(
            f"ref {text!r} has no version",
            hint=f"write {kind.value}:<name>{sep}<version>, or give the short name to resolve it",
        )
    return Ref(kind, key)


def is_full_ref(text: str) -> bool:
    """True if `text` starts with a known kind prefix (it may still be a prefix, e.g. a commit)."""
    kind_text, colon, _ = text.partition(":")
    return bool(colon) and kind_text in NodeKind._value2member_map_


def commit_ref(sha: str) -> str:
    return f"commit:{sha}"


def config_ref(path: str, blob_sha: str) -> str:
    return f"config:{path}@{blob_sha[:12]}"


def dataset_ref(name: str, digest: str) -> str:
    return f"dataset:{name}@{digest[:12]}"


def run_ref(run_id: str) -> str:
    return f"run:{run_id}"


def model_ref(name: str, version: str | int) -> str:
    return f"model:{name}/{version}"


def deployment_ref(model_name: str, env: str, at: str) -> str:
    return f"deploy:{model_name}/{env}@{at}"


def incident_ref(incident_id: str) -> str:
    return f"incident:{incident_id}"


def looks_like_commit_prefix(text: str) -> bool:
    return len(text) >= MIN_COMMIT_PREFIX and bool(_HEX.match(text.lower()))
