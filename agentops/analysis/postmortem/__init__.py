"""A blameless postmortem draft for an incident, in Markdown, from the graph and the analysis.

The sections and their order come from the `postmortem-template` card (SRE book ch. 15 and
appendix D): summary, impact, root causes, trigger, resolution, detection, action items,
lessons learned, timeline, supporting information. Every statement is built from something
stored — the incident, the root-cause report (`rootcause.explain`), the runs' metrics, the
registry's promotion times, the lineage path from each cause to the incident — and what the
graph cannot know (users affected, owners, luck) is left as a marked blank for the team.

Blameless: the draft names systems, versions and changes, never people. Names of people the
graph knows in this window (commit authors, run users, who promoted) are replaced in quoted
text, and no author is shown anywhere. Text from the graph is escaped (`postmortem_markdown`),
so a commit message cannot add a heading, open a fence or inject HTML.

Modules: `postmortem_facts` gathers, `postmortem_sections` writes each section,
`postmortem_timeline` orders the events, `postmortem_actions` picks the action items,
`postmortem_support` quotes the refs, commands and conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentops.analysis import builtin_library
from agentops.analysis.incidents import Incident, incident_node
from agentops.analysis.postmortem.facts import Facts, gather
from agentops.analysis.postmortem.markdown import code, inline
from agentops.analysis.postmortem.sections import FILL_IN, RENDERERS
from agentops.analysis.postmortem.supporting import investigation

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import RootCauseReport
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

TEMPLATE_CARD = "postmortem-template"
DEFAULT_SECTIONS = (
    "Summary",
    "Impact",
    "Root causes",
    "Trigger",
    "Resolution",
    "Detection",
    "Action items",
    "Lessons learned",
    "Timeline",
    "Supporting information",
)


def draft(
    store: LineageStore,
    incident: str,
    library: KnowledgeLibrary | None = None,
    conversation: list[dict[str, Any]] | None = None,
    report: RootCauseReport | None = None,
) -> str:
    """The postmortem of `incident` (a ref, or an id such as INC-1042) as Markdown.

    Without `report`, runs `rootcause.explain` on the incident; if the analysis cannot run, the
    draft says why and keeps every other section. `conversation` (a saved agent transcript) is
    quoted under supporting information.
    """
    if library is None:
        library = builtin_library()
    node = incident_node(store, incident)
    facts = gather(store, Incident.from_node(node), library, report)
    sections = _sections(library)
    lines = _header(facts)
    for name in sections:
        lines += ["", f"## {inline(name)}", ""]
        render = RENDERERS.get(name.strip().lower())
        body = render(facts) if render else [FILL_IN]
        if name.strip().lower() == "supporting information" and conversation:
            body += ["", "### Investigation (agent conversation)", "", *investigation(conversation)]
        lines += body
    return "\n".join(lines).rstrip() + "\n"


def _sections(library: KnowledgeLibrary | None) -> tuple[str, ...]:
    card = library.find(TEMPLATE_CARD) if library else None
    return tuple(card.sections) if card and card.sections else DEFAULT_SECTIONS


def _header(facts: Facts) -> list[str]:
    incident = facts.incident
    title = incident.title or incident.id
    opened = incident.opened_at.strftime("%Y-%m-%d") if incident.opened_at else "undated"
    status = "draft (incident closed)" if not incident.is_open else "draft (incident open)"
    return [
        f"# Postmortem: {inline(facts.clean(title))}",
        "",
        f"**Date:** {opened} · **Authors:** drafted by agentops from the lineage graph, "
        f"{FILL_IN} · **Status:** {status} · **Incident:** {code(incident.ref)} · "
        f"**Severity:** {inline(incident.severity or 'unset')}",
        "",
        "> Blameless: this describes what the systems and processes allowed, not who made a "
        "mistake. People acted reasonably with the information they had; the question is why "
        "the system let it matter.",
    ]
