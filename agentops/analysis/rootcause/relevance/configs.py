"""Does anything read a changed config file?

A config file matters only if something reads it. It is ruled out only on positive evidence
that nothing does, from two places:

- the runs: none of its changed keys was logged as a param by the good or the bad run (as the
  full flattened key `train.lr`, with a prefix the code added, or as the leaf `lr`), and neither
  run was linked to a version of the file (`config_of`, docs/conventions.md "Run → config
  versions");
- the code at the bad commit: no code file names the file (its name, its stem as a whole string
  — Hydra's `config_name="train"` — or its folder — Hydra's `config_path`, a glob), no other
  config file names it (a Hydra defaults list, an include), and no code file mentions any part of
  a changed key as a string literal, attribute, keyword, parameter or variable name (`cfg.lr`,
  `cfg["train"]`, `Model(**cfg["model"])` mentions `model`, a dataclass field `lr: float`).
  Python modules the entry points provably never import (`imports.ImportReach`) do not count:
  a plotting script reading its own style file does not make that file reach the model.

Anything unreadable counts as reading everything: a Python file that does not parse, a file
too large to read. Whatever confirms consumption is reported as evidence.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from agentops.analysis.rootcause.relevance.imports import ImportReach
from graph.ingest.files.classify import FileClassifier
from graph.ingest.files.configs import decode_text
from graph.ingest.git.tree import MAX_FILE_BYTES, CommitTree

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What code calls the label: a variable or keyword named so (`LABEL = "churned"`,
# `train_y = train[["quality"]]`, `from_pandas(df, targets="price")`, `target_column=`).
LABEL_HOLDER = re.compile(r"(^|_)(labels?|targets?|y)($|_)", re.IGNORECASE)
_COLUMN_NAME = re.compile(r"[A-Za-z_][\w .-]{0,63}")
MAX_SCAN_BYTES = 128 * 1024 * 1024
"""Above this much code and config at one commit, nothing is read and nothing ruled out."""


@dataclass(slots=True)
class CodeMentions:
    """What the code at one commit mentions: names (identifiers and whole string literals) and
    text (string literals and non-Python files), each with the first file it came from."""

    names: dict[str, str] = field(default_factory=dict)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (file, text)
    config_texts: list[tuple[str, str]] = field(default_factory=list)
    opaque: str | None = None  # a code file that could not be read: it may read anything
    labels: dict[str, str] = field(default_factory=dict)  # column the code calls the label → file
    # strings that are parts of a path spelled out in full (`root / "conf" / "config.yaml"`):
    # they name that one file, not every file of its folder
    path_parts: set[tuple[str, str]] = field(default_factory=set)  # (file, text)
    writes: bool = False  # the code writes files (`to_csv`, `np.save`, `open(…, "w")`, …)

    @classmethod
    def of_file(cls, path: str, source: bytes) -> CodeMentions:
        """What one Python file mentions."""
        mentions = cls()
        mentions._python(path, source)
        return mentions

    @classmethod
    def scan(
        cls, tree: CommitTree, reach: ImportReach, classify: FileClassifier | None = None
    ) -> CodeMentions:
        classify = classify or FileClassifier()
        mentions = cls()
        code = [p for p in tree.paths if classify(p) == "code" and reach.reason(p) is None]
        configs = [p for p in tree.paths if classify(p) == "config"]
        too_large = [p for p in code if tree.blobs[p][1] > MAX_FILE_BYTES]
        if too_large:
            mentions.opaque = f"{too_large[0]} is too large to read"
        if sum(tree.blobs[p][1] for p in (*code, *configs)) > MAX_SCAN_BYTES:
            mentions.opaque = "the code is too large to read in one analysis"
            return mentions
        for path, data in tree.read([*code, *configs]).items():
            try:
                text = decode_text(data)
            except UnicodeDecodeError:
                continue  # binary: names nothing
            if classify(path) == "config":
                mentions.config_texts.append((path, text))
            elif path.endswith(".py"):
                mentions._python(path, data)
            else:
                mentions.texts.append((path, text))
                for word in _WORD.findall(text):
                    mentions.names.setdefault(word, path)
        return mentions

    def _python(self, path: str, source: bytes) -> None:
        try:
            module = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.opaque = self.opaque or f"{path} does not parse"
            return
        for node in ast.walk(module):
            for name in _names(node):
                self.names.setdefault(name, path)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.texts.append((path, node.value))
            self.writes = self.writes or _writes(node)
            parts = _literal_path(node)
            if parts is not None and len(parts) > 1:
                self.texts.append((path, "/".join(parts)))
                self.path_parts.update((path, part) for part in parts[:-1])
            for column in _label_columns(node):
                self.labels.setdefault(column, path)

    def file_named(self, path: str) -> str | None:
        """Where the file is named: `src/train.py names 'configs/train.yaml'`, or None."""
        name = posixpath.basename(path)
        stem = name.rsplit(".", 1)[0]
        folder = posixpath.dirname(path)
        for source, text in self.texts:
            if name in text or text.strip() == stem:
                return f"{source} names {text.strip()[:80]!r}"
        for source, text in self.texts if folder else ():
            if (source, text) not in self.path_parts and _names_folder(text, folder):
                return f"{source} names {text.strip()[:80]!r}, the folder that holds it"
        pattern = re.compile(rf"(?<![\w.-]){re.escape(stem)}(?![\w-])")
        for source, text in self.config_texts:
            if source != path and (name in text or pattern.search(text)):
                return f"{source} names {stem!r}"
        return None

    def key_named(self, key: str) -> str | None:
        """Where a part of a changed key is mentioned (`src/train.py reads 'lr'`), or None."""
        if key in self.names:
            return f"{self.names[key]} reads {key!r}"
        for part in reversed(key.split(".")):
            if not part.isdigit() and part in self.names:
                return f"{self.names[part]} reads {part!r} (of {key})"
        return None


DATA_FILE = re.compile(
    r"[\w./-]*[\w-]\.(csv|tsv|parquet|pq|json|jsonl|feather|arrow|pkl|pickle|joblib|npz|npy|h5|"
    r"hdf5|xlsx|txt)$",
    re.IGNORECASE,
)


def data_files(texts: Iterable[tuple[str, str]]) -> set[str]:
    """The data file names (the last path part) among string literals: `data/x.csv` → `x.csv`."""
    return {
        posixpath.basename(text.strip()) for _, text in texts if DATA_FILE.fullmatch(text.strip())
    }


WRITERS = frozenset(
    {"save", "savez", "savez_compressed", "savetxt", "dump", "write_text", "write_bytes",
     "write_csv", "write_parquet", "sink_parquet", "to_file"}
)  # fmt: skip


def _writes(node: ast.AST) -> bool:
    """A call that writes a file: pandas' `to_*`, numpy's and joblib's savers, pathlib's
    writers, `open(…, "w")`."""
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name.startswith("to_") or name in WRITERS:
        return True
    modes = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "mode")]
    return name == "open" and any(
        isinstance(m, ast.Constant) and isinstance(m.value, str) and m.value[:1] in "wax"
        for m in modes
    )


def _literal_path(node: ast.AST) -> list[str] | None:
    """The parts of a path written out in string literals only: `a / "conf" / "x.yaml"`
    (after any non-literal start, such as a root folder), `os.path.join("conf", "x.yaml")`,
    `Path("conf", "x.yaml")`. None when a part is computed (`f"{name}.yaml"`): that reads
    whatever the folder holds."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = node.right
        if not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
            return None
        left = _literal_path(node.left)
        if left is None and isinstance(node.left, ast.BinOp):
            return None  # a computed part further left
        return [*(left or []), right.value]
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in ("join", "Path", "PurePath", "PosixPath") and all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args
        ):
            return [a.value for a in node.args]  # type: ignore[attr-defined]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    return None


