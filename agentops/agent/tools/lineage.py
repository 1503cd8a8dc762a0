"""Graph and knowledge tools: resolve, show, walk, diff, commits, configs, datasets, cards.

Each returns a small JSON-like value shaped for a model to read: refs spelled out in full (so
they can be cited and passed to the next call), times as ISO strings, big attributes (dataset
profiles, file lists) summarised. Graph modules are imported inside the functions: the CLI
imports this module only when a question is asked, but the TUI imports it on start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentops.agent.tools.base import REF, Tool, ToolContext

if TYPE_CHECKING:
    from graph.model import Node

DEFAULT_DEPTH = 5  # incident ← deployment ← model ← run ← dataset/config/commit
DEPTH = {"type": "integer", "minimum": 1, "maximum": 10, "description": "Max steps (default 5)."}
KINDS = {
    "type": "array",
    "items": {
        "type": "string",
        "enum": ["commit", "config", "dataset", "run", "model", "deploy", "incident"],
    },
    "description": "Only keep nodes of these kinds.",
}
MAX_WALK_NODES = 60
MAX_EDGES_SHOWN = 20


def _time(node: Node) -> str | None:
    return node.at.isoformat() if node.at else None


def node_summary(node: Node) -> str:
    """One line that says what a node is, for lists and for resolve_ref."""
    from graph.attributes import (
        CommitAttrs,
        ConfigAttrs,
        DatasetAttrs,
        IncidentAttrs,
        ModelVersionAttrs,
        RunAttrs,
        attrs_of,
    )

    match attrs_of(node):
        case CommitAttrs() as commit:
            return f"commit {node.ref[7:19]} by {commit.author or ''}: {commit.subject[:120]}"
        case ModelVersionAttrs() as model:
            aliases = ", ".join(model.aliases)
            return f"model version {node.name}" + (f" (aliases: {aliases})" if aliases else "")
        case DatasetAttrs() as dataset:
            rows = dataset.row_count
            return f"dataset {node.name}, {'?' if rows is None else rows} rows"
        case ConfigAttrs() as config:
            return f"config {node.name}, {len(config.keys)} keys"
        case RunAttrs() as run:
            shown = ", ".join(f"{k}={v:g}" for k, v in list(run.metrics.items())[:4])
            return f"run {run.status or ''} {run.name or ''} {shown}".strip()
        case IncidentAttrs() as incident:
            return (
                f"incident {incident.id or node.name} [{incident.severity or ''}]: "
                + incident.title
            )
    return f"{node.kind.value} {node.name}"


def _brief(node: Node) -> dict[str, Any]:
    return {"ref": node.ref, "kind": node.kind.value, "at": _time(node), "what": node_summary(node)}


def _get(context: ToolContext, text: str) -> Node:
    ref = context.resolve(text)
    node = context.store.get(ref)
    assert node is not None  # resolve() only returns stored refs
    return node


def _summarise_attrs(node: Node) -> dict[str, Any]:
    from graph.attributes import CommitAttrs, DatasetAttrs, attrs_of

    attrs = dict(node.attrs)
    match attrs_of(node):
        case DatasetAttrs() as dataset if isinstance(attrs.get("profile"), dict):
            attrs["profile"] = {
                "row_count": dataset.profile.get("row_count"),
                "columns": [
                    {
                        "name": c.get("name"),
                        "type": c.get("type"),
                        "null_rate": c.get("null_rate"),
                        **({"mean": c["mean"]} if "mean" in c else {}),
                    }
                    for c in dataset.profile_columns
                ],
            }
        case CommitAttrs() as commit if isinstance(attrs.get("files"), list):
            attrs["files"] = _files_by_class(commit.files)
    return attrs


def _files_by_class(files: list[dict[str, Any]]) -> dict[str, list[str]]:
    by_class: dict[str, list[str]] = {}
    for entry in files:
        change = entry.get("change", "M")
        by_class.setdefault(entry.get("class", "other"), []).append(f"{change} {entry.get('path')}")
    return by_class


# -- tools ------------------------------------------------------------------------------------


def resolve_ref(context: ToolContext, text: str) -> dict[str, Any]:
    return _brief(_get(context, text))


def show_node(context: ToolContext, ref: str) -> dict[str, Any]:
    node = _get(context, ref)
    edges = context.store.edges_of([node.ref])
    incoming = [f"{e.src} -{e.kind.value}->" for e in edges if e.dst == node.ref]
    outgoing = [f"-{e.kind.value}-> {e.dst}" for e in edges if e.src == node.ref]
    return {
        **_brief(node),
        "attrs": _summarise_attrs(node),
        "in": incoming[:MAX_EDGES_SHOWN] + _more(incoming),
        "out": outgoing[:MAX_EDGES_SHOWN] + _more(outgoing),
    }


def _more(items: list[Any]) -> list[str]:
    extra = len(items) - MAX_EDGES_SHOWN
    return [f"… truncated, {extra} more"] if extra > 0 else []


def _walk(context: ToolContext, ref: str, depth: int | None, kinds: list[str] | None, up: bool):
    from graph.queries import WalkOptions, downstream, upstream
    from graph.refs import NodeKind

    root = context.resolve(ref)
    options = WalkOptions(
        depth=depth or DEFAULT_DEPTH,
        node_kinds=frozenset(NodeKind(k) for k in kinds) if kinds else None,
        max_nodes=MAX_WALK_NODES,
        as_of=context.as_of,
    )
    sub = (upstream if up else downstream)(context.store, [root], options)
    return {
        "root": root,
        "direction": "upstream" if up else "downstream",
        "nodes": [f"{n.depth} {n.ref}" for n in sub.nodes if n.ref != root],
        "edges": [f"{e.src} -{e.kind.value}-> {e.dst}" for e in sub.edges],
        "truncated": sub.truncated,
    }


def upstream(
    context: ToolContext, ref: str, depth: int | None = None, kinds: list[str] | None = None
) -> dict[str, Any]:
    return _walk(context, ref, depth, kinds, up=True)


def downstream(
    context: ToolContext, ref: str, depth: int | None = None, kinds: list[str] | None = None
) -> dict[str, Any]:
    return _walk(context, ref, depth, kinds, up=False)


def impact(context: ToolContext, ref: str) -> dict[str, Any]:
    from graph.queries import impact as blast_radius

    root = context.resolve(ref)
    sub = blast_radius(context.store, [root], as_of=context.as_of)
    by_kind: dict[str, list[str]] = {}
    for node in sub.nodes:
        if node.ref != root:
            by_kind.setdefault(node.kind.value, []).append(node.ref)
    return {"root": root, "affected": by_kind, "count": sum(len(v) for v in by_kind.values())}


def path(context: ToolContext, src: str, dst: str) -> dict[str, Any]:
    from graph.queries import WalkOptions
    from graph.queries import path as find_path

    a, b = context.resolve(src), context.resolve(dst)
    found = find_path(context.store, a, b, WalkOptions(as_of=context.as_of, commit_history=True))
    return {
        "from": found.src,
        "to": found.dst,
        "shortest": found.shortest,
        "nodes_on_any_path": len(found.subgraph.nodes),
        "connected": bool(found.shortest),
    }


def lineage_diff(context: ToolContext, a: str, b: str) -> dict[str, Any]:
    from graph.diff import diff

    ref_a, ref_b = context.resolve(a), context.resolve(b)
    result = diff(context.store, ref_a, ref_b, as_of=context.as_of)
    return {
        "a": ref_a,
        "b": ref_b,
        "changed": [
            {"kind": c.kind.value, "name": c.name, "a": list(c.a_refs), "b": list(c.b_refs)}
            for c in result.changed
        ],
        "only_a": result.only_a,
        "only_b": result.only_b,
        "params": [change.to_json() for change in result.params],
    }


def code_diff(context: ToolContext, a: str, b: str) -> dict[str, Any]:
    from graph.code_diff import code_diff as diff_code

    ref_a, ref_b = context.resolve(a), context.resolve(b)
    result = diff_code(context.store, ref_a, ref_b, max_commits=200)
    return {
        "a": ref_a,
        "b": ref_b,
        "commit_a": result.commit_a,
        "commit_b": result.commit_b,
        "commits": [
            {
                "ref": f"commit:{c.sha}",
                "subject": c.subject,
                "author": c.author,
                "at": c.committed_at,
                "files": {cls: len(paths) for cls, paths in c.files.items()},
            }
            for c in result.commits
        ],
        "files_by_class": result.files_by_class,
        "configs": [_config_change(c) for c in result.configs],
        "dependencies": [d.to_json() for d in result.dependencies],
        "truncated": result.truncated,
    }


def _config_change(change: Any) -> dict[str, Any]:
    return {
        "path": change.path,
        "old": change.old,
        "new": change.new,
        "keys": [k.to_json() for k in change.keys],
        **({"parse_error": change.parse_error} if change.parse_error else {}),
    }


def show_commit(context: ToolContext, ref: str) -> dict[str, Any]:
    from graph.attributes import CommitAttrs
    from graph.refs import EdgeKind

    node = _get(context, ref)
    if node.kind.value != "commit":
        from graph.code_diff import commit_for

        node = _get(context, commit_for(context.store, node.ref))
    commit = CommitAttrs(node)
    committed = commit.committed_at
    edges = context.store.edges_of([node.ref])
    return {
        "ref": node.ref,
        "author": commit.author,
        "committed_at": committed.isoformat() if committed else _time(node),
        "message": commit.message,
        "parents": [f"commit:{p}" for p in commit.parents],
        "files": _files_by_class(commit.files),
        "introduced": [e.dst for e in edges if e.kind is EdgeKind.INTRODUCED],
        "code_of_runs": [e.dst for e in edges if e.kind is EdgeKind.CODE_OF],
    }


def _previous_version(context: ToolContext, ref: str) -> str:
    from graph.errors import RefError
    from graph.refs import EdgeKind

    previous = [
        e.src for e in context.store.edges_of([ref]) if e.kind is EdgeKind.PREVIOUS and e.dst == ref
    ]
    if not previous:
        raise RefError(f"{ref} has no earlier version in the graph", hint="give both versions")
    return sorted(previous)[0]


def config_diff(context: ToolContext, a: str, b: str | None = None) -> dict[str, Any]:
    new = _get(context, b) if b else _get(context, a)
    old = _get(context, a) if b else _get(context, _previous_version(context, new.ref))
    if old.kind.value != "config" or new.kind.value != "config":
        # Two runs, models or deployments: every config file that changed between their code.
        result = code_diff(context, old.ref, new.ref)
        return {"a": old.ref, "b": new.ref, "configs": result["configs"]}
    from graph.attributes import ConfigAttrs

    keys = key_changes(ConfigAttrs(old).keys, ConfigAttrs(new).keys)
    return {"a": old.ref, "b": new.ref, "keys": keys}


def key_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Added, removed and changed flattened config keys, in key order."""
    out = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            out.append({"key": key, "status": "added", "new": after[key]})
        elif key not in after:
            out.append({"key": key, "status": "removed", "old": before[key]})
        elif before[key] != after[key]:
            out.append({"key": key, "status": "changed", "old": before[key], "new": after[key]})
    return out


