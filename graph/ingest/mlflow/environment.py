"""The packages a registered model's runtime installs, from the environment files MLflow logs
with it.

MLflow's model format ("MLflow Models", Storage Format and "Model Environment") stores, beside
`MLmodel`, the environment that loading the model needs: `requirements.txt` (pip requirements),
`conda.yaml` (conda dependencies, with a `pip:` list inside) and `python_env.yaml` (its
`dependencies` are pip requirement lines). Their package names, normalised as PEP 503 says, are
stored on the model version (`runtime_packages`, `runtime_env_files`), so an analysis can tell a
dependency bump the model's runtime never installs from one it does.

Only a local artifact store is read (a `file:` URI or a path: the files are opened where they
are, no copy): a remote store would make an ingest wait on the network. A model without these
files, or whose artifacts are elsewhere, simply has no `runtime_packages` — never an error.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from graph.ingest.files.configs import decode_text, parse_config
from graph.ingest.files.manifests import normalize_name, requirements_packages, split_requirement

if TYPE_CHECKING:
    from mlflow import MlflowClient

ENVIRONMENT_FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")
MAX_ENVIRONMENT_BYTES = 1024 * 1024


def runtime_environment(client: MlflowClient, version: Any, run_id: str | None) -> dict[str, Any]:
    """`{"runtime_packages": [...], "runtime_env_files": [...], "input_columns": [...]}` for
    a model version whose artifacts are on this machine, each key only when its files hold
    it; `{}` otherwise."""
    folder = _local_folder(_artifact_uri(client, version, run_id))
    if folder is None:
        return {}
    return {**_environment(folder), **_signature(folder)}


def _signature(folder: Path) -> dict[str, Any]:
    """`{"input_columns": [...]}`: the named columns of the signature in the model's `MLmodel`
    (MLflow writes `signature.inputs` as a JSON list of column specs); a model fed the columns
    of a table is thereby told apart from the column it predicts."""
    path = folder / "MLmodel"
    try:
        if not path.is_file() or path.stat().st_size > MAX_ENVIRONMENT_BYTES:
            return {}
        document = parse_config("MLmodel", path.read_bytes(), "yaml").document
    except OSError:
        return {}
    signature = document.get("signature") if isinstance(document, dict) else None
    inputs = signature.get("inputs") if isinstance(signature, dict) else None
    try:
        specs = json.loads(inputs) if isinstance(inputs, str) else None
    except ValueError:
        return {}
    names = [s.get("name") for s in specs or [] if isinstance(s, dict)]
    named = [name for name in names if isinstance(name, str) and name]
    return {"input_columns": named} if named and len(named) == len(names) else {}


def _environment(folder: Path) -> dict[str, Any]:
    packages: set[str] = set()
    files: list[str] = []
    for name in ENVIRONMENT_FILES:
        path = folder / name
        try:
            if not path.is_file() or path.stat().st_size > MAX_ENVIRONMENT_BYTES:
                continue
            text = decode_text(path.read_bytes())
        except (OSError, UnicodeDecodeError):
            continue
        files.append(name)
        packages |= _packages(name, text)
    if not files:
        return {}
    return {"runtime_packages": sorted(packages), "runtime_env_files": files}


def _artifact_uri(client: MlflowClient, version: Any, run_id: str | None) -> str | None:
    """Where the model's files are: its source, with `models:/` (an MLflow 3 logged model) and
    `runs:/<id>/<path>` resolved through the tracking store."""
    source = str(version.source or "")
    # a version registered from a logged model: `models:/<model id>` (the id is not always
    # on the version the registry returns)
    model_id = getattr(version, "model_id", None) or source.removeprefix("models:/")
    try:
        if source.startswith("models:/") and model_id and "/" not in model_id:
            return client.get_logged_model(model_id).artifact_location
        if source.startswith("runs:/"):
            run, _, inner = source.removeprefix("runs:/").partition("/")
            base = client.get_run(run or str(run_id)).info.artifact_uri
            return posixpath.join(base, inner) if inner else base
    except Exception:  # noqa: BLE001 - a version whose run or logged model is gone: no files
        return None
    return source or None


def _local_folder(uri: str | None) -> Path | None:
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        folder = Path(unquote(parsed.path))
    elif parsed.scheme == "" and uri.startswith("/"):
        folder = Path(uri)
    else:
        return None
    return folder if folder.is_dir() else None


def _packages(name: str, text: str) -> set[str]:
    if name == "requirements.txt":
        return set(requirements_packages(text))
    document = parse_config(name, text.encode("utf-8"), "yaml").document
    entries = document.get("dependencies") if isinstance(document, dict) else None
    found: set[str] = set()
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):  # conda's {"pip": [requirements]}
            for line in entry.get("pip") or []:
                found |= _requirement(str(line))
        elif isinstance(entry, str):
            # conda's `python=3.11` / `conda-forge::numpy>=1.26`, or a pip requirement line
            found |= _requirement(entry.split("::", 1)[-1].split("=", 1)[0])
    return found


def _requirement(line: str) -> set[str]:
    line = line.strip()
    if not line or line.startswith("-"):  # `-r requirements.txt`: read on its own
        return set()
    parsed = split_requirement(line)
    return {normalize_name(parsed[0])} if parsed else set()