def _label_columns(node: ast.AST) -> Iterable[str]:
    """The column names a statement gives to something the code calls the label."""
    value: ast.AST | None = None
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if any(isinstance(t, ast.Name) and LABEL_HOLDER.search(t.id) for t in targets):
            value = node.value
    elif isinstance(node, ast.keyword) and node.arg and LABEL_HOLDER.search(node.arg):
        value = node.value
    if value is not None:
        yield from (text for text in _selected(value) if _COLUMN_NAME.fullmatch(text))


def _selected(value: ast.AST) -> Iterable[str]:
    """The strings an expression selects by: itself, list items, subscripts, and along a
    method chain (`df["y"].to_numpy()`), not a call's arguments (`.astype("float32")`)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        yield value.value
    elif isinstance(value, ast.List | ast.Tuple):
        for item in value.elts:
            yield from _selected(item)
    elif isinstance(value, ast.Subscript):
        yield from _selected(value.slice)
    elif isinstance(value, ast.Attribute):
        yield from _selected(value.value)
    elif isinstance(value, ast.Call):
        yield from _selected(value.func)


def _names(node: ast.AST) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute):
        yield node.attr
    elif isinstance(node, ast.keyword | ast.arg) and node.arg:
        yield node.arg
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.alias):
        yield from (node.asname or node.name).split(".")
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value.strip()


def _names_folder(text: str, folder: str) -> bool:
    """A string naming the config's folder or one above it (`"configs"`, `"./conf/"`,
    `"configs/*.yaml"`: Hydra's `config_path` reads the config groups below it)."""
    cleaned = text.strip().removeprefix("./").split("*", 1)[0].rstrip("/")
    if not cleaned or cleaned == ".":
        return False
    return folder == cleaned or folder.startswith(cleaned + "/") or cleaned.endswith("/" + folder)