def dataset_profile_diff(context: ToolContext, a: str, b: str | None = None) -> dict[str, Any]:
    from graph.attributes import DatasetAttrs
    from graph.errors import RefError
    from graph.profile.drift import profile_drift

    new = _get(context, b) if b else _get(context, a)
    old = _get(context, a) if b else _get(context, _previous_version(context, new.ref))
    profiles = DatasetAttrs(old).profile, DatasetAttrs(new).profile
    if not all(profiles):
        raise RefError(
            f"no stored profile for {new.ref if profiles[0] else old.ref}",
            hint="profiles are stored by `agentops ingest data` for CSV/Parquet/JSONL files",
        )
    drift = profile_drift(profiles[0], profiles[1])
    columns = sorted(drift["columns"], key=_drift_order)
    return {
        "a": old.ref,
        "b": new.ref,
        "row_count": drift["row_count"],
        "columns_added": drift["added"],
        "columns_removed": drift["removed"],
        "columns": columns[:12],
        "columns_not_shown": max(0, len(columns) - 12),
    }


def _drift_order(column: dict[str, Any]) -> tuple[float, float]:
    """Most drifted first: PSI, then the change in null rate."""
    rates = [rate or 0.0 for rate in column.get("null_rate") or [0.0, 0.0]]
    return -(column.get("psi") or 0.0), -abs(rates[-1] - rates[0])


