"""Which commits an ingest starts from (its tips), and which stored commits git no longer reaches.

Tips are read once, as shas, before the log starts: the log walks exactly those commits even if
someone pushes or rewrites refs while it runs. Comparing tips with the previous run's is what
makes a no-op ingest instant, and what finds history that a force-push or a deleted branch left
behind (kept in the graph, marked `reachable: false`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.errors import IngestError
from graph.ingest.git.repo import GitRunner, RepoInfo

DEFAULT_REF_PREFIXES = ("refs/heads/", "refs/remotes/", "refs/tags/")


@dataclass(frozen=True, slots=True)
class Tips:
    """Where a log starts: named positive tips and excluded (negative) commits."""

    scope: str
    positives: dict[str, str]  # name → commit sha
    negatives: tuple[str, ...] = ()
    names_by_sha: dict[str, list[str]] = field(default_factory=dict)  # refs shown on commits

    @property
    def complete(self) -> bool:
        """True if the walk reads all history behind its tips (no range excluded)."""
        return not self.negatives


def short_ref(name: str) -> str:
    """How git decorates a ref: `main`, `origin/main`, `tag: v1.0`, `HEAD`."""
    if name.startswith("refs/heads/"):
        return name.removeprefix("refs/heads/")
    if name.startswith("refs/remotes/"):
        return name.removeprefix("refs/remotes/")
    if name.startswith("refs/tags/"):
        return "tag: " + name.removeprefix("refs/tags/")
    return name


def read_tips(runner: GitRunner, info: RepoInfo, rev: str | None, all_refs: bool) -> Tips:
    """The tips of one scope: a revision spec, every ref (`--all`), or branches, tags and HEAD."""
    if rev is not None:
        return _rev_tips(runner, rev)
    scope = "all" if all_refs else "default"
    _, out, _ = runner.run(
        [
            "for-each-ref",
            "--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)",
        ]
    )
    positives: dict[str, str] = {}
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        sha, kind, peeled, peeled_kind, name = (line.split(" ", 4) + [""] * 5)[:5]
        if not all_refs and (
            not name.startswith(DEFAULT_REF_PREFIXES)
            or (name.startswith("refs/remotes/") and name.endswith("/HEAD"))
        ):
            continue
        if kind == "commit":
            positives[name] = sha
        elif kind == "tag" and peeled_kind == "commit":
            positives[name] = peeled
    if info.head is not None:
        positives["HEAD"] = info.head
    names: dict[str, list[str]] = {}
    for name, sha in sorted(positives.items()):
        names.setdefault(sha, []).append(short_ref(name))
    return Tips(scope, positives, (), names)


def _rev_tips(runner: GitRunner, rev: str) -> Tips:
    words = rev.split()
    if not words or any(word.startswith("-") for word in words):
        raise IngestError(
            f"--rev {rev!r} is not a revision spec",
            hint="give revisions or ranges such as main, v1.0..main or HEAD~100..HEAD",
        )
    status, out, stderr = runner.run(["rev-parse", "--revs-only", *words], ok=(0, 128))
    lines = out.decode("ascii", "replace").split()
    if status != 0 or not lines:
        raise IngestError(
            f"--rev {rev!r} names no commit in {runner.path}",
            hint="check the spelling with `git rev-parse REVSPEC`",
        )
    positive = [line for line in lines if not line.startswith("^")]
    negative = [line[1:] for line in lines if line.startswith("^")]
    peeled = peel_commits(runner, positive)
    peeled_negatives = peel_commits(runner, negative)
    return Tips(f"rev:{rev}", {f"rev:{sha}": sha for sha in peeled}, tuple(peeled_negatives))


def peel_commits(runner: GitRunner, objects: list[str]) -> list[str]:
    """The commits that objects (commits or annotated tags) point at."""
    if not objects:
        return []
    _, out, _ = runner.run(["rev-parse", *(f"{sha}^{{commit}}" for sha in objects)])
    return out.decode("ascii").split()


def existing_commits(runner: GitRunner, shas: list[str]) -> set[str]:
    """The shas among `shas` that are commits in the object database (not gc'd)."""
    if not shas:
        return set()
    _, out, _ = runner.run(
        ["cat-file", "--batch-check=%(objectname) %(objecttype)"],
        input_lines=(sha.encode("ascii") + b"\n" for sha in shas),
    )
    found = set()
    for line in out.decode("ascii", "replace").splitlines():
        sha, _, kind = line.partition(" ")
        if kind == "commit":
            found.add(sha)
    return found


def unreachable_from_refs(runner: GitRunner, shas: list[str]) -> set[str]:
    """Commits at or behind `shas` that no ref (and not HEAD) reaches any more."""
    if not shas:
        return set()
    _, out, _ = runner.run(
        ["rev-list", "--stdin", "--not", "--all"],
        input_lines=(sha.encode("ascii") + b"\n" for sha in shas),
    )
    return set(out.decode("ascii").split())


def reachable_commits(runner: GitRunner) -> set[str]:
    """Every commit some ref reaches (a full walk: only for the rare repair path)."""
    _, out, _ = runner.run(["rev-list", "--all"])
    return set(out.decode("ascii").split())
