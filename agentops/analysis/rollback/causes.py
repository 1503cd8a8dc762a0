"""Would moving the model back undo this cause? One judgement per cause of a root-cause report.

A model rollback swaps what the *model* learned: its training data, training config, code and
packaged dependencies. It does not change what the serving path applies to whichever version
is served (a serving config, the runtime), nor the data the symptom is measured on (an
evaluation set) or that serving reads at request time. For those the plan must pin or revert the
data or config, or roll forward. Which side a dataset or config is on comes from the graph: how
the bad run used the dataset (the input edge's context), whether it feeds a deployment, and
whether the config file names the served model and its alias (that alone could also be a
training config that registers the model, so it counts only when the cause's card is one of
the serving failure modes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentops.analysis.rollback.plan import Action, CauseAssessment
from agentops.analysis.rollback.target import (
    EVAL_CONTEXTS,
    SERVING_CONTEXTS,
    VersionLineage,
    ancestors_of,
)
from graph.attributes import CommitAttrs, ConfigAttrs, DataEdgeAttrs
from graph.refs import EdgeKind, NodeKind, parse_ref

if TYPE_CHECKING:
    from agentops.analysis.rootcause.report import Suspect
    from graph.model import Node
    from graph.store import LineageStore
    from knowledge.library import KnowledgeLibrary

ANY_MODEL_KINDS = frozenset({"serving-config", "environment"})
NAME_KEYS = frozenset({"name", "model", "model_name", "registered_model", "registered_model_name"})
ALIAS_KEYS = frozenset({"alias", "model_alias", "stage"})

# What fixes a cause that a model rollback leaves in place, by where the cause sits; the card's
# own remediation order decides among these when it names any of them.
EVAL_REMEDIES = (Action.DATA_PIN,)
SERVING_DATA_REMEDIES = (Action.DATA_PIN, Action.ROLL_FORWARD)
SERVING_CONFIG_REMEDIES = (Action.CONFIG_REVERT, Action.ROLL_FORWARD)


@dataclass(slots=True)
class ServingBinding:
    """What the project's configs say about serving this model: which files, which alias."""

    paths: set[str] = field(default_factory=set)
    alias: str | None = None


def _leaf(key: str) -> str:
    return key.rsplit(".", 1)[-1].lower()


def _binding_of(keys: dict[str, Any], model: str) -> tuple[bool, str | None]:
    """(names the model, the alias it serves) for one config version's flattened keys."""
    prefixes = [
        key.rsplit(".", 1)[0] if "." in key else ""
        for key, value in keys.items()
        if _leaf(key) in NAME_KEYS and value == model
    ]
    if not prefixes:
        return False, None
    for key, value in keys.items():
        prefix = key.rsplit(".", 1)[0] if "." in key else ""
        if _leaf(key) in ALIAS_KEYS and prefix in prefixes and isinstance(value, str):
            return True, value
    return False, None


def serving_binding(store: LineageStore, model: str) -> ServingBinding:
    """Config files that name `model` together with an alias are serving configs: whatever
    they set applies to the version that alias points at."""
    binding = ServingBinding()
    newest: dict[str, Node] = {}
    for node in store.find(NodeKind.CONFIG):
        names, alias = _binding_of(ConfigAttrs(node).keys, model)
        if names:
            binding.paths.add(node.name)
            newest[node.name] = node  # find() is oldest first: the last one seen is the newest
            binding.alias = alias
    if newest:
        latest = max(newest.values(), key=lambda node: (node.at is not None, node.at))
        binding.alias = _binding_of(ConfigAttrs(latest).keys, model)[1] or binding.alias
    return binding


def _newest(store: LineageStore, kind: NodeKind, name: str) -> str | None:
    versions = store.find(kind, name=name)
    return versions[-1].ref if versions else None


def _feeds_serving(store: LineageStore, ref: str) -> bool:
    for edge in store.edges_of([ref]):
        if edge.src != ref:
            continue
        if edge.dst.startswith(f"{NodeKind.DEPLOYMENT.value}:"):
            return True
        context = DataEdgeAttrs(edge.attrs).context or ""
        if edge.kind is EdgeKind.INPUT and context.lower() in SERVING_CONTEXTS:
            return True
    return False


def _head_carries(store: LineageStore, commit: str) -> bool:
    """Whether the branch the next retrain builds from (HEAD) still descends from `commit`."""
    heads = [node.ref for node in store.find(NodeKind.COMMIT) if "HEAD" in CommitAttrs(node).refs]
    return any(commit in ancestors_of(store, head) for head in heads[-1:])


