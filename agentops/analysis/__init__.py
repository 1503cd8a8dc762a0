"""Deterministic analysis over the lineage graph: root cause, checklist, rollback, postmortem.

The CLI, the agent's tools and the TUI all call these functions; none of them needs a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.library import KnowledgeLibrary


def builtin_library() -> KnowledgeLibrary:
    """The cards shipped with agentops: what an analysis function reads when it is called without
    a library (from a notebook). The CLI, the chat and the agent pass `Project.library` instead,
    which adds the team's own cards."""
    from knowledge.library import KnowledgeLibrary, builtin_cards

    return KnowledgeLibrary(builtin_cards())
