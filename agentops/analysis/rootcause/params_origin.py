"""Which commit set a run param's new value.

A hyperparameter often lives in the code or in a file no config parser reads: MLflow's own
examples take `alpha = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5`, log it with
`mlflow.log_param`, and declare the same default in `MLproject`. When the bad run logged
`alpha` 5.0 where the good run logged 0.05, the change to undo is the commit whose diff turned a
`0.05` into a `5.0` — a run cannot be reverted, a commit can. So a param change is attributed
to a commit of the window when one of its diff lines is the same line as before but for that
value: a removed line and the added line that replaces it differ only in tokens that are the
param's old and new values (numbers compared by value, so `5` is `5.0`), in a hunk that names
the param (its last dotted part, as a word), so an unrelated `100` → `50` is not taken for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from graph.code_diff import CodeDiff
    from graph.ingest.git.hunks import Hunk

# the classes of files a value that training reads may sit in (not docs, tests, data)
VALUE_FILE_CLASSES = ("code", "config", "other")
MAX_DIFF_LINES = 2000  # per commit: enough for any edit a person reviews
_TOKEN = re.compile(
    r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\"[^\"]*\"|'[^']*'|\w+|\S", re.ASCII
)


@dataclass(frozen=True, slots=True)
class ParamOrigin:
    """The commit that changed a param's value, and the line it changed (for the evidence)."""

    sha: str
    path: str
    line: str


def param_origins(
    params: list[dict[str, Any]], diff: CodeDiff, repo: Path
) -> dict[str, ParamOrigin]:
    """For each changed param (`{"key", "old", "new"}` rows) that a commit of `diff` set, that
    commit (the newest, when several did); params no commit explains are left out."""
    wanted = [p for p in params if _text(p.get("old")) and _text(p.get("new"))]
    files = {
        c.sha: [path for cls in VALUE_FILE_CLASSES for path in c.files.get(cls, [])]
        for c in diff.commits
        if not c.merge
    }
    files = {sha: paths for sha, paths in files.items() if paths}
    if not wanted or not files:
        return {}
    from graph.errors import GraphError
    from graph.ingest.git.hunks import commit_hunks

    try:
        hunks = commit_hunks(repo, files, MAX_DIFF_LINES)
    except GraphError:
        return {}
    origins: dict[str, ParamOrigin] = {}
    for commit in diff.commits:  # newest first
        for hunk in hunks.get(commit.sha, []):
            named = [p for p in wanted if _names(hunk, str(p["key"]))]
            for removed, added in _edited_lines(hunk) if named else ():
                for param in _values_swapped(removed, added, named):
                    origins.setdefault(param, ParamOrigin(commit.sha, hunk.path, added.strip()))
    return origins


def _edited_lines(hunk: Hunk) -> list[tuple[str, str]]:
    """Each removed line with the added line in its place: a run of `-` lines followed by a run
    of `+` lines pairs up in order."""
    pairs: list[tuple[str, str]] = []
    removed: list[str] = []
    added: list[str] = []
    for line in (*hunk.lines, " "):
        if line.startswith("-"):
            if added:
                pairs += zip(removed, added, strict=False)
                removed, added = [], []
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            pairs += zip(removed, added, strict=False)
            removed, added = [], []
    return pairs


def _names(hunk: Hunk, key: str) -> bool:
    word = re.compile(rf"(?<!\w){re.escape(key.rsplit('.', 1)[-1])}(?!\w)", re.IGNORECASE)
    return any(word.search(line) for line in (hunk.header, *hunk.lines))


def _values_swapped(removed: str, added: str, params: list[dict[str, Any]]) -> list[str]:
    """The params whose old value → new value is every difference between the two lines."""
    before, after = _TOKEN.findall(removed), _TOKEN.findall(added)
    if len(before) != len(after):
        return []
    swaps = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    if not swaps:
        return []
    found: list[str] = []
    for old_token, new_token in swaps:
        matching = [
            str(p["key"])
            for p in params
            if _same(old_token, p["old"]) and _same(new_token, p["new"])
        ]
        if not matching:
            return []  # the line changed something else too: not only a value
        found += matching
    return list(dict.fromkeys(found))


def _same(token: str, value: Any) -> bool:
    text = _text(value)
    token = token.strip("\"'")
    if token == text:
        return True
    try:
        return float(token) == float(text)
    except ValueError:
        return False


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
