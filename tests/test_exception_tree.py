"""One exception tree: every expected failure is a class of it, defined with it, and drawn.

The CLI, the TUI and the agent catch `expected_errors()`; an exception class that subclasses the
tree somewhere else is one the drawing does not show, and one raised outside it is a traceback.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import agentops.errors
import graph.errors
import knowledge.errors
from agentops.errors import expected_errors

REPO = Path(__file__).resolve().parents[1]
TREE_MODULES = (agentops.errors, graph.errors, knowledge.errors)
ROOTS = (agentops.errors.AgentOpsError, graph.errors.GraphError, knowledge.errors.KnowledgeError)


def _tree() -> set[type[Exception]]:
    classes: set[type[Exception]] = set()
    stack = list(ROOTS)
    while stack:
        cls = stack.pop()
        classes.add(cls)
        stack.extend(cls.__subclasses__())
    return classes


def test_expected_errors_are_the_three_roots() -> None:
    assert set(expected_errors()) == set(ROOTS)


def test_every_class_of_the_tree_is_drawn_in_the_docstring() -> None:
    drawing = agentops.errors.__doc__ or ""
    missing = sorted(cls.__name__ for cls in _tree() if f" {cls.__name__} " not in drawing)
    assert missing == []


def test_the_tree_lives_in_the_errors_modules() -> None:
    """No module outside the three errors modules subclasses a class of the tree."""
    names = {cls.__name__ for cls in _tree()}
    homes = {Path(inspect.getfile(module)).resolve() for module in TREE_MODULES}
    offenders = []
    for package in ("agentops", "graph", "knowledge"):
        for path in sorted((REPO / package).rglob("*.py")):
            if path.resolve() in homes:
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not isinstance(node, ast.ClassDef):
                    continue
                bases = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                if bases & names:
                    offenders.append(f"{path.relative_to(REPO)}: {node.name}")
    assert offenders == []
