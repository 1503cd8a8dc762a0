"""Is a changed Python module on the import path of what trains or serves the model?

Python runs only the modules its entry script imports, transitively. So a changed `.py` file
that no entry point reaches — a plotting helper, a one-off notebook export, an unused
experiment — cannot have changed the model, and is ruled out with the entry points it was
checked against. Where the entry points come from, in the order they are tried:

- MLflow's `mlflow.source.name` tag of the run (the script that started it; an absolute path is
  made relative to the repository, or matched by its trailing folders when the run ran in
  another checkout);
- the commands of the pipeline definitions at the bad commit: every stage's `cmd` in DVC's
  `dvc.yaml` and every entry point's `command` in MLflow Projects' `MLproject` (a stage that
  prepares the data reaches the model through the data); a stage that runs a repository script
  we cannot follow (`Rscript fit.R`, `./run.sh`, `make`) leaves everything undecided;
- what serves it: a Dockerfile's `CMD`/`ENTRYPOINT` and a Procfile's processes (`python
  serve.py`, `uvicorn pkg.app:app`, `gunicorn …`);
- `[analysis] entry_points` in agentops.toml (training and serving scripts or modules).

The import graph is read statically from the files at the bad commit (`import a.b`, `from a
import b`, relative imports, `importlib.import_module("literal")`), resolved the way Python's
path-based finder does (the Python reference, "The import system"): against the folder of the
entry script (`sys.path[0]`), the repository root (`python -m`, the working folder) and `src/`
(an installed src layout); a package's `__init__.py` runs when any of its modules is imported.

It only ever rules out, and only when it can be sure: no entry point known, an entry point that
names no Python file of the repository (a notebook, a shell script), or a module that imports by
a computed name (`import_module(name)`, `__import__`, entry points, plugin discovery) and the
package it lives in stays undecided — nothing in it is ruled out.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from graph.ingest.files.configs import parse_config
from graph.ingest.git.tree import CommitTree

PIPELINE_FILES = ("dvc.yaml", "MLproject")
CONTAINER_FILES = re.compile(
    r"(^|/)(Dockerfile(\.[\w.-]+)?|[\w.-]+\.dockerfile|Containerfile|Procfile)$"
)
# Files whose lines are commands a person or a job runs: a Makefile's recipes, a shell script's
# lines. A pipeline run as `make train` or `./run.sh` (prepare, then train) has every Python
# script it starts as an entry point, not only the one that logged the MLflow run.
COMMAND_FILES = re.compile(r"(^|/)((GNU)?[Mm]akefile|[\w.-]+\.(sh|bash))$")
CI_FOLDERS = re.compile(r"(^|/)\.(github|gitlab|circleci|buildkite)/")
SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".r", ".jl", ".pl", ".rb", ".js", ".ts", ".ipynb")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".gin")
MAX_CONFIG_BYTES = 256 * 1024
FILE_EXTENSIONS = frozenset(
    re.findall(
        r"\w+",
        """yaml yml json toml ini cfg csv tsv txt md log png jpg jpeg svg pdf html parquet pq
        pkl pickle joblib h5 hdf5 npz npy pt pth ckpt onnx bin gz zip tar py ipynb""",
    )
)
"""The last part of `name.<extension>`: a file name in a config, not an object in a module."""
_DOTTED = re.compile(r"(?<![\w./-])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?![\w/-])")
ASGI_WSGI_SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "daphne", "waitress-serve"})
_APP = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.()]*$")  # `pkg.app:app`, `app:create_app()`
SOURCE_ROOTS = ("", "src/")
# Serving code is often started by a platform (a model server, a serverless handler, a web
# framework's runner) that leaves no command in the repository; by the common convention its
# module says what it is. Such a module counts as an entry point, so a change to what serves the
# model is never ruled out for being off the training script's import path.
SERVING_MODULE = re.compile(
    r"(^|/)(serve|server|serving|inference|infer|predict|predictor|prediction|handler|app|api|"
    r"score|scoring|endpoint)(_[^/]*)?\.py$",
    re.IGNORECASE,
)
MAX_NAMED_ENTRIES = 3  # a reason names this many entry points, then counts the rest
DYNAMIC_CALLS = frozenset(
    {
        "import_module",
        "__import__",
        "entry_points",
        "iter_entry_points",
        "load_entry_point",
        "iter_modules",
        "walk_packages",
        "spec_from_file_location",
        "run_path",
        "run_module",
        "load_source",
        "exec",
        "instantiate",
        "get_class",
        "get_method",
        "locate",
        "import_string",
        "import_from_string",
        "load_object",
    }
)
"""Calls that import by a name the code computes: importlib, setuptools/importlib.metadata entry
points, pkgutil discovery, runpy, and the helpers that build objects from dotted names in
configs (Hydra's `instantiate`/`get_class`, `pydoc.locate`, `import_string`). With a string
literal, `import_module`/`__import__` are just imports; anything else leaves the package
undecided."""

_PYTHON = re.compile(r"^(.*/)?python(\d+(\.\d+)?)?(\.exe)?$")


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A script or module that runs: the repository file it starts from, and who says so."""

    path: str
    origin: str  # "mlflow.source.name", "dvc.yaml stage train", "agentops.toml", …

    def describe(self) -> str:
        return f"{self.path} ({self.origin})"


@dataclass(slots=True)
class ImportReach:
    """Which Python files the entry points import, and which packages stay undecided.

    `chains` maps each reached file to the import chain from its entry point; `open_prefixes`
    are folders (relative to the repository, "" for all of it) where a computed import was seen;
    `third_party` the modules imported from outside the repository (not the standard library);
    `unknown` says why nothing can be ruled out (no entry point, or one that is not Python).
    """

    entries: list[EntryPoint] = field(default_factory=list)
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    open_prefixes: dict[str, str] = field(default_factory=dict)  # prefix → the dynamic module
    third_party: dict[str, str] = field(default_factory=dict)  # top-level name → first importer
    unknown: str | None = None

    def reason(self, path: str) -> str | None:
        """Why a changed file cannot reach the model (None: it can, or it cannot be told)."""
        if self.unknown or not path.endswith(".py") or path in self.chains:
            return None
        if any(path.startswith(prefix) for prefix in self.open_prefixes):
            return None
        named = [entry.describe() for entry in self.entries[:MAX_NAMED_ENTRIES]]
        if len(self.entries) > MAX_NAMED_ENTRIES:
            named.append(f"{len(self.entries) - MAX_NAMED_ENTRIES} other entry points")
        noun = "entry point" if len(self.entries) == 1 else "entry points"
        return f"{path} is not imported by {' nor '.join(named)}, the run's {noun}"

    def chain(self, path: str) -> str | None:
        """`train.py → pkg/model.py → pkg/features.py`, for a reached file."""
        chain = self.chains.get(path)
        return " → ".join(chain) if chain else None


def entry_points(
    tree: CommitTree,
    repo_root: str,
    source_names: Iterable[str | None],
    declared: Iterable[str],
) -> tuple[list[EntryPoint], str | None]:
    """The entry points known at this commit, and why they are not all known (None: they are).

    `source_names` are the runs' `mlflow.source.name`; `declared` are agentops.toml's."""
    found: list[EntryPoint] = []
    problems: list[str] = []
    for source in dict.fromkeys(s for s in source_names if s):
        path = _script_in_repo(tree, repo_root, source)
        if path is None and not source.endswith(".py"):
            path = _module_file(tree, source, SOURCE_ROOTS)
        if path is not None:
            found.append(EntryPoint(path, "from mlflow.source.name"))
        elif "MLproject" not in tree:  # `mlflow run`'s source is the project: MLproject says
            problems.append(f"the run's entry point {source!r} is not a Python file of the repo")
    for pipeline in (p for p in tree.paths if posixpath.basename(p) in PIPELINE_FILES):
        for label, command in _pipeline_commands(tree, pipeline):
            scripts, problem = _command_scripts(tree, posixpath.dirname(pipeline), command)
            found += [EntryPoint(s, f"the {label} command in {pipeline}") for s in scripts]
            if problem:
                problems.append(f"{pipeline} {label} runs {problem}")
    for container in (p for p in tree.paths if CONTAINER_FILES.search(p)):
        for label, command in _container_commands(tree, container):
            scripts, _ = _command_scripts(tree, "", command)  # a server's own program: no doubt
            found += [EntryPoint(s, f"the {label} of {container}") for s in scripts]
    for listing in (p for p in tree.paths if COMMAND_FILES.search(p) and not CI_FOLDERS.search(p)):
        for label, command in _listed_commands(tree, listing):
            scripts, _ = _command_scripts(tree, posixpath.dirname(listing), command)
            found += [EntryPoint(s, f"{label} in {listing}") for s in scripts]
    for path in sorted(p for p in tree.paths if SERVING_MODULE.search(p)):
        found.append(EntryPoint(path, "a serving module by its name"))
    for name in declared:
        path = _script_in_repo(tree, repo_root, name) or _module_file(tree, name, SOURCE_ROOTS)
        if path is None:
            problems.append(f"agentops.toml entry point {name!r} is not in the repo at this commit")
        else:
            found.append(EntryPoint(path, "declared in agentops.toml"))
    unique = list({entry.path: entry for entry in reversed(found)}.values())[::-1]
    if problems:
        return unique, "; ".join(problems)
    if not unique:
        return unique, "no entry point is known (mlflow.source.name, dvc.yaml, agentops.toml)"
    return unique, None


def import_reach(tree: CommitTree, entries: list[EntryPoint]) -> ImportReach:
    """Walk the imports from every entry point, one batch of file reads per level."""
    reach = ImportReach(entries)
    roots = tuple(dict.fromkeys([*SOURCE_ROOTS, *(_folder(e.path) for e in entries)]))
    level: list[tuple[str, str]] = []  # (file, the root it was found under)
    for entry in entries:
        reach.chains.setdefault(entry.path, (entry.path,))
        level.append((entry.path, _folder(entry.path)))
    for config, module, root in _modules_named_in_configs(tree, roots):
        if module not in reach.chains:
            reach.chains[module] = (config, module)
            level.append((module, root))
    seen = {path for path, _ in level}
    while level:
        sources = tree.read([path for path, _ in level])
        following: list[tuple[str, str]] = []
        for path, root in level:
            imported, dynamic, external = _imports(tree, path, root, sources.get(path), roots)
            if dynamic:
                reach.open_prefixes.setdefault(_package_of(path, root), path)
            for name in sorted(external):
                reach.third_party.setdefault(name, path)
            for target, target_root in [*imported, *_packages_above(tree, path)]:
                if target in seen:
                    continue
                seen.add(target)
                reach.chains[target] = (*reach.chains[path], target)
                following.append((target, target_root))
        level = following
    return reach


def _packages_above(tree: CommitTree, path: str) -> list[tuple[str, str]]:
    """The `__init__.py` of every folder above a module: importing a module runs its parent
    packages first (`python -m pkg.train` runs `pkg/__init__.py`). A script run by path runs
    none, so counting them over-reaches: safe, it only keeps more."""
    found = []
    folder = posixpath.dirname(path)
    while folder:
        candidate = f"{folder}/__init__.py"
        if candidate != path and candidate in tree:
            found.append((candidate, ""))
        folder = posixpath.dirname(folder)
    return found


def _folder(path: str) -> str:
    folder = posixpath.dirname(path)
    return f"{folder}/" if folder else ""


def _package_of(path: str, root: str) -> str:
    """The top-level package folder a module belongs to ("" when it is a top-level module: a
    computed import there could reach anything)."""
    inside = path[len(root) :] if path.startswith(root) else path
    top, _, rest = inside.partition("/")
    return f"{root}{top}/" if rest else ""


def _script_in_repo(tree: CommitTree, repo_root: str, name: str) -> str | None:
    """A script path as recorded (absolute, relative, or from another checkout) → repo path."""
    posix = name.replace("\\", "/")
    if posix.startswith("file://"):
        posix = posix.removeprefix("file://")
    if not posix.endswith(".py"):
        return None
    root = repo_root.rstrip("/") + "/"
    if posix.startswith(root):
        posix = posix[len(root) :]
    relative = posixpath.normpath(posix) if not posix.startswith("/") else None
    if relative and relative in tree:
        return relative
    parts = PurePosixPath(posix).parts
    for start in range(1, len(parts)):  # the run ran in another checkout: longest unique tail
        tail = "/".join(parts[start:])
        matches = [p for p in tree.blobs if p == tail or p.endswith("/" + tail)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None
    return None


def _module_file(tree: CommitTree, dotted: str, roots: tuple[str, ...]) -> str | None:
    """`pkg.train` → the file `python -m pkg.train` runs: `pkg/train.py` or
    `pkg/train/__main__.py`."""
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", dotted):
        return None
    base = dotted.replace(".", "/")
    for root in roots:
        for candidate in (f"{root}{base}.py", f"{root}{base}/__main__.py"):
            if candidate in tree:
                return candidate
    return None


def _pipeline_commands(tree: CommitTree, path: str) -> list[tuple[str, str]]:
    """(label, command) of each DVC stage (`stages.<name>.cmd`, a string or a list) and each
    MLflow Projects entry point (`entry_points.<name>.command`)."""
    data = tree.read([path]).get(path)
    if data is None:
        return []
    document = parse_config(path, data, "yaml").document
    if not isinstance(document, dict):
        return []
    out: list[tuple[str, str]] = []
    for section, key, noun in (("stages", "cmd", "stage"), ("entry_points", "command", "entry")):
        table = document.get(section)
        for name, body in table.items() if isinstance(table, dict) else ():
            commands = body.get(key) if isinstance(body, dict) else None
            for command in commands if isinstance(commands, list) else [commands]:
                if isinstance(command, str):
                    out.append((f"{noun} {name}", command))
    return out


def _command_scripts(tree: CommitTree, folder: str, command: str) -> tuple[list[str], str | None]:
    """The Python files a shell command runs (`python src/train.py`, `python -m pkg.train`,
    `uv run train.py`, `bash -c "python x.py"`, `uvicorn pkg.app:app`), and what it runs that
    may run repository code we cannot follow (`Rscript fit.R`, `./run.sh`, `make`), if anything.
    A program that runs no repository file (`dvc get`, `wget`, `tar`) is neither."""
    scripts: list[str] = []
    others: list[str] = []
    prefix = f"{folder}/" if folder else ""
    for words in _simple_commands(command):
        script = _python_target(tree, prefix, words)
        if script is not None:
            scripts.append(script)
            continue
        for inline in (w for w in words[1:] if " " in w.strip()):  # `sh -c "python x.py"`
            found, problem = _command_scripts(tree, folder, inline)
            scripts += found
            others += [problem] if problem else []
        if _PYTHON.match(words[0]) or _runs_repository_file(tree, prefix, words):
            others.append(words[0])
    return scripts, (", ".join(others) if others else None)


def _simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command in a shell command line (split at `&&`, `||`, `;`, `|`
    outside quotes), without `VAR=value` assignments."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: read it as plain words
        tokens = command.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token and set(token) <= set(";&|"):
            commands.append([])
        elif "=" not in token or token.startswith("-"):
            commands[-1].append(token)
    return [words for words in commands if words]


def _python_target(tree: CommitTree, prefix: str, words: list[str]) -> str | None:
    """The repository file one command runs, when it runs Python."""
    for index, word in enumerate(words):
        if word == "-m" and index + 1 < len(words) and any(_PYTHON.match(w) for w in words[:index]):
            return _module_file(tree, words[index + 1], (prefix, *SOURCE_ROOTS))
        if word.endswith(".py"):
            candidate = posixpath.normpath(prefix + word)
            return candidate if candidate in tree else None
        if posixpath.basename(words[0]) in ASGI_WSGI_SERVERS and _APP.match(word):
            return _module_file(tree, word.split(":", 1)[0], (prefix, *SOURCE_ROOTS))
    return None


def _runs_repository_file(tree: CommitTree, prefix: str, words: list[str]) -> bool:
    """Whether a command that is not Python runs a file of the repository (a shell or R script,
    a Makefile), which may run Python we cannot see."""
    if posixpath.basename(words[0]) in ("make", "just", "snakemake", "papermill", "jupyter"):
        return True
    if posixpath.normpath(prefix + words[0]) in tree:  # `./run.sh`
        return True
    return any(
        posixpath.normpath(prefix + word) in tree
        for word in words
        if word.lower().endswith(SCRIPT_SUFFIXES)
    )


def _listed_commands(tree: CommitTree, path: str) -> list[tuple[str, str]]:
    """(label, command) of each Makefile recipe line (tab-indented, under its target) or each
    line of a shell script, comments and blank lines left out."""
    data = tree.read([path]).get(path)
    if data is None or len(data) > MAX_CONFIG_BYTES:
        return []
    text = data.decode("utf-8", "replace").replace("\\\n", " ")
    makefile = not path.endswith((".sh", ".bash"))
    out: list[tuple[str, str]] = []
    target = ""
    for line in text.splitlines():
        if makefile and not line.startswith("\t"):
            name, colon, _ = line.partition(":")
            if colon and name.strip() and not name.lstrip().startswith("#"):
                target = name.strip()
            continue
        command = line.strip().lstrip("@-+").strip()
        if command and not command.startswith("#"):
            out.append((f"the {target} recipe" if makefile else "a line", command))
    return out


def _container_commands(tree: CommitTree, path: str) -> list[tuple[str, str]]:
    """(label, command) of a Dockerfile's `CMD`/`ENTRYPOINT` (exec or shell form) and of each
    Procfile process: what a serving container or platform runs."""
    data = tree.read([path]).get(path)
    if data is None:
        return []
    text = data.decode("utf-8", "replace").replace("\\\n", " ")
    out: list[tuple[str, str]] = []
    for line in text.splitlines():
        if posixpath.basename(path) == "Procfile":
            name, _, command = line.partition(":")
            if command.strip() and not name.startswith("#"):
                out.append((f"process {name.strip()}", command.strip()))
            continue
        instruction, _, rest = line.strip().partition(" ")
        if instruction.upper() in ("CMD", "ENTRYPOINT") and rest.strip():
            try:
                words = json.loads(rest)
            except ValueError:
                words = None
            command = shlex.join(map(str, words)) if isinstance(words, list) else rest.strip()
            out.append((instruction.upper(), command))
    return out


def _imports(
    tree: CommitTree, path: str, root: str, source: bytes | None, roots: tuple[str, ...]
) -> tuple[list[tuple[str, str]], bool, set[str]]:
    """The repository files one module imports (with the root each was found under), whether
    it imports by a computed name, and the third-party top-level modules it imports. A file that
    cannot be read or parsed counts as importing dynamically: what it imports cannot be told."""
    if source is None:
        return [], True, set()
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [], True, set()
    found: list[tuple[str, str]] = []
    dynamic = False
    absolute: list[str] = []  # module names imported absolutely: repository or third party
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += _resolve(tree, alias.name, roots)
                absolute.append(alias.name)
        elif isinstance(node, ast.ImportFrom):
            found += _from_import(tree, path, root, node, roots)
            absolute += [node.module] if node.module and not node.level else []
        elif isinstance(node, ast.Call):
            name = _call_name(node.func)
            if name not in DYNAMIC_CALLS:
                literal = _script_literal(tree, path, node)
                found += [(literal, _folder(literal))] if literal else []
                continue
            first = node.args[0] if node.args else None
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not first.value.startswith(".")
            ):
                found += _resolve(tree, first.value, roots)
                absolute.append(first.value)
            else:
                dynamic = True
    external: set[str] = set()
    for name in dict.fromkeys(absolute):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or _resolve(tree, top, roots):
            continue
        elsewhere = _roots_holding(tree, top)
        if elsewhere:  # on sys.path some other way (sys.path.insert, PYTHONPATH, an install)
            found += _resolve(tree, name, elsewhere)
        else:
            external.add(top)
    return found, dynamic, external


def _roots_holding(tree: CommitTree, top: str) -> tuple[str, ...]:
    """Every folder of the repository holding a module or package named `top`."""
    found = []
    for path in tree.blobs:
        for tail in (f"{top}.py", f"{top}/__init__.py"):
            if path == tail or path.endswith("/" + tail):
                found.append(path[: -len(tail)])
    return tuple(dict.fromkeys(found))


def _modules_named_in_configs(
    tree: CommitTree, roots: tuple[str, ...]
) -> list[tuple[str, str, str]]:
    """(config, module file, root) for each dotted name in a config file that is a module of
    the repository or an object in one (Hydra's `_target_: pkg.models.Net`, Lightning's
    `class_path`, any plugin named by configuration): code that runs though nothing imports it
    by name. Tooling configs (CI, linters) do not count."""
    from agentops.analysis.rootcause.relevance.tooling import unreachable_reason

    configs = [
        path
        for path in tree.paths
        if path.lower().endswith(CONFIG_SUFFIXES)
        and tree.blobs[path][1] <= MAX_CONFIG_BYTES
        and not unreachable_reason(path)
    ]
    out: list[tuple[str, str, str]] = []
    for path, data in tree.read(configs).items():
        text = data.decode("utf-8", "replace")
        for dotted in dict.fromkeys(_DOTTED.findall(text)):
            parts = dotted.split(".")
            for depth in range(len(parts), 0, -1):  # `pkg.models.Net`: the longest module prefix
                if depth == 1 and parts[1].lower() in FILE_EXTENSIONS:
                    break  # `plots.png` names a file, not an object of plots.py
                module = ".".join(parts[:depth])
                hits = [hit for hit in _resolve(tree, module, roots) if _is_module(hit, module)]
                if hits:
                    out += [(path, hit, root) for hit, root in hits]
                    break
    return out


def _is_module(hit: tuple[str, str], module: str) -> bool:
    """Whether a resolved file is the module itself, not one of its parent packages."""
    path, root = hit
    base = root + module.replace(".", "/")
    return path in (f"{base}.py", f"{base}/__init__.py")


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _script_literal(tree: CommitTree, path: str, call: ast.Call) -> str | None:
    """A `.py` file of the repository named in a call's arguments (`subprocess.run(["python",
    "prep.py"])`): it runs too, so it is followed like an import."""
    for arg in ast.walk(call):
        if (
            isinstance(arg, ast.Constant)
            and isinstance(arg.value, str)
            and arg.value.endswith(".py")
        ):
            for base in ("", _folder(path)):
                candidate = posixpath.normpath(base + arg.value)
                if candidate in tree:
                    return candidate
    return None


def _resolve(tree: CommitTree, dotted: str, roots: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every file `import dotted` runs: each package's `__init__.py` on the way and the module
    itself, under every root that has it (several roots may: all are kept, to over-reach)."""
    parts = dotted.split(".")
    found: list[tuple[str, str]] = []
    for root in roots:
        for depth in range(1, len(parts) + 1):
            base = root + "/".join(parts[:depth])
            for candidate in (f"{base}/__init__.py", f"{base}.py"):
                if candidate in tree:
                    found.append((candidate, root))
    return found


def _from_import(
    tree: CommitTree, path: str, root: str, node: ast.ImportFrom, roots: tuple[str, ...]
) -> list[tuple[str, str]]:
    """`from X import a, b`: X, and X.a, X.b where those are submodules (a star import takes
    every submodule: `__all__` may list any of them)."""
    if node.level:
        folder = posixpath.dirname(path)
        for _ in range(node.level - 1):  # level 1 is the importing module's own package
            folder = posixpath.dirname(folder)
        base = "/".join(filter(None, [folder, *(node.module or "").split(".")]))
        candidates = [f"{base}/__init__.py", f"{base}.py"] if node.module else []
        found = [(c, root) for c in candidates if c in tree]
        prefix = f"{base}/" if base else ""
        names = [alias.name for alias in node.names]
        if "*" in names:
            return found + [(p, root) for p in tree.blobs if _direct_child(p, prefix)]
        for name in names:
            found += [
                (c, root)
                for c in (f"{prefix}{name}.py", f"{prefix}{name}/__init__.py")
                if c in tree
            ]
        return found
    module = node.module or ""
    found = _resolve(tree, module, roots)
    for alias in node.names:
        if alias.name == "*":
            for each_root in roots:
                prefix = each_root + module.replace(".", "/") + "/"
                found += [(p, each_root) for p in tree.blobs if _direct_child(p, prefix)]
        else:
            found += _resolve(tree, f"{module}.{alias.name}", roots)
    return found


def _direct_child(path: str, prefix: str) -> bool:
    if not path.startswith(prefix) or not path.endswith(".py"):
        return False
    rest = path[len(prefix) :]
    return "/" not in rest or rest.count("/") == 1 and rest.endswith("/__init__.py")
