"""Does a commit change what its Python code does, or only how it reads?

A docstring, a comment, reformatting or renaming a function's local variables cannot change what
a program computes, yet each shows up as a code change in a diff. Such an edit is recognised by
comparing the two versions' syntax trees with docstrings dropped and each function's local
names replaced by their order of first use: if the normalised trees are equal the edit is
behaviour-preserving. Anything else — a changed parameter name (callers may pass it by keyword),
a changed annotation, a file that does not parse, a file added or removed, a language other than
Python — counts as a behaviour change, so the judgement only ever rules out, never rules in.

It is computed only for the commits an analysis looks at, in one `git cat-file` process for all
of them, and never written to the store: answering a question must not write (a read-only store,
an MCP client's read-only tools), and the project's front door remembers the report anyway.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from graph.ingest.git.blobs import BlobInfo, blob_info, read_blobs
from graph.ingest.git.repo import open_repo

MAX_SOURCE_BYTES = 2 * 1024 * 1024
"""Larger files are not parsed (generated code); they count as changed."""


def normalised_tree(source: bytes) -> str | None:
    """A digest of the source's syntax tree without docstrings and with local names normalised;
    None when it does not parse (then no two versions compare equal)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        tree = _Normaliser().visit(tree)
        dump = ast.dump(tree, annotate_fields=False, include_attributes=False)
    except RecursionError:
        return None
    return hashlib.blake2b(dump.encode("utf-8"), digest_size=16).hexdigest()


class _Normaliser(ast.NodeTransformer):
    """Drops docstrings; renames each function's own locals to their order of first use.

    Placeholders carry the function's nesting depth, so an inner function's own local never
    reads the same as an outer local it might have used instead.
    """

    def __init__(self) -> None:
        self.depth = 0

    def visit_Module(self, node: ast.Module) -> ast.AST:
        _drop_docstring(node)
        return self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        _drop_docstring(node)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        _drop_docstring(node)
        self.depth += 1
        self.generic_visit(node)  # inner functions first: their locals are already renamed
        self.depth -= 1
        names = _local_names(node, self.depth)
        if names:
            for child in ast.walk(node):
                if isinstance(child, ast.Name) and child.id in names:
                    child.id = names[child.id]
                elif isinstance(child, ast.ExceptHandler) and child.name in names:
                    child.name = names[child.name]
        return node


def _drop_docstring(node: ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        node.body = body[1:] or [ast.Pass()]


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef, depth: int) -> dict[str, str]:
    """Names bound in the function's own body (not its parameters, globals or nonlocals), each
    mapped to a placeholder numbered by first use, so a consistent rename compares equal."""
    declared: set[str] = set()
    bound: set[str] = set()
    order: list[str] = []
    arguments = function.args
    parameters = {
        a.arg
        for a in (
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            *filter(None, (arguments.vararg, arguments.kwarg)),
        )
    }
    for node in _own_nodes(function):
        if isinstance(node, ast.Global | ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.Name):
            if node.id not in order:
                order.append(node.id)
            if isinstance(node.ctx, ast.Store | ast.Del):
                bound.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
            if node.name not in order:
                order.append(node.name)
    local = [name for name in order if name in bound - declared - parameters]
    return {name: f"\x00local{depth}.{index}" for index, name in enumerate(local)}


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef):
    """The function body's nodes in source order, without descending into nested scopes
    (functions, lambdas, classes), whose names are their own."""
    stack = list(reversed(function.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def behaviour_preserving(
    repo_path: str | Path, code_files: Mapping[str, Sequence[str]]
) -> dict[str, bool]:
    """For each commit sha, whether every code file it changed keeps its behaviour (against the
    commit's first parent). `code_files` maps a sha to the code paths it touched."""
    wanted = {sha.lower().removeprefix("commit:"): list(paths) for sha, paths in code_files.items()}
    return _compare(repo_path, wanted)


def _compare(repo_path: str | Path, code_files: Mapping[str, list[str]]) -> dict[str, bool]:
    runner, _ = open_repo(Path(repo_path))
    pairs = [(sha, path) for sha, paths in code_files.items() for path in paths]
    names = [
        name.encode("utf-8", "surrogateescape")
        for sha, path in pairs
        for name in (f"{sha}^:{path}", f"{sha}:{path}")
    ]
    blobs = blob_info(runner, names)
    wanted = sorted(
        {b.sha for b in blobs if b is not None and b.size <= MAX_SOURCE_BYTES},
    )
    contents: dict[str, bytearray] = {}

    def sink_for(sha: str, _size: int):
        contents[sha] = bytearray()
        return contents[sha].extend

    read_blobs(runner, wanted, sink_for, lambda _sha: None)
    trees = {sha: normalised_tree(bytes(data)) for sha, data in contents.items()}
    kept = {sha: bool(paths) for sha, paths in code_files.items()}
    for index, (sha, path) in enumerate(pairs):
        before, after = blobs[2 * index], blobs[2 * index + 1]
        kept[sha] = kept[sha] and _same_behaviour(path, before, after, trees)
    return kept


def _same_behaviour(
    path: str, before: BlobInfo | None, after: BlobInfo | None, trees: dict[str, str | None]
) -> bool:
    """Only a Python file present on both sides can be judged; an unparsable one never is."""
    if before is None or after is None or not path.endswith(".py"):
        return False
    if before.sha == after.sha:
        return True
    tree = trees.get(before.sha)
    return tree is not None and tree == trees.get(after.sha)
