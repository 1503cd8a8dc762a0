"""No import cycles, down to single modules, in agentops, graph and knowledge.

import-linter's `no-cycles` contract (pyproject.toml) compares the children of each package, so
it does not see a package's `__init__` and one of its own modules importing each other — the
cycle a base and its implementations in one folder fall into. This test looks at every module.
Imports inside functions count; imports under `if TYPE_CHECKING:` do not (they never run).
"""

from __future__ import annotations

import grimp
import networkx as nx


def test_no_module_imports_itself_in_a_circle() -> None:
    graph = grimp.build_graph(
        "agentops", "graph", "knowledge", exclude_type_checking_imports=True, cache_dir=None
    )
    imports = nx.DiGraph(
        (module, imported)
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
    )
    cycles = sorted(sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1)
    assert cycles == []
