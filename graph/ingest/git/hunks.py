"""The diff hunks a commit made to chosen files, read from the repository for an analysis.

An engineer judging a suspect commit wants to see the lines it changed, not only its file
names. The lineage store keeps no diffs (they would double the ingest and most are never looked
at), so the hunks are read when asked, for the commits asked, in one `git log --no-walk -p`
process for all of them (first-parent diffs, one line of context), and never written back.

Paths come from the graph and are untrusted: each is passed as a `:(literal)` pathspec after
`--`, so no path can act as an option or as pathspec magic. The text is returned as git printed
it, less what can never be evidence: invalid UTF-8 is replaced and control characters other than
tab (a terminal escape sequence, a carriage return hiding the start of a line) are removed, so a
diff line is safe to show in every output. Callers still redact secrets and escape markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.errors import IngestError
from graph.ingest.git.repo import open_repo

CONTEXT_LINES = 1
MAX_LINE_CHARS = 160  # a minified or generated line is cut, not carried whole
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # all but tab (lines split first)


@dataclass(frozen=True, slots=True)
class Hunk:
    """One hunk of one file: its `@@ -a,b +c,d @@ …` header and its lines, each starting with
    `+`, `-` or a space as in a unified diff."""

    path: str
    header: str
    lines: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "header": self.header, "lines": list(self.lines)}


def commit_hunks(
    repo_path: str | Path, files: Mapping[str, Sequence[str]], max_lines: int
) -> dict[str, list[Hunk]]:
    """For each commit sha, the hunks it made to its `files` (in the order given: put the files
    that matter most first), at most `max_lines` diff lines per commit in all; whole hunks
    until the budget runs out, then the first lines of the next one."""
    wanted = {
        sha.lower().removeprefix("commit:"): list(paths) for sha, paths in files.items() if paths
    }
    for sha in wanted:
        if not sha or not all(c in "0123456789abcdef" for c in sha):
            raise IngestError(f"{sha!r} is not a commit sha", hint="give a full or short hex sha")
    if not wanted:
        return {}
    runner, _ = open_repo(Path(repo_path))
    pathspecs = sorted({f":(literal){path}" for paths in wanted.values() for path in paths})
    _, out, _ = runner.run(
        [
            "log",
            "--stdin",
            "--no-walk=unsorted",
            "-p",
            f"-U{CONTEXT_LINES}",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--diff-merges=first-parent",
            "--format=%x1e%H",
            "--",
            *pathspecs,
        ],
        [sha.encode("ascii") + b"\n" for sha in wanted],
    )
    parsed = _parse(out.decode("utf-8", "replace"))
    result: dict[str, list[Hunk]] = {}
    for sha, paths in wanted.items():
        full = next((f for f in parsed if f.startswith(sha)), None)
        hunks = parsed.get(full, []) if full else []
        order = {path: index for index, path in enumerate(paths)}
        chosen = sorted((h for h in hunks if h.path in order), key=lambda h: order[h.path])
        result[sha] = _within(chosen, max_lines)
    return result


def _parse(text: str) -> dict[str, list[Hunk]]:
    """`git log -p` output, split by commit (a `\\x1e<sha>` line), file and hunk."""
    result: dict[str, list[Hunk]] = {}
    hunks: list[Hunk] = []
    path, header, lines = "", "", []

    def close() -> None:
        if header:
            hunks.append(Hunk(path, header, tuple(lines)))

    for raw in text.split("\n"):
        line = raw if raw.startswith("\x1e") else _CONTROL.sub("", raw)
        if line.startswith("\x1e"):
            close()
            header, lines = "", []
            hunks = result.setdefault(line[1:].strip(), [])
        elif line.startswith("diff --git "):
            close()
            header, lines, path = "", [], ""
        elif not header and line.startswith(("--- ", "+++ ")):
            name = _diff_path(line[4:])
            if name and (line.startswith("+++ ") or not path):
                path = name
        elif line.startswith("@@"):
            close()
            header, lines = line[:MAX_LINE_CHARS], []
        elif header and line[:1] in ("+", "-", " "):
            lines.append(line[:MAX_LINE_CHARS])
    close()
    return result


def _diff_path(name: str) -> str:
    """`a/src/x.py` → `src/x.py`; `/dev/null` (an added or deleted file's other side) → ""."""
    name = name.rstrip("\t")
    if name.startswith('"') and name.endswith('"'):  # git quotes names with odd characters
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    if name == "/dev/null":
        return ""
    return name[2:] if name[:2] in ("a/", "b/") else name


def _within(hunks: list[Hunk], max_lines: int) -> list[Hunk]:
    kept: list[Hunk] = []
    left = max_lines
    for hunk in hunks:
        if left <= 0:
            break
        kept.append(Hunk(hunk.path, hunk.header, hunk.lines[:left]))
        left -= len(hunk.lines[:left])
    return kept
