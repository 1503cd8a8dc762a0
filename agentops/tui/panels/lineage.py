"""The Lineage tab: a tree of the ref under discussion that loads each level when expanded.

The tree holds `LineageItem`s. Expanding a node whose children are not loaded yet asks for them
(`LineageTree.NeedChildren`, handled by the app in a worker); the app hands them back with
`add_children`. Space or the arrow expands; Enter or a click on a label selects the node, which
the app turns into a question about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import NodeID, TreeNode, UnknownNodeID

from agentops.render import KIND_STYLE
from agentops.tui.lineage_levels import Direction, LineageBranch, LineageItem, label_parts


def item_label(item: LineageItem) -> Text:
    via, ref, about = label_parts(item)
    label = Text()
    if via:
        label.append(f"{via} ", style="dim")
    label.append(ref, style=KIND_STYLE.get(item.kind, ""))
    if about:
        label.append(f"  {about}", style="dim")
    return label


class LineageTree(Tree[LineageItem]):
    """A lazily expanding lineage tree (one level per expansion)."""

    @dataclass
    class NeedChildren(Message):
        node_id: int
        ref: str
        direction: Direction

    def __init__(self, **kwargs: object) -> None:
        super().__init__(Text("nothing yet", style="dim"), **kwargs)  # type: ignore[arg-type]
        self.auto_expand = False
        self.direction: Direction = "upstream"
        self._loaded: set[int] = set()
        self._loading: set[int] = set()

    def show(self, branch: LineageBranch, direction: Direction) -> None:
        """Replace the tree with `branch` (its loaded levels expanded)."""
        self.direction = direction
        self._loaded.clear()
        self._loading.clear()
        self.reset(item_label(branch.item), branch.item)
        self._fill(self.root, branch)
        self.root.expand()
        self.move_cursor(self.root)

    def _fill(self, node: TreeNode[LineageItem], branch: LineageBranch) -> None:
        if branch.children is None:
            node.allow_expand = branch.item.expandable
            return
        self._loaded.add(node.id)
        node.allow_expand = bool(branch.children)
        for child in branch.children:
            sub = node.add(item_label(child.item), child.item)
            self._fill(sub, child)
            if child.children:
                sub.expand()

    def add_children(self, node_id: int, items: list[LineageItem]) -> None:
        """The children of a node expanded by the user, loaded by the app."""
        self._loading.discard(node_id)
        try:
            node = self.get_node_by_id(NodeID(node_id))
        except UnknownNodeID:
            return  # the tree was replaced meanwhile
        self._loaded.add(node_id)
        node.remove_children()
        for item in items:
            node.add(item_label(item), item, allow_expand=item.expandable)
        node.allow_expand = bool(items)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[LineageItem]) -> None:
        node = event.node
        if node.tree is not self or node.data is None:
            return
        if node.id in self._loaded or node.id in self._loading:
            return
        self._loading.add(node.id)
        self.post_message(self.NeedChildren(node.id, node.data.ref, self.direction))

    def refs(self) -> list[str]:
        """Every ref shown (loaded), depth first: for completion and tests."""
        found: list[str] = []

        def walk(node: TreeNode[LineageItem]) -> None:
            if node.data is not None:
                found.append(node.data.ref)
            for child in node.children:
                walk(child)

        walk(self.root)
        return found


class LineagePanel(Vertical):
    """A caption (`upstream of …`) over the tree."""

    def compose(self):  # noqa: ANN201 - a ComposeResult
        yield Static(
            Text("the lineage of what is discussed: /lineage REF, or pick a suspect", style="dim"),
            classes="caption",
        )
        yield LineageTree(id="lineage-tree")

    def show(self, branch: LineageBranch, direction: Direction) -> None:
        caption = Text(f"{direction} of ", style="dim")
        caption.append(label_parts(branch.item)[1], style="bold")
        caption.append("  · space expands, enter asks about a node", style="dim")
        self.query_one(".caption", Static).update(caption)
        self.query_one(LineageTree).show(branch, direction)
