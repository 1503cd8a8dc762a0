"""Analysis tools: rank suspects (`why`), suggest checklist tests, plan a rollback, draft a
postmortem. Thin wrappers over the project's analysis (`agentops.project`), which does the
deterministic work with the team's cards and remembers it for the chat's panels; the model
explains and cross-checks it.

The project imports each analysis when it first runs: the TUI imports the tools on start, and
most questions never need a root-cause ranking or a rollback plan.
"""

from __future__ import annotations

from typing import Any

from agentops.agent.tools.base import REF, Tool, ToolContext

MAX_SUSPECTS = 6
MAX_EVIDENCE = 5


def why(context: ToolContext, bad: str, good: str | None = None) -> dict[str, Any]:
    """The report's JSON, trimmed for a model: each suspect's evidence capped, empty fields and
    empty details dropped, and the ruled-out changes as ref, kind and reason only (their
    evidence is why they cannot matter, which the reason already says)."""
    bad_ref = context.resolve(bad)
    good_ref = context.resolve(good) if good else None
    report = context.project.explain(bad_ref, good_ref, as_of=context.as_of)
    data = report.to_json()
    suspects = list(data.get("suspects") or [])
    for suspect in suspects:
        evidence = list(suspect.get("evidence") or [])
        suspect["evidence"] = evidence[:MAX_EVIDENCE] + (
            [f"… truncated, {len(evidence) - MAX_EVIDENCE} more"]
            if len(evidence) > MAX_EVIDENCE
            else []
        )
        if isinstance(suspect.get("details"), dict):
            suspect["details"] = _without_empty(suspect["details"])
    data["suspects"] = [_without_empty(s) for s in suspects[:MAX_SUSPECTS]]
    if len(suspects) > MAX_SUSPECTS:
        data["suspects_not_shown"] = len(suspects) - MAX_SUSPECTS
    data["ruled_out"] = [_ruled_out(change) for change in data.get("ruled_out") or []]
    return data


def _ruled_out(change: dict[str, Any]) -> dict[str, Any]:
    relevance = change.get("relevance") or {}
    reason = relevance.get("reason") or change.get("summary")
    return {"ref": change.get("ref"), "kind": change.get("kind"), "reason": reason}


def _without_empty(record: dict[str, Any]) -> dict[str, Any]:
    """Drop null and empty fields: on every later turn each one is paid for again."""
    return {k: v for k, v in record.items() if v not in (None, [], {}, "")}


def suggest_checklist(context: ToolContext, ref: str) -> str:
    """The analysis' Markdown: written for people, and denser for a model than its JSON."""
    target = context.resolve(ref)
    return context.project.checklist(target).to_markdown()


def rollback_plan(context: ToolContext, bad: str, to: str | None = None) -> str:
    bad_ref = context.resolve(bad)
    target = context.resolve(to) if to else None
    return context.project.plan_rollback(bad_ref, to=target).to_markdown()


def draft_postmortem(context: ToolContext, incident: str) -> str:
    """The draft quotes earlier saved conversations about the incident (the investigation)."""
    from agentops.agent.transcript import conversations_about

    incident_ref = context.resolve(incident)
    exchanges = [
        exchange
        for transcript in conversations_about(context.store, incident_ref)
        for exchange in transcript.exchanges
    ]
    return context.project.postmortem(incident_ref, conversation=exchanges or None)


ANALYSIS_TOOLS: tuple[Tool, ...] = (
    Tool(
        "why",
        "Rank the changes that could explain why BAD (an incident, deployment or model "
        "version) got worse than GOOD (found automatically if omitted): each suspect with its "
        "ref, change type, score, failure-mode card and evidence. Verdict `no-lineage-cause` "
        "means no change in the lineage explains it.",
        {"bad": REF, "good": REF},
        why,
        ("bad",),
        max_chars=8_000,
    ),
    Tool(
        "suggest_checklist",
        "Tests (ML Test Score, CheckList) that would have caught this change or incident, with "
        "what the graph shows is already in place.",
        {"ref": REF},
        suggest_checklist,
        ("ref",),
        max_chars=12_000,
    ),
    Tool(
        "rollback_plan",
        "A rollback plan for BAD: the last known-good target and why, compatibility checks, "
        "whether the cause is upstream data, steps, verification, how to undo. Read-only: the "
        "plan is applied by a human with `agentops rollback apply`.",
        {"bad": REF, "to": REF},
        rollback_plan,
        ("bad",),
        max_chars=12_000,
    ),
    Tool(
        "draft_postmortem",
        "A blameless postmortem draft (Markdown) for an incident: summary, impact, root cause, "
        "timeline, action items.",
        {"incident": REF},
        draft_postmortem,
        ("incident",),
        max_chars=16_000,
    ),
)
