"""`agentops rollback apply PLAN --yes`: carry out a plan's alias move, and record it.

Only plans whose action is an alias move are executed; data pins, config reverts and roll
forwards are for people. Before anything changes, the plan file must be intact (its digest),
the target version must be in the graph and in the registry, and the alias must still point
where the plan saw it — if someone moved it since, the plan is stale and is refused. After the
move the registry is read back, and the move is written to the lineage graph as a deployment
node `deploy:<model>/<alias>@<time>` with a model→deployment `deployed` edge (and a `previous`
edge from the deployment it replaces), the way the MLflow ingest records the moves it sees.
The ingest's own view of the alias is updated too, so its next run does not record the same
move a second time. The registry and the record go through the MLflow package's public adapter
(`graph.ingest.mlflow.registry_client`); `import mlflow` happens there, inside `apply_plan`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentops.analysis.rollback.plan import PLAN_FORMAT, PLAN_KIND, Action, AliasMove, plan_digest
from agentops.errors import RollbackError
from graph.jsontext import JSONTextError, parse_json
from graph.model import utc_now
from graph.refs import model_ref

if TYPE_CHECKING:
    from graph.store import LineageStore

APPLIED_BY = "agentops rollback apply"
MAX_PLAN_BYTES = 1 << 20  # a plan is a few KB; this bounds what a wrong path costs to read


@dataclass(frozen=True, slots=True)
class LoadedPlan:
    path: Path
    data: dict[str, Any]
    move: AliasMove

    @property
    def digest(self) -> str:
        return str(self.data["digest"])


@dataclass(frozen=True, slots=True)
class ApplyResult:
    move: AliasMove
    tracking_uri: str
    deployment: str
    recorded: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.move.model,
            "alias": self.move.alias,
            "from_version": self.move.from_version,
            "to_version": self.move.to_version,
            "tracking_uri": self.tracking_uri,
            "deployment": self.deployment,
            "recorded": self.recorded,
        }


def _refuse(path: Path, why: str, hint: str = "") -> RollbackError:
    return RollbackError(
        f"{path}: {why}",
        hint=hint or "make a fresh plan: agentops rollback plan BAD --json --out plan.json",
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def load_plan(path: Path) -> LoadedPlan:
    """Read and check a JSON plan; any problem is one RollbackError line naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:  # bounded: `/dev/zero` or a huge file is not a plan
            data = handle.read(MAX_PLAN_BYTES + 1)
        if len(data) > MAX_PLAN_BYTES:
            raise _refuse(path, f"larger than {MAX_PLAN_BYTES >> 20} MiB: not a rollback plan")
        raw = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise RollbackError(
            f"cannot read plan {path}: {reason}",
            hint="give the file written by `agentops rollback plan --json`",
        ) from None
    try:
        data = parse_json(raw)
    except JSONTextError as exc:
        raise _refuse(path, exc.reason) from None
    if not isinstance(data, dict) or data.get("kind") != PLAN_KIND:
        raise _refuse(path, f'not a rollback plan (no "kind": "{PLAN_KIND}")')
    if data.get("format") != PLAN_FORMAT:
        raise _refuse(
            path, f"plan format {data.get('format')!r}; this agentops reads {PLAN_FORMAT}"
        )
    if data.get("digest") != plan_digest(data):
        raise _refuse(path, "the plan was changed after it was made (its digest does not match)")
    action = data.get("action")
    if action != Action.ROLLBACK_ALIAS.value:
        raise _refuse(
            path,
            f"the plan's action is {action!r}, not an alias move: it is for people to carry out",
            hint="follow its runbook steps: agentops rollback plan BAD --md",
        )
    mechanism = data.get("mechanism")
    if not isinstance(mechanism, dict) or mechanism.get("kind") != "alias-move":
        raise _refuse(path, "the plan has no alias move (mechanism)")
    model, alias, to_version = (_text(mechanism.get(k)) for k in ("model", "alias", "to_version"))
    from_version = mechanism.get("from_version")
    uri = mechanism.get("tracking_uri")
    if (
        not (model and alias and to_version)
        or not isinstance(from_version, str | None)
        or not (isinstance(uri, str | None))
    ):
        raise _refuse(path, "the alias move lacks a model, alias or version")
    target = data.get("target") or {}
    if target.get("model") != model_ref(model, to_version):
        raise _refuse(path, "the alias move does not match the plan's target")
    reason = data.get("reason")
    named = re.compile(rf"\bto version {re.escape(to_version)}(?!\w|\.\d)")
    if not isinstance(reason, str) or not named.search(reason):
        raise _refuse(path, f"the plan's own text does not name version {to_version}")
    if data.get("bad") == model_ref(model, to_version):
        raise _refuse(path, "the plan rolls back to the bad version itself")
    return LoadedPlan(path, data, AliasMove(model, alias, from_version, to_version, uri))


