"""One dependency manifest version → its package → version-spec map.

A dependency bump is a classic root cause; storing each manifest version as
`{package: spec}` lets two versions be diffed package by package (`numpy: ==1.26.4 → ==2.0.0`).
Package names are normalised (PEP 503: `Scikit_Learn` → `scikit-learn`). Packages outside the
main set are keyed `<group>:<name>` (`dev:pytest`, `pip:torch` inside a conda file).

Read here: requirements files (`requirements*.txt|.in`, `constraints*.txt`, `requirements/*.txt`),
`pyproject.toml` (PEP 621, PEP 735 groups, Poetry), `Pipfile`, `Pipfile.lock`, conda
`environment.yml`, `uv.lock` and `poetry.lock`. Other dependency files (setup.py,
package.json, …) are classified but not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graph.ingest.files.configs import ParsedConfig, decode_text, one_line, parse_config

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", re.DOTALL)
_CONDA = re.compile(r"^\s*(?:[^:\s]+::)?([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*(.*)$")
_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(slots=True)
class ParsedManifest:
    kind: str
    packages: dict[str, str] = field(default_factory=dict)
    config: ParsedConfig | None = None  # keys of a manifest that is also a config file
    error: str | None = None

    def attrs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"manifest": True, "manifest_kind": self.kind}
        if self.config is not None:
            out.update(self.config.attrs())
        if self.error is not None:
            out["parse_error"] = self.error
        else:
            out["packages"] = self.packages
        return out


def manifest_kind(path: str) -> str | None:
    """Which reader a dependency file gets, by its name (None: not one we read)."""
    name = path.rsplit("/", 1)[-1].lower()
    folder = path.rsplit("/", 2)[-2].lower() if "/" in path else ""
    if name.endswith((".txt", ".in")) and (
        name.startswith(("requirements", "constraints")) or folder == "requirements"
    ):
        return "requirements"
    return {
        "pyproject.toml": "pyproject",
        "pipfile": "pipfile",
        "pipfile.lock": "pipfile-lock",
        "environment.yml": "conda",
        "environment.yaml": "conda",
        "conda.yml": "conda",
        "conda.yaml": "conda",
        "uv.lock": "lock",
        "poetry.lock": "lock",
    }.get(name)


def normalize_name(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()


def parse_manifest(path: str, data: bytes, kind: str | None = None) -> ParsedManifest:
    """Read one manifest version; a file that does not parse gets `error`, never an exception."""
    kind = kind or manifest_kind(path) or "unknown"
    if kind == "requirements":
        try:
            return ParsedManifest(kind, requirements_packages(decode_text(data)))
        except UnicodeDecodeError:
            return ParsedManifest(kind, error="not UTF-8 text")
    fmt = {"conda": "yaml", "pipfile-lock": "json"}.get(kind, "toml")
    parsed = parse_config(path, data, fmt)
    # Lock files are long and machine-written: their packages are the useful part, not keys.
    shown = None if kind in ("lock", "pipfile-lock") else parsed
    if parsed.error is not None:
        return ParsedManifest(kind, config=shown, error=parsed.error)
    reader = {
        "pyproject": _pyproject,
        "pipfile": _pipfile,
        "pipfile-lock": _pipfile_lock,
        "conda": _conda,
        "lock": _lock,
    }.get(kind)
    if reader is None:
        return ParsedManifest(kind, config=shown, error=f"no reader for {kind} manifests")
    try:
        packages = reader(parsed.document)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        return ParsedManifest(kind, config=shown, error=f"unexpected layout: {one_line(exc)}")
    return ParsedManifest(kind, dict(sorted(packages.items())), shown)


def _add(packages: dict[str, str], key: str, spec: str) -> None:
    spec = " ".join(spec.split())
    if key in packages and packages[key] != spec:
        packages[key] = f"{packages[key]} || {spec}"  # e.g. per-platform markers
    else:
        packages[key] = spec


def split_requirement(line: str) -> tuple[str, str] | None:
    """`name[extras] spec ; markers` → (normalised name, rest), or None if not a requirement."""
    match = _NAME.match(line)
    if not match:
        return None
    return normalize_name(match.group(1)), match.group(2).strip()


def requirements_packages(text: str) -> dict[str, str]:
    """Packages of a pip requirements file (options, includes and comments skipped)."""
    packages: dict[str, str] = {}
    for line in text.replace("\\\r\n", " ").replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line or line.startswith("-"):
            continue
        line = line.split(" --", 1)[0]  # per-requirement options such as --hash
        parsed = split_requirement(line)
        if parsed:
            _add(packages, *parsed)
    return dict(sorted(packages.items()))


def _pep508(packages: dict[str, str], entries: Any, group: str = "") -> None:
    for entry in entries or ():
        if isinstance(entry, str) and (parsed := split_requirement(entry)):
            name, spec = parsed
            _add(packages, f"{group}:{name}" if group else name, spec)


def _table_spec(value: Any) -> str:
    """Poetry/Pipfile spec: a string, or a table with a version, git, path or url."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "version" in value:
            return str(value["version"])
        for source in ("git", "url", "path", "file"):
            if source in value:
                ref = value.get("rev") or value.get("tag") or value.get("branch") or ""
                return f"@ {value[source]}" + (f"@{ref}" if ref else "")
        return ""
    if isinstance(value, list):
        return " || ".join(_table_spec(item) for item in value)
    return str(value)