@dataclass(frozen=True, slots=True)
class ConfigUse:
    """Whether a changed config file is read, and the evidence either way."""

    evidence: tuple[str, ...]  # what confirmed consumption (empty when nothing did)
    reason: str | None  # why it cannot reach the model, when nothing reads it


def config_use(
    path: str,
    keys: list[str],
    params_by_run: dict[str, dict[str, object]],
    linked: Iterable[str],
    mentions: CodeMentions | None,
) -> ConfigUse:
    """Judge one changed config file: `params_by_run` maps "the good run"/"the bad run" to its
    params, `linked` names the runs whose `config_of` edges reach a version of this file, and
    `mentions` is what the code at the bad commit mentions (None: the code cannot be read)."""
    runs = " and ".join(linked)
    evidence: list[str] = [f"{path} is linked to {runs} (config_of)"] if runs else []
    for key in keys:
        logged = _logged_by(key, params_by_run)
        if logged:
            evidence.append(logged)
    if mentions is None:
        return ConfigUse(tuple(evidence), None)
    if mentions.opaque:
        evidence.append(f"the code cannot all be read ({mentions.opaque})")
    named = mentions.file_named(path)
    if named:
        evidence.append(named)
    evidence += [found for key in keys if (found := mentions.key_named(key))]
    if evidence:
        return ConfigUse(tuple(evidence), None)
    changed = ", ".join(keys) or "its content"
    return ConfigUse(
        (),
        f"nothing reads {path}: neither run logged {changed} as a param, and no code on the "
        "model's path names the file or those keys",
    )


def _logged_by(key: str, params_by_run: dict[str, dict[str, object]]) -> str | None:
    """`train.lr logged as param lr by the good run and the bad run`, or None."""
    leaf = key.rsplit(".", 1)[-1]
    hits: dict[str, list[str]] = {}
    for run, params in params_by_run.items():
        for name in params:
            bare = name.rsplit(":", 1)[-1]  # DVC keys params of other files `file:key`
            if bare == key or bare.endswith("." + key) or bare.rsplit(".", 1)[-1] == leaf:
                hits.setdefault(name, []).append(run)
                break
    if not hits:
        return None
    name, runs = next(iter(hits.items()))
    runs = sorted({run for found in hits.values() for run in found}, reverse=True)
    return f"{key} logged as param {name} by {' and '.join(runs)}"