def resolve_uri(
    plan: LoadedPlan, explicit: str | None, configured: str | None, root: Path | None
) -> str:
    """The registry to move the alias in: --tracking-uri, else MLFLOW_TRACKING_URI, else
    agentops.toml (a relative SQLite path there is relative to the project root) — never the
    plan's own `tracking_uri`. A plan is a file anyone can edit (its digest is no signature),
    and one copied with its project would reach the original's registry through the absolute
    path it records; so a plan made against another registry than the project's is refused.
    """
    from graph.ingest.mlflow.registry_client import masked_uri, resolve_tracking_uri

    if explicit:
        return explicit  # the user named the registry on the command line
    uri = os.environ.get("MLFLOW_TRACKING_URI") or resolve_tracking_uri(None, configured, root)
    recorded = plan.move.tracking_uri
    if recorded and recorded != masked_uri(uri):
        raise _refuse(
            plan.path,
            f"the plan was made for the registry {recorded}, this project's is {masked_uri(uri)}",
            hint="make a fresh plan in this project, or name the registry with --tracking-uri",
        )
    return uri


def apply_plan(
    store: LineageStore, plan: LoadedPlan, tracking_uri: str, *, now: datetime | None = None
) -> ApplyResult:
    """Move the alias as the plan says, check it took, and record the move in the graph."""
    from graph.ingest.mlflow.registry_client import (
        masked_uri,
        move_deployment_ref,
        open_registry,
    )

    move = plan.move
    target = model_ref(move.model, move.to_version)
    if store.get(target) is None:
        raise RollbackError(
            f"{target} is not in the lineage graph",
            hint="run `agentops sync` (or `agentops ingest mlflow`) and make a fresh plan",
        )
    with open_registry(tracking_uri) as registry:
        registry.check_version(move.model, move.to_version)  # raises if it is not registered
        current = registry.alias_target(move.model, move.alias)
        if current != move.from_version:
            where = f"version {current}" if current else "nothing"
            expected = f"version {move.from_version}" if move.from_version else "nothing"
            raise RollbackError(
                f"alias {move.alias} of model {move.model} points at {where}, not at {expected} "
                "as the plan expected: someone moved it since the plan was made",
                hint="make a fresh plan: agentops rollback plan BAD --json --out plan.json",
            )
        after = registry.move_alias(move.model, move.alias, move.to_version)
    if after != move.to_version:
        raise RollbackError(
            f"the registry reports alias {move.alias} at version {after} after the move",
            hint="check the registry by hand before anything else",
        )
    moved_at = now or utc_now()
    recorded = record_move(store, plan, tracking_uri, moved_at)
    ref = move_deployment_ref(move.model, move.alias, moved_at)
    return ApplyResult(move, masked_uri(tracking_uri), ref, recorded)


def record_move(store: LineageStore, plan: LoadedPlan, uri: str, moved_at: datetime) -> bool:
    """Write the move to the lineage graph, with the plan it carried out; False if the graph
    write failed (the registry has moved all the same)."""
    from graph.errors import StoreError
    from graph.ingest.mlflow.registry_client import record_alias_move

    move = plan.move
    try:
        record_alias_move(
            store,
            model=move.model,
            alias=move.alias,
            from_version=move.from_version,
            to_version=move.to_version,
            moved_at=moved_at,
            tracking_uri=uri,
            attrs={
                "by": APPLIED_BY,
                "time_basis": "applied",
                "plan": plan.digest,
                "plan_file": str(plan.path.resolve()),
                "bad": plan.data.get("bad"),
                "incident": plan.data.get("incident"),
                "origin": "agentops",
            },
        )
    except StoreError:
        return False
    return True
