"""Candidate trees: BAD's tree with one suspect (or a set of them) reverted, in a temporary
`git worktree`, never in the user's work tree.

A revert is a list of steps. A commit is reverted by reverse-applying its own diff
(`git revert --no-commit`, a three-way merge on the files it touched), not by restoring whole
files from GOOD, which would also undo later, unrelated edits of the same files. A config file,
a manifest or a data file is restored to GOOD's version: from GOOD's commit when git tracks it,
else from the DVC cache by the md5 the graph knows for GOOD's version. Every tree is hashed
(`git add -A` + `git write-tree`, plus the md5 of each DVC-cached file placed in it), so the
same tree is trained once and its runs are cached by that hash.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "agentops verify",
    "GIT_AUTHOR_EMAIL": "verify@agentops.invalid",
    "GIT_COMMITTER_NAME": "agentops verify",
    "GIT_COMMITTER_EMAIL": "verify@agentops.invalid",
    "GIT_TERMINAL_PROMPT": "0",
}


class TreeNotBuilt(Exception):
    """A revert that cannot be built; the message says why (the suspect is inconclusive)."""


@dataclass(frozen=True, slots=True)
class RevertCommit:
    sha: str


@dataclass(frozen=True, slots=True)
class RestorePath:
    """`path` as it was at `commit` (GOOD's), or just before `commit` when `before` (undoing
    only that commit's change of the file, not the unrelated edits between GOOD and it). Not in
    git there: the DVC cache entry `md5` (None: not known)."""

    path: str
    commit: str
    md5: str | None = None
    before: bool = False


@dataclass(frozen=True, slots=True)
class Unbuildable:
    """A suspect no tree can revert (an alias move, run params outside the tree)."""

    reason: str


Step = RevertCommit | RestorePath | Unbuildable


@dataclass(frozen=True, slots=True)
class BuiltTree:
    path: Path
    key: str  # the tree hash the runs are cached by


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **_GIT_ENV}
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False
    )
    if check and done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise TreeNotBuilt(f"git {args[0]}: {last}")
    return done


def dvc_cache_file(repo: Path, md5: str) -> Path | None:
    """The DVC cache entry of `md5` (DVC 3 `files/md5/` layout, then DVC 2's), if present."""
    if not re.fullmatch(r"[0-9a-f]{32}", md5):
        return None
    cache = repo / ".dvc" / "cache"
    for path in (cache / "files" / "md5" / md5[:2] / md5[2:], cache / md5[:2] / md5[2:]):
        if path.is_file():
            return path
    return None


def _dvc_outs(tree: Path) -> list[tuple[str, str]]:
    """(path, md5) of every file output the tree's `.dvc` files and `dvc.lock` declare."""
    import yaml

    outs: list[tuple[str, str]] = []
    for meta in [*tree.rglob("*.dvc"), *tree.rglob("dvc.lock")]:
        if ".git" in meta.parts or not meta.is_file():
            continue
        try:
            data = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            continue
        entries = list(data.get("outs", []) or []) if isinstance(data, dict) else []
        stages = data.get("stages", {}) if isinstance(data, dict) else {}
        for stage in stages.values() if isinstance(stages, dict) else []:
            if isinstance(stage, dict):
                entries += list(stage.get("outs", []) or [])
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("md5"), str):
                rel = (meta.parent / str(entry.get("path", ""))).relative_to(tree)
                outs.append((rel.as_posix(), entry["md5"]))
    return outs


class TreeBuilder:
    """Makes candidate trees of one repository under one temporary folder, and removes them.

    Git calls on the repository are serialised (worktree bookkeeping is not safe to run
    concurrently); training in the trees runs in parallel.
    """

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.folder = Path(tempfile.mkdtemp(prefix="agentops-verify-"))
        self._lock = threading.Lock()
        self._count = 0
        self._trees: list[Path] = []

    def build(self, commit: str, steps: tuple[Step, ...]) -> BuiltTree:
        """The tree of `commit` with `steps` applied; TreeNotBuilt says why it cannot be."""
        for step in steps:
            if isinstance(step, Unbuildable):
                raise TreeNotBuilt(step.reason)
        with self._lock:
            self._count += 1
            path = self.folder / f"tree-{self._count}"
            if not _SHA.match(commit):
                raise TreeNotBuilt(f"{commit!r} is not a commit sha")
            _git(self.repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
            self._trees.append(path)
            try:
                for step in sorted(steps, key=lambda s: not isinstance(s, RevertCommit)):
                    self._apply(path, step)
                placed = self._place_dvc_outputs(path, steps)
                _git(path, "add", "-A")
                tree = _git(path, "write-tree").stdout.strip()
            except TreeNotBuilt:
                self._remove(path)
                raise
        digest = hashlib.sha256(tree.encode())
        for rel, md5 in sorted(placed):
            digest.update(f"\0{rel}\0{md5}".encode())
        return BuiltTree(path, digest.hexdigest())

    def _apply(self, tree: Path, step: Step) -> None:
        if isinstance(step, RevertCommit):
            if not _SHA.match(step.sha):
                raise TreeNotBuilt(f"{step.sha!r} is not a commit sha")
            parents = _git(tree, "rev-list", "--parents", "-n", "1", step.sha).stdout.split()
            if len(parents) < 2:
                raise TreeNotBuilt(f"commit {step.sha[:12]} has no parent to revert to")
            mainline = ["-m", "1"] if len(parents) > 2 else []
            done = _git(tree, "revert", "--no-commit", *mainline, step.sha, check=False)
            if done.returncode != 0:
                _git(tree, "revert", "--abort", check=False)
                raise TreeNotBuilt(
                    f"commit {step.sha[:12]}'s diff does not reverse cleanly on BAD's tree"
                )
        elif isinstance(step, RestorePath):
            self._restore(tree, step)

    def _restore(self, tree: Path, step: RestorePath) -> None:
        if not _SHA.match(step.commit) or step.path.startswith(("-", "/")) or ".." in step.path:
            raise TreeNotBuilt(f"cannot restore {step.path!r}")
        revision = f"{step.commit}^" if step.before else step.commit
        tracked = _git(tree, "cat-file", "-e", f"{revision}:{step.path}", check=False)
        if tracked.returncode == 0:
            _git(tree, "checkout", revision, "--", step.path)
            return
        if step.before:  # the commit added the file: before it, there was none
            _git(tree, "rm", "-q", "--ignore-unmatch", "--", step.path)
            return
        cached = dvc_cache_file(self.repo, step.md5) if step.md5 else None
        if cached is None:
            raise TreeNotBuilt(
                f"GOOD's version of {step.path} is not reachable: not in git at "
                f"{step.commit[:12]} and not in the DVC cache"
            )
        target = tree / step.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)

    def _place_dvc_outputs(self, tree: Path, steps: tuple[Step, ...]) -> list[tuple[str, str]]:
        """Put the DVC-cached files the tree declares in place (`dvc checkout`, without DVC);
        a file a step already restored stays as it is."""
        restored = {s.path: s.md5 or "" for s in steps if isinstance(s, RestorePath)}
        placed = [(rel, md5) for rel, md5 in restored.items() if not (tree / rel).is_symlink()]
        for rel, md5 in _dvc_outs(tree):
            if rel in restored:
                continue
            target = tree / rel
            cached = dvc_cache_file(self.repo, md5)
            if cached is not None and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cached, target)
                placed.append((rel, md5))
        return placed

    def _remove(self, path: Path) -> None:
        _git(self.repo, "worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        """Remove every tree and the worktree bookkeeping git keeps for them."""
        with self._lock:
            for path in self._trees:
                self._remove(path)
            self._trees.clear()
            # a tree interrupted while git was adding it is not in the list: its folder goes
            # first, then prune forgets every worktree whose folder is gone
            shutil.rmtree(self.folder, ignore_errors=True)
            _git(self.repo, "worktree", "prune", check=False)
