"""Which kind of file a path is (code, config, dependency, data, docs, tests, other), by glob.

Root cause ranks a change by what it touched: a docs edit is benign, a dependency bump is a
suspect. The default globs below cover common ML repositories; `agentops.toml` `[classify]`
adds globs per class that are tried first (`config = ["configs/**"]`).

Glob syntax, as in `.gitignore`: a glob without `/` matches a file or folder name at any depth
(`*.yaml`, `data`); one with `/` is anchored at the repository root (`configs/*.yaml`); `**`
spans folders; a glob matching a folder matches everything under it. Matching ignores case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from graph.errors import IngestError

CLASSES = ("code", "config", "dependency", "data", "docs", "tests", "other")

DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson")
"""Data files that become dataset versions when committed (the rest of `data` is just a class)."""

_DEFAULTS = (
    ("data", "dvc.lock *.dvc"),  # DVC's record of data versions: lineage, not packages
    (
        "dependency",
        """requirements*.txt requirements*.in requirements/*.txt requirements/*.in
        constraints*.txt pyproject.toml setup.py setup.cfg Pipfile Pipfile.lock environment.yml
        environment.yaml conda.yml conda.yaml uv.lock poetry.lock *.lock *-lock.json
        *-lock.yaml package.json go.mod go.sum Cargo.toml Gemfile DESCRIPTION""",
    ),
    (
        "tests",
        """tests test testing test_*.py *_test.py conftest.py *_test.go *.test.js *.test.ts
        *.spec.js *.spec.ts""",
    ),
    ("docs", "docs doc *.md *.rst *.adoc README* LICENSE* COPYING* CHANGELOG* AUTHORS* mkdocs.yml"),
    (
        "data",
        " ".join(f"*{suffix}" for suffix in DATA_SUFFIXES)
        + " *.feather *.arrow *.avro *.orc *.h5 *.hdf5 *.npy *.npz *.xlsx",
    ),
    (
        "code",
        """*.py *.pyi *.pyx *.ipynb *.sql *.sh *.bash *.js *.jsx *.ts *.tsx *.go *.rs *.java
        *.kt *.scala *.c *.h *.cc *.cpp *.hpp *.cu *.r *.jl *.rb *.swift *.proto Makefile
        Dockerfile *.dockerfile Justfile""",
    ),
    ("data", "/data /datasets"),
    ("config", "*.yaml *.yml *.json *.toml *.ini *.cfg"),
)
DEFAULT_GLOBS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (cls, tuple(globs.split())) for cls, globs in _DEFAULTS
)
"""(class, globs) in precedence order: the first class whose globs match wins. DVC's `dvc.lock`
and `.dvc` files name the data versions a pipeline used, so they are data before `*.lock` makes
them dependency files. Code extensions
come before the data folders so `data/prepare.py` stays code; the data folders come before
config so `data/schema.json` is data, not a config file."""


def glob_to_regex(glob: str) -> str:
    """The regular expression (unanchored text) a `.gitignore`-style glob stands for."""
    pattern = glob.strip().rstrip("/")
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    out: list[str] = [] if anchored else ["(?:.*/)?"]
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            body = pattern[i + 1 : end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out) + "(?:/.*)?"


def compile_globs(globs: Sequence[str]) -> re.Pattern[str]:
    """One pattern matching a path when any of the gitignore-style `globs` does."""
    return re.compile("^(?:" + "|".join(glob_to_regex(g) for g in globs) + ")$", re.IGNORECASE)


class FileClassifier:
    """Classifies repository paths; results are cached per path (paths repeat across history)."""

    def __init__(self, overrides: Mapping[str, Sequence[str]] | None = None) -> None:
        rules: list[tuple[str, tuple[str, ...]]] = []
        for cls, globs in (overrides or {}).items():
            if cls not in CLASSES:
                raise IngestError(
                    f"[classify] names an unknown file class {cls!r}",
                    hint=f"use one of: {', '.join(CLASSES)}",
                )
            if isinstance(globs, str) or not all(isinstance(g, str) for g in globs):
                raise IngestError(
                    f"[classify] {cls} must be a list of globs",
                    hint=f'write {cls} = ["configs/**"]',
                )
            rules.append((cls, tuple(globs)))
        rules.extend(DEFAULT_GLOBS)
        self._rules = [(cls, compile_globs(globs)) for cls, globs in rules if globs]
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        cls = self._cache.get(path)
        if cls is None:
            cls = next((c for c, rx in self._rules if rx.match(path)), "other")
            self._cache[path] = cls
        return cls


def overrides_fingerprint(overrides: Mapping[str, Sequence[str]] | None) -> str:
    """A stable text for the overrides, so an ingest can tell that classification changed."""
    return repr(sorted((cls, list(globs)) for cls, globs in (overrides or {}).items()))
