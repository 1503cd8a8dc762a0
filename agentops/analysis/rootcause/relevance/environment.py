"""Is a bumped package in the model's runtime environment?

The model's runtime is what MLflow logged with it (`requirements.txt`, `conda.yaml`,
`python_env.yaml`: MLflow's model format; read at ingest by `graph.ingest.mlflow.environment`
into the model version's `runtime_packages`). A package bumped in the project's own manifest
reaches the model only if that runtime installs it. So a package the logged environment exists
and does not list is ruled out — said with the files it was checked against. Without a logged
environment the project's manifests stand in for it (a runtime manifest lists it: it stays).

A lock file (`uv.lock`, `poetry.lock`, `Pipfile.lock`) pins transitive packages, which a logged
environment never lists but pip still installs under the ones it does: those always stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.attributes import ModelVersionAttrs
from graph.ingest.files.manifests import manifest_kind, normalize_name

LOCK_KINDS = frozenset({"lock", "pipfile-lock"})


@dataclass(frozen=True, slots=True)
class RuntimeEnvironment:
    """The packages one model version's logged environment installs."""

    model: str  # the model version's ref
    packages: frozenset[str]
    files: tuple[str, ...]

    @classmethod
    def of(cls, ref: str, attrs: ModelVersionAttrs) -> RuntimeEnvironment | None:
        packages = attrs.runtime_packages
        if packages is None:
            return None
        return cls(ref, frozenset(packages), tuple(attrs.runtime_env_files))

    def judge(self, manifest: str, package: str) -> tuple[bool, str]:
        """(whether the package reaches the model, the evidence): `package` is a manifest key
        (`numpy`, `pip:torch`, `gpu:torch`)."""
        name = normalize_name(package.rpartition(":")[2])
        files = ", ".join(self.files)
        if name in self.packages:
            return True, f"{name} is in the environment logged with {self.model} ({files})"
        if manifest_kind(manifest) in LOCK_KINDS:
            return True, (
                f"{name} is pinned by the lock file {manifest}: it may be installed under a "
                f"package of {self.model}'s environment"
            )
        return False, (
            f"{name} is not in the environment logged with {self.model} ({files}): the "
            "model's runtime does not install it"
        )