def search_knowledge(context: ToolContext, query: str, limit: int | None = None) -> dict[str, Any]:
    hits = context.library.search(query, limit or 4)
    return {"query": query, "cards": [hit.to_dict() for hit in hits]}


def show_card(context: ToolContext, card_id: str) -> dict[str, Any]:
    return context.library.get(card_id).to_dict(body=True)


def list_incidents(context: ToolContext, include_closed: bool | None = None) -> dict[str, Any]:
    from agentops.analysis import incidents as incident_records
    from graph.attributes import IncidentAttrs

    found = incident_records.list_incidents(context.store, include_closed=bool(include_closed))
    refs = [incident.ref for incident in found]
    incidents = {node.ref: IncidentAttrs(node) for node in context.store.get_many(refs)}
    return {
        "incidents": [
            {
                **_brief(incident.node),
                "closed": incident.closed_at is not None,
                "affects": incident.affects,
                "symptom": incident.symptom or None,
            }
            for ref in refs
            if (incident := incidents.get(ref)) is not None
        ]
    }


AB = {"a": REF, "b": REF}

GRAPH_TOOLS: tuple[Tool, ...] = (
    Tool(
        "resolve_ref",
        "Turn what the user typed (recsys/7, a sha prefix, INC-1001, ratings@3fa2) into the one "
        "stored ref, with a one-line description. Fails with candidates if it is ambiguous.",
        {"text": {"type": "string", "description": "What the user typed."}},
        resolve_ref,
        ("text",),
    ),
    Tool(
        "show_node",
        "Everything stored about one node (attributes, in- and out-edges).",
        {"ref": REF},
        show_node,
        ("ref",),
    ),
    Tool(
        "upstream",
        "What fed a node: its code commits, configs, datasets and runs (lineage, not history).",
        {"ref": REF, "depth": DEPTH, "kinds": KINDS},
        upstream,
        ("ref",),
    ),
    Tool(
        "downstream",
        "What a node fed: runs, models, deployments, incidents.",
        {"ref": REF, "depth": DEPTH, "kinds": KINDS},
        downstream,
        ("ref",),
    ),
    Tool(
        "impact",
        "Blast radius of a node: every model version, deployment and incident downstream.",
        {"ref": REF},
        impact,
        ("ref",),
    ),
    Tool(
        "path",
        "How two nodes are connected in the lineage (shortest path), if they are.",
        {"src": REF, "dst": REF},
        path,
        ("src", "dst"),
    ),
    Tool(
        "lineage_diff",
        "What differs between the upstream lineage of A (earlier, good) and B (later, bad): "
        "changed dataset/config/commit versions and what only one side has.",
        AB,
        lineage_diff,
        ("a", "b"),
    ),
    Tool(
        "code_diff",
        "Code changes from A to B (commits, models, runs or deployments): the commits in "
        "between with files by class, changed config keys, dependency bumps.",
        AB,
        code_diff,
        ("a", "b"),
    ),
    Tool(
        "show_commit",
        "One commit: message, author, time, files touched by class, config versions it added, "
        "runs trained from it. A run/model/deployment shows the commit it was trained from.",
        {"ref": REF},
        show_commit,
        ("ref",),
    ),
    Tool(
        "config_diff",
        "Config keys that changed between two config versions (or between the configs of two "
        "runs/models). With only `a`, compares it with its previous version.",
        {"a": REF, "b": REF},
        config_diff,
        ("a",),
    ),
    Tool(
        "dataset_profile_diff",
        "Drift between two dataset versions from their stored profiles: row counts, columns "
        "added/removed, per-column null rates and PSI/KS. With only `a`, against its previous "
        "version.",
        {"a": REF, "b": REF},
        dataset_profile_diff,
        ("a",),
    ),
    Tool(
        "search_knowledge",
        "Search the team's knowledge cards (failure modes, checklists, runbooks) by keywords.",
        {
            "query": {"type": "string", "description": "A few keywords."},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10},
        },
        search_knowledge,
        ("query",),
    ),
    Tool(
        "show_card",
        "The full text of one knowledge card by id (e.g. null-spike, rollback-alias).",
        {"card_id": {"type": "string"}},
        show_card,
        ("card_id",),
        max_chars=8_000,
    ),
    Tool(
        "list_incidents",
        "Incidents in the graph, newest first (open ones unless include_closed).",
        {"include_closed": {"type": "boolean"}},
        list_incidents,
    ),
)
