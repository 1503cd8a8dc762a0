"""A rollback plan as Markdown, rendered from its JSON form (so a saved plan renders the same).

Values that came from the graph (model names, commit messages, config values) are shown inside
code spans or as plain text; nothing here is ever executed.
"""

from __future__ import annotations

from typing import Any

_ACTION_TITLES = {
    "rollback-alias": "Roll back the model (alias move)",
    "data-pin": "Do not roll back the model: pin or revert the data",
    "config-revert": "Do not roll back the model: revert the config",
    "roll-forward": "Do not roll back the model: roll forward with a fix",
    "none": "Do not roll back",
}


def _code(text: Any) -> str:
    value = str(text).replace("`", "'")
    return f"`{value}`"


def _bullets(items: list[str]) -> list[str]:
    return [f"- {item}" for item in items] or ["- (none)"]


def _target(target: dict[str, Any]) -> list[str]:
    lines = [
        f"- model version: {_code(target['model'])}",
        f"- run: {_code(target['run']) if target.get('run') else 'unknown'}",
        f"- commit: {_code(target['commit']) if target.get('commit') else 'unknown'}",
    ]
    for use in target.get("datasets") or []:
        lines.append(f"- data ({use['context']}): {_code(use['ref'])}")
    for config in target.get("configs") or []:
        lines.append(f"- config: {_code(config)}")
    return lines


def _compatibility(section: dict[str, Any]) -> list[str]:
    checks = section.get("checks") or []
    if not checks:
        return ["- no input datasets recorded for the target: check the schema by hand"]
    lines = []
    for check in checks:
        head = f"- {check['dataset']}: {_code(check['target_version'])} (target) vs " + (
            f"{_code(check['current_version'])} (now)" if check.get("current_version") else "none"
        )
        problems = []
        if check["missing_columns"]:
            problems.append("missing " + ", ".join(check["missing_columns"]))
        if check["type_changes"]:
            problems.append(
                "retyped "
                + ", ".join(f"{c['column']} {c['was']}→{c['now']}" for c in check["type_changes"])
            )
        if check["added_columns"]:
            problems.append("new " + ", ".join(check["added_columns"]))
        if check["null_rate_rises"]:
            problems.append(
                "more nulls in "
                + ", ".join(
                    f"{c['column']} {c['was']:.1%}→{c['now']:.1%}" for c in check["null_rate_rises"]
                )
            )
        verdict = "compatible" if check["compatible"] else "**INCOMPATIBLE**"
        detail = "; ".join(problems) or check.get("note") or "same columns and types"
        lines.append(f"{head} — {verdict}: {detail}")
    return lines


def _in_short(plan: dict[str, Any]) -> list[str]:
    """What the on-call needs before scrolling: the move, the canary, the warnings."""
    lines = ["## In short"]
    if plan.get("mechanism"):
        lines.append(f"- do: {plan['mechanism']['describe']} (see Mechanism)")
    if plan.get("target"):
        lines.append(f"- target: {_code(plan['target']['model'])}")
    if plan.get("canary"):
        lines.append(f"- canary: {len(plan['canary'])} steps with gates, abort rules below")
    warnings = plan.get("warnings") or []
    lines.append(f"- warnings: {len(warnings)}" + (" (below)" if warnings else ""))
    return lines


def plan_markdown(plan: dict[str, Any]) -> str:
    action = plan["action"]
    lines = [f"# Rollback plan: {plan['bad']}", ""]
    lines += [f"**{_ACTION_TITLES.get(action, action)}.** {plan['reason']}", ""]
    lines += [*_in_short(plan), ""]
    if plan.get("incident"):
        lines.append(f"- incident: {_code(plan['incident'])}")
    lines.append(f"- root-cause verdict: {plan['verdict']}")
    lines.append(
        f"- made at {plan['created_at']}; digest {_code(plan['digest'])}"
        if plan.get("digest")
        else f"- made at {plan['created_at']}"
    )
    for warning in plan.get("warnings") or []:
        lines.append(f"- **warning:** {warning}")
    lines += ["", "## Trigger and decision", *_bullets(plan.get("trigger") or [])]
    if plan.get("causes"):
        lines += ["", "## Causes and whether a model rollback fixes them"]
        for cause in plan["causes"]:
            fixed = "fixed by the rollback" if cause["fixed_by_rollback"] else "NOT fixed by it"
            remedy = f"; remedy: {cause['remedy']}" if cause.get("remedy") else ""
            lines.append(
                f"- {_code(cause['ref'])} ({cause.get('card') or cause['kind']}) — "
                f"{fixed}: {cause['reason']}{remedy}"
            )
    if plan.get("target"):
        lines += ["", "## Target", *_target(plan["target"])]
        lines += ["", "### Why it is known good", *_bullets(plan.get("known_good") or [])]
        if plan.get("skipped"):
            lines += ["", "### Newer versions not chosen"]
            lines += [f"- {_code(s['model'])}: {s['why']}" for s in plan["skipped"]]
        lines += ["", "## Compatibility", *_compatibility(plan.get("compatibility") or {})]
    if plan.get("mechanism"):
        move = plan["mechanism"]
        lines += [
            "",
            "## Mechanism",
            f"{move['describe']}.",
            "",
            "```python",
            "from mlflow import MlflowClient",
            move["python"],
            "```",
            "",
            "The same as one shell line, or through agentops (checks the alias first and records "
            "the move in the lineage graph):",
            "",
            "```sh",
            move["shell"],
            "agentops rollback apply PLAN.json --yes",
            "```",
        ]
        if move.get("tracking_uri"):
            lines.append(f"Registry: {_code(move['tracking_uri'])}")
        if plan.get("takes_effect"):
            lines += ["", f"**Time to take effect.** {plan['takes_effect']}"]
    if plan.get("canary"):
        lines += ["", "## Canary steps"]
        if plan.get("canary_how"):
            lines += [plan["canary_how"], ""]
        band = plan.get("noise_band")
        if band:
            lines.append(f"Noise band for {band['metric']}: {band['width']:.3g} ({band['basis']}).")
            lines.append("")
        for number, step in enumerate(plan["canary"], start=1):
            lines.append(
                f"{number}. {step['weight']}% of traffic, hold {step['hold']}; gates: "
                + "; ".join(step["gates"])
            )
        lines += ["", "Abort when:", *_bullets(plan.get("abort") or [])]
    for runbook in plan.get("runbooks") or []:
        lines += ["", f"## Runbook `{runbook['id']}`: {runbook['title']}", f"Why: {runbook['why']}"]
        lines += [f"{n}. {step}" for n, step in enumerate(runbook["steps"], start=1)]
    sections = [
        ("Verification", "verification"),
        ("Communication", "communication"),
        ("How to undo", "undo"),
        ("Keep for the postmortem", "keep_for_postmortem"),
        ("Follow-ups", "follow_ups"),
    ]
    for title, key in sections:
        if plan.get(key):
            lines += ["", f"## {title}", *_bullets(plan[key])]
    return "\n".join(lines) + "\n"
