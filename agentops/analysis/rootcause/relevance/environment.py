"""Is a bumped package in the model's runtime environment, or imported by its training code?

The model's runtime is what MLflow logged with it (`requirements.txt`, `conda.yaml`,
`python_env.yaml`: MLflow's model format; read at ingest by `graph.ingest.mlflow.environment`
into the model version's `runtime_packages`). Training is the code on the entry points' import
path (`imports.ImportReach.third_party`: the modules it imports from outside the repository). A
package bumped in the project's manifest can change the model through either, so it is ruled
out only when the logged environment exists and does not list it AND no module on the import
path imports it — said with the files and the entry points it was checked against. Without a
logged environment, or without a known import path, nothing is ruled out this way.

A distribution's import name is often not its own (`scikit-learn` is `sklearn`, `Pillow` is
`PIL`): a module counts as the package's when the names agree once normalised (PEP 503), when
the package is the module's name with a customary prefix or suffix (`python-dateutil`,
`pyserial`, `faiss-cpu`, `google-cloud-storage`), when this machine's installed metadata says
the package provides it (`importlib.metadata.packages_distributions`), or when it is one of the
well-known exceptions below. Any doubt keeps the package.

A lock file (`uv.lock`, `poetry.lock`, `Pipfile.lock`) pins transitive packages, which a logged
environment never lists but pip still installs under the ones it does: those always stay.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from agentops.analysis.rootcause.relevance.imports import ImportReach
from graph.attributes import ModelVersionAttrs
from graph.ingest.files.manifests import manifest_kind, normalize_name

LOCK_KINDS = frozenset({"lock", "pipfile-lock"})
IMPORT_NAMES = {
    "PIL": ("pillow",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python"),
    "yaml": ("pyyaml",),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "bs4": ("beautifulsoup4",),
    "attr": ("attrs",),
    "jwt": ("pyjwt",),
    "Crypto": ("pycryptodome",),
    "git": ("gitpython",),
    "google": ("protobuf",),
    "umap": ("umap-learn",),
    "surprise": ("scikit-surprise",),
    "mpl_toolkits": ("matplotlib",),
    "zmq": ("pyzmq",),
    "OpenSSL": ("pyopenssl",),
    "fitz": ("pymupdf",),
    "MySQLdb": ("mysqlclient",),
    "psycopg2": ("psycopg2-binary",),
    "tf_keras": ("tf-keras",),
}
"""Import names that no naming rule links to their distribution (PyPI metadata)."""


@functools.cache
def _installed_providers() -> dict[str, tuple[str, ...]]:
    from importlib.metadata import packages_distributions

    return {name: tuple(dists) for name, dists in packages_distributions().items()}


def provides(distribution: str, module: str) -> bool:
    """Whether the distribution may be where a top-level module comes from."""
    package, name = normalize_name(distribution), normalize_name(module)
    forms = {name, f"python-{name}", f"py{name}", f"{name}-python", f"scikit-{name}"}
    if package in forms or package.startswith(f"{name}-"):
        return True
    known = (*IMPORT_NAMES.get(module, ()), *_installed_providers().get(module, ()))
    return package in {normalize_name(d) for d in known}


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

    def judge(self, manifest: str, package: str, training: ImportReach) -> tuple[bool, str]:
        """(whether the package can reach the model, the evidence): `package` is a manifest
        key (`numpy`, `pip:torch`, `gpu:torch`); `training` the entry points' import reach."""
        name = normalize_name(package.rpartition(":")[2])
        files = ", ".join(self.files)
        if name in self.packages:
            return True, f"{name} is in the environment logged with {self.model} ({files})"
        if manifest_kind(manifest) in LOCK_KINDS:
            return True, (
                f"{name} is pinned by the lock file {manifest}: it may be installed under a "
                f"package of {self.model}'s environment"
            )
        absent = f"{name} is not in the environment logged with {self.model} ({files})"
        if training.unknown:
            return True, f"{absent}, but what training imports cannot be told ({training.unknown})"
        importer = next(
            (f"{path} imports {module}" for module, path in training.third_party.items()
             if provides(name, module)),
            None,
        )  # fmt: skip
        if importer:
            return True, f"{absent}, but training uses it: {importer}"
        entries = ", ".join(entry.path for entry in training.entries)
        return False, (
            f"{absent} and nothing imported from {entries} imports it: neither the model's "
            "runtime nor its training uses it"
        )