def _table(packages: dict[str, str], table: Any, group: str = "") -> None:
    for name, value in (table or {}).items():
        key = normalize_name(name)
        _add(packages, f"{group}:{key}" if group else key, _table_spec(value))


def _pyproject(doc: dict[str, Any]) -> dict[str, str]:
    packages: dict[str, str] = {}
    project = doc.get("project") or {}
    if isinstance(project.get("requires-python"), str):
        packages["python"] = project["requires-python"]
    _pep508(packages, project.get("dependencies"))
    for group, entries in (project.get("optional-dependencies") or {}).items():
        _pep508(packages, entries, group)
    for group, entries in (doc.get("dependency-groups") or {}).items():
        _pep508(packages, entries, group)
    poetry = (doc.get("tool") or {}).get("poetry") or {}
    _table(packages, poetry.get("dependencies"))
    _table(packages, poetry.get("dev-dependencies"), "dev")
    for group, body in (poetry.get("group") or {}).items():
        _table(packages, (body or {}).get("dependencies"), group)
    return packages


def _pipfile(doc: dict[str, Any]) -> dict[str, str]:
    packages: dict[str, str] = {}
    _table(packages, doc.get("packages"))
    _table(packages, doc.get("dev-packages"), "dev")
    return packages


def _pipfile_lock(doc: dict[str, Any]) -> dict[str, str]:
    packages: dict[str, str] = {}
    _table(packages, doc.get("default"))
    _table(packages, doc.get("develop"), "dev")
    return packages


def _conda(doc: dict[str, Any]) -> dict[str, str]:
    packages: dict[str, str] = {}
    for entry in doc.get("dependencies") or ():
        if isinstance(entry, str) and (match := _CONDA.match(entry)):
            _add(packages, normalize_name(match.group(1)), match.group(2))
        elif isinstance(entry, dict):
            for group, entries in entry.items():
                _pep508(packages, entries, str(group))
    return packages


def _lock(doc: dict[str, Any]) -> dict[str, str]:
    """uv.lock and poetry.lock: `[[package]]` tables with a name and a pinned version."""
    packages: dict[str, str] = {}
    for package in doc.get("package") or ():
        if isinstance(package, dict) and isinstance(package.get("name"), str):
            version = package.get("version")
            _add(packages, normalize_name(package["name"]), f"=={version}" if version else "")
    return packages
