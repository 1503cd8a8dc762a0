"""Which model version is bad, which one was last good, and whether and when each served.

BAD may be a model version, a deployment or an incident. GOOD, when not given, is the newest
version of the same model that served (a deployment seen, a `promoted_at` tag, or an alias)
before BAD was promoted and that no incident points at; failing that, the newest earlier
version that no incident points at.

What each version was made from is the graph's `ModelVersionLineage`, read for every version of
the model at once; this module adds the judgements (served, promoted when, which one is good).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING

from graph.attributes import DeploymentAttrs
from graph.errors import RefError
from graph.model import parse_time
from graph.refs import EdgeKind, NodeKind
from graph.version_lineage import ModelVersionLineage, model_versions, version_lineages

if TYPE_CHECKING:
    from graph.store import LineageStore

PROMOTION_TAGS = ("promoted_at", "promotion_time", "deployed_at")


@dataclass(frozen=True, slots=True)
class Version(ModelVersionLineage):
    """One model version with what it was made from, as the analysis judges it."""

    @classmethod
    def of(cls, lineage: ModelVersionLineage) -> Version:
        return cls(*(getattr(lineage, f.name) for f in fields(lineage)))

    @property
    def served(self) -> bool:
        promoted = any(tag in self.attrs.tags for tag in PROMOTION_TAGS)
        return bool(self.deployments or self.attrs.aliases or promoted)

    @property
    def promoted_at(self) -> datetime | None:
        """When it started serving: a promotion tag, else its first deployment seen."""
        tags = self.attrs.tags
        for tag in PROMOTION_TAGS:
            if isinstance(tags.get(tag), str):
                try:
                    return parse_time(tags[tag])
                except ValueError:
                    continue
        times = [d.source_time for d in self.deployments if d.source_time]
        return min(times) if times else None


def rolled_back(versions: list[Version]) -> set[str]:
    """Refs of the versions an alias was moved away from to an older version: a rollback says
    the team judged that version bad, whether or not an incident was filed."""
    by_label = {v.ref.rsplit("/", 1)[-1]: v for v in versions}
    out: set[str] = set()
    for version in versions:
        for node in version.deployments:
            move = DeploymentAttrs(node)
            left, to = by_label.get(move.previous_version or ""), by_label.get(move.version or "")
            if left is not None and to is not None and to.number < left.number:
                out.add(left.ref)
    return out


def healthy(versions: list[Version], before: Version) -> list[Version]:
    """The versions before `before` that served without trouble: promoted, no incident against
    them, never rolled back. Only they show how much the metric moves when nothing is wrong."""
    bad = rolled_back(versions)
    return [
        v
        for v in versions
        if v.served and not v.incidents and v.ref not in bad and v.number < before.number
    ]


def load_version(store: LineageStore, model_ref: str) -> Version:
    found = version_lineages(store, [model_ref])
    if not found:
        raise RefError(f"{model_ref} is not a model version in the graph")
    return Version.of(found[0])


def load_versions(store: LineageStore, name: str) -> list[Version]:
    """Every version of the registered model `name`, oldest first, read together."""
    return [Version.of(lineage) for lineage in model_versions(store, name)]


def bad_target(store: LineageStore, ref: str) -> tuple[str, str | None]:
    """The model version BAD names, and the incident when BAD is one."""
    node = store.get(ref)
    if node is None:
        raise RefError(f"no node {ref}")
    if node.kind is NodeKind.MODEL:
        return node.ref, None
    edges = store.edges_of([ref])
    if node.kind is NodeKind.DEPLOYMENT:
        models = [e.src for e in edges if e.dst == ref and e.kind is EdgeKind.DEPLOYED]
        if models:
            return models[0], None
    if node.kind is NodeKind.RUN:  # the run behind a version, as `runs:/<id>/model` names it
        models = sorted(e.dst for e in edges if e.src == ref and e.kind is EdgeKind.PRODUCED)
        if models:
            return models[-1], None
    if node.kind is NodeKind.INCIDENT:
        affected = [e.src for e in edges if e.dst == ref]
        deployments = [src for src in affected if src.startswith(f"{NodeKind.DEPLOYMENT.value}:")]
        models = [src for src in affected if src.startswith(f"{NodeKind.MODEL.value}:")]
        models += [
            e.src
            for e in (store.edges_of(deployments) if deployments else [])
            if e.dst in deployments and e.kind is EdgeKind.DEPLOYED
        ]
        if models:
            return sorted(set(models))[-1], node.ref
        raise RefError(
            f"{ref} affects no model version in the graph",
            hint="ingest the registry (agentops sync) or give the model: agentops why MODEL",
        )
    raise RefError(
        f"{ref} is a {node.kind.value}; `why` starts from a model version, deployment or incident",
        hint="give the bad model version, e.g. recsys/7, the incident id, or the run that "
        "made the version",
    )


def find_good(
    bad: Version, versions: list[Version], as_of: datetime | None = None
) -> Version | None:
    """The last version among `versions` that served without trouble before BAD (see module
    docstring)."""
    others = [
        v
        for v in versions
        if v.ref != bad.ref and (as_of is None or (v.model.at and v.model.at <= as_of))
    ]
    healthy = [v for v in others if not v.incidents]
    cutoff = bad.promoted_at or bad.trained_at
    served = [
        v
        for v in healthy
        if v.served and v.promoted_at and (cutoff is None or v.promoted_at < cutoff)
    ]
    if served:
        return max(served, key=lambda v: (v.promoted_at, v.number))
    earlier = [v for v in healthy if v.number < bad.number]
    return max(earlier, key=lambda v: v.number) if earlier else None
