"""Deterministic analysis over the lineage graph: root cause, checklist, rollback, postmortem.

The CLI, the agent's tools and the TUI all call these functions; none of them needs a model.
"""
