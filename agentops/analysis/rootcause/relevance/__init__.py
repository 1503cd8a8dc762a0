"""Can a change reach the model at all? (DESIGN.md, "Root cause": relevance.)

Each concept has its module; a change any of them rules out leaves the ranking for the report's
ruled-out list, with the reason:

- `tooling`: files that by their tools' own conventions configure CI, linting, editors, test
  runs or docs builds; manifests and groups that list development tools only;
- `imports`: Python modules no entry point of the run imports;
- `configs`: config files nothing reads (no run logged their keys, no code names them);
- `environment`: packages the model's logged runtime environment does not install and its
  training code does not import.

`ReachEvidence` gathers what the last three need — the files of the bad commit, the runs'
params and config links, the model's logged environment — once per analysis, and only what the
diff asks for: no tree is read when no Python file or config changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agentops.analysis.rootcause.relevance.configs import (
    CodeMentions,
    ConfigUse,
    config_use,
    data_files,
)
from agentops.analysis.rootcause.relevance.environment import RuntimeEnvironment
from agentops.analysis.rootcause.relevance.imports import ImportReach, entry_points, import_reach
from agentops.analysis.rootcause.relevance.tooling import (
    DEV_GROUPS,
    dev_group_reason,
    dev_manifest_reason,
    pipeline_output_reason,
    unreachable_reason,
)

if TYPE_CHECKING:
    from agentops.analysis.rootcause.baseline import Version
    from graph.ingest.git.tree import CommitTree

__all__ = [
    "DEV_GROUPS",
    "ReachEvidence",
    "dev_group_reason",
    "dev_manifest_reason",
    "pipeline_output_reason",
    "unreachable_reason",
]


class ReachEvidence:
    """What decides whether the changes between GOOD and BAD can reach BAD's model."""

    def __init__(
        self,
        good: Version,
        bad: Version,
        repo: Path | None = None,
        commit: str | None = None,
        declared_entry_points: Sequence[str] = (),
    ) -> None:
        self.repo, self.commit = repo, commit
        self.declared = tuple(declared_entry_points)
        self.source_name = bad.run_attrs.source_name if bad.run_attrs else None
        self.params_by_run = {"the good run": good.params, "the bad run": bad.params}
        self.linked: dict[str, list[str]] = {}
        for run, version in (("the good run", good), ("the bad run", bad)):
            for node in version.configs:
                path = node.ref.removeprefix("config:").rsplit("@", 1)[0]
                self.linked.setdefault(path, []).append(run)
        self.environment = RuntimeEnvironment.of(bad.ref, bad.attrs)
        self.problems: list[str] = []  # why the repository could not be read
        self._tree: CommitTree | None = None
        self._imports: ImportReach | None = None
        self._mentions: CodeMentions | None = None
        self._python_changed = False  # whether a changed .py file was checked

    @property
    def tree(self) -> CommitTree | None:
        if self._tree is None and self.repo is not None and self.commit and not self.problems:
            from graph.errors import GraphError
            from graph.ingest.git.tree import CommitTree

            try:
                self._tree = CommitTree.at(self.repo, self.commit)
            except GraphError as exc:
                self.problems.append(f"the repository at {self.commit[:12]}: {exc.message}")
        return self._tree

    @property
    def imports(self) -> ImportReach:
        """The entry points' import reach at the bad commit (unknown without the repository)."""
        if self._imports is None:
            tree = self.tree
            if tree is None:
                return ImportReach(unknown="the repository cannot be read")
            root = str(self.repo.resolve()) if self.repo else ""
            found, unknown = entry_points(tree, root, [self.source_name], self.declared)
            self._imports = (
                ImportReach(found, unknown=unknown) if unknown else import_reach(tree, found)
            )
        return self._imports

    @property
    def mentions(self) -> CodeMentions | None:
        """What the code at the bad commit mentions (None without the repository)."""
        if self._mentions is None and self.tree is not None:
            self._mentions = CodeMentions.scan(self.tree, self.imports)
        return self._mentions

    @property
    def notes(self) -> list[str]:
        """What the user should know the checks could not do: an unreadable repository, or
        changed Python that could not be checked against the import path, and why."""
        notes = list(self.problems)
        unknown = self._imports.unknown if self._imports is not None else None
        if unknown and self._python_changed and self.tree is not None:
            notes.append(f"changed code not checked against the import path: {unknown}")
        return notes

    def off_path(self, code: Sequence[str]) -> dict[str, str]:
        """The changed Python files no entry point imports, each with its reason."""
        if not any(path.endswith(".py") for path in code):
            return {}
        self._python_changed = True
        reach = self.imports
        off = {path: reason for path in code if (reason := reach.reason(path))}
        return {path: reason for path, reason in off.items() if not self._feeds_the_path(path)}

    def _feeds_the_path(self, path: str) -> bool:
        """Whether a script off the import path writes files and names a data file the code on
        it names too: a pipeline step run on its own (`prepare.py` writes `data/features.csv`,
        `train.py` reads it) reaches the model through that file. A script that only reads
        what training reads (a plot of the same data) does not."""
        mentions, tree = self.mentions, self.tree
        if mentions is None or tree is None:
            return False
        theirs = CodeMentions.of_file(path, tree.read([path]).get(path, b""))
        return theirs.writes and bool(data_files(theirs.texts) & data_files(mentions.texts))

    def import_chains(self, code: Sequence[str]) -> list[str]:
        reach = self.imports
        return [f"on the import path: {chain}" for p in code if (chain := reach.chain(p))]

    def config(self, path: str, keys: list[str]) -> ConfigUse:
        """Is this changed config read? Never ruled out without changed keys to look for."""
        use = config_use(path, keys, self.params_by_run, self.linked.get(path, []), self.mentions)
        if use.reason and not keys:
            return ConfigUse(use.evidence, None)
        return use

    def package(self, manifest: str, package: str) -> tuple[bool, str] | None:
        """Whether a bumped package can reach the model through its logged environment or its
        training code (None: no environment was logged)."""
        if self.environment is None:
            return None
        return self.environment.judge(manifest, package, self.imports)