def pick_remedy(remediation: list[str], preferred: tuple[Action, ...] = ()) -> Action | None:
    """The runbook for a cause: among `preferred`, the one the card lists first; without a
    preference, the card's first runbook that is not a model rollback."""
    listed = [item for item in remediation if item != Action.ROLLBACK_ALIAS.value]
    if preferred:
        for item in listed:
            if item in {action.value for action in preferred}:
                return Action(item)
        return preferred[0]
    for item in listed:
        if item in Action._value2member_map_:
            return Action(item)
    return None


def assess(
    store: LineageStore,
    suspect: Suspect,
    library: KnowledgeLibrary,
    bad: VersionLineage,
    serving: ServingBinding,
) -> CauseAssessment:
    """Judge one cause: does moving the model back undo it, and if not, what does."""
    card = library.find(suspect.card) if suspect.card else None
    remediation = list(suspect.remediation or (card.remediation if card else ()))
    parsed = parse_ref(suspect.ref)
    out = CauseAssessment(
        suspect.ref,
        suspect.kind,
        suspect.card,
        suspect.summary,
        True,
        "",
        None,
        suspect.previous,
        list(suspect.related),
    )
    before = f" ({suspect.previous})" if suspect.previous else ""
    if parsed.kind is NodeKind.MODEL:
        out.side = "model"
        out.reason = (
            f"the alias points at {suspect.ref}; pointing it back at a version that served well "
            "undoes exactly this"
        )
    elif parsed.kind is NodeKind.DATASET:
        _assess_dataset(store, out, parsed.name, bad, remediation, before)
    elif parsed.kind is NodeKind.CONFIG:
        out.still_current = _newest(store, NodeKind.CONFIG, parsed.name) == suspect.ref
        serving_card = card is not None and "serving-config" in card.change_types
        if suspect.kind in ANY_MODEL_KINDS or (parsed.name in serving.paths and serving_card):
            out.fixed_by_rollback, out.side = False, "serving"
            out.remedy = pick_remedy(remediation, SERVING_CONFIG_REMEDIES)
            out.reason = (
                f"{parsed.name} is serving configuration: serving applies it to whichever "
                "version the alias points at, so an older model would run with the same setting"
            )
        else:
            out.remedy = pick_remedy(remediation)
            out.reason = (
                f"{parsed.name} is training configuration: the target was trained "
                f"with another version{before}"
            )
            if out.still_current:
                out.reason += (
                    "; it is still the newest version, so revert it before the next retrain"
                )
    elif parsed.kind is NodeKind.COMMIT:
        out.still_current = _head_carries(store, suspect.ref)
        if suspect.kind in ANY_MODEL_KINDS:
            out.fixed_by_rollback, out.side = False, "serving"
            out.remedy = pick_remedy(remediation, SERVING_CONFIG_REMEDIES)
            out.reason = f"a {suspect.kind} change applies to any model that is served"
        else:
            out.remedy = pick_remedy(remediation)
            out.reason = (
                f"the target was built from code without {parsed.key[:12]} (its packaged "
                "environment pins its own dependencies)"
            )
            if out.still_current:
                out.reason += "; HEAD still contains it, so fix it before the next retrain"
    elif suspect.kind in ANY_MODEL_KINDS:
        out.fixed_by_rollback, out.side = False, "serving"
        out.remedy = pick_remedy(remediation, SERVING_CONFIG_REMEDIES)
        out.reason = f"a {suspect.kind} change applies to any model that is served"
    else:
        out.remedy = pick_remedy(remediation)
        out.reason = "it belongs to the bad version's training run; the target has its own"
    return out


def _assess_dataset(
    store: LineageStore,
    out: CauseAssessment,
    name: str,
    bad: VersionLineage,
    remediation: list[str],
    before: str,
) -> None:
    use = next((use for use in bad.datasets if use.ref == out.ref), None)
    context = use.context if use else "training"
    out.still_current = _newest(store, NodeKind.DATASET, name) == out.ref
    if out.kind == "eval-data" or context in EVAL_CONTEXTS:
        out.fixed_by_rollback, out.side = False, "evaluation"
        out.remedy = pick_remedy(remediation, EVAL_REMEDIES)
        out.reason = (
            f"{name} is the evaluation data the symptom is measured on: an older model would be "
            f"scored on the same data, so the number would not come back. The model may be "
            f"fine: pin the evaluation set{before} and re-score before judging it"
        )
    elif context in SERVING_CONTEXTS or _feeds_serving(store, out.ref):
        out.fixed_by_rollback, out.side = False, "serving"
        out.remedy = pick_remedy(remediation, SERVING_DATA_REMEDIES)
        out.reason = (
            f"serving reads {name}: an older model would see the same bad input; pin or "
            f"revert the data{before}, or roll forward"
        )
    else:
        out.remedy = pick_remedy(remediation)
        out.reason = f"{name} is training data: the target was trained on another version{before}"
        if out.still_current:
            out.reason += (
                "; it is still the newest version, so the next retrain would read it again: "
                "pin it and pause retraining first"
            )
