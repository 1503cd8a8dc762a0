"""Where the project is and what `agentops.toml` says: the one place paths come from.

The database URL is decided here, first match wins: `--db`, `AGENTOPS_DB_URL`, the `db` key
of `agentops.toml`, then `sqlite:///<root>/.agentops/lineage.db`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentops.errors import ProjectError

CONFIG_FILE = "agentops.toml"
STATE_DIR = ".agentops"


@dataclass(frozen=True, slots=True)
class ProjectSettings:
    root: Path
    db_url: str
    knowledge_dirs: tuple[Path, ...] = ()
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    classify: dict[str, list[str]] = field(default_factory=dict)
    entry_points: tuple[str, ...] = ()  # [analysis] entry_points: training and serving scripts
    raw: dict[str, Any] = field(default_factory=dict)
    db_given: bool = False  # the URL came from --db, AGENTOPS_DB_URL or agentops.toml

    @property
    def is_project(self) -> bool:
        """Whether `root` holds agentops.toml or .agentops/ (else it is just the start folder)."""
        return is_project_root(self.root)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR


def is_project_root(folder: Path) -> bool:
    return (folder / CONFIG_FILE).is_file() or (folder / STATE_DIR).is_dir()


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding agentops.toml or .agentops/, else `start`."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if is_project_root(folder):
            return folder
    return start


def read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(
            f"{path}: not valid TOML ({exc})", hint="fix or remove the file"
        ) from None


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def _resolve_url(url: str, root: Path) -> str:
    """Relative SQLite paths in agentops.toml are relative to the project root."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return sqlite_url(root / url.removeprefix(prefix))
    return url


def load_settings(start: Path | None = None, db_url: str | None = None) -> ProjectSettings:
    root = find_root(start or Path.cwd())
    raw = read_config(root / CONFIG_FILE)
    url = db_url or os.environ.get("AGENTOPS_DB_URL") or raw.get("db")
    if url is not None and not isinstance(url, str):
        raise ProjectError(f"{root / CONFIG_FILE}: db must be a string URL")
    knowledge = raw.get("knowledge", [])
    if not isinstance(knowledge, list) or not all(isinstance(k, str) for k in knowledge):
        raise ProjectError(
            f"{root / CONFIG_FILE}: knowledge must be a list of folder paths",
            hint='write knowledge = ["docs/ops"]',
        )
    analysis = raw.get("analysis", {})
    entries = analysis.get("entry_points", []) if isinstance(analysis, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, str) and e for e in entries):
        raise ProjectError(
            f"{root / CONFIG_FILE}: [analysis] entry_points must be a list of script paths or "
            "module names",
            hint='write entry_points = ["train.py", "pkg.serve"]',
        )
    return ProjectSettings(
        root=root,
        db_url=_resolve_url(url, root) if url else sqlite_url(root / STATE_DIR / "lineage.db"),
        knowledge_dirs=tuple(root / k for k in knowledge),
        sources=dict(raw.get("sources", {})),
        classify=dict(raw.get("classify", {})),
        entry_points=tuple(entries),
        raw=raw,
        db_given=url is not None,
    )


CONFIG_HEADER = """\
# agentops project settings. See docs/conventions.md for every key.
# knowledge = ["docs/ops"]            # your team's own cards
# db = "postgresql+psycopg://…"       # share one lineage store; default .agentops/lineage.db
"""


def detect_sources(root: Path) -> dict[str, dict[str, Any]]:
    """The `[sources.*]` tables for what the project at `root` shows where each tool puts it
    by default (each source's `detect`), in run order."""
    from graph.ingest import sources

    found = {name: source.detect(root) for name, source in sources().items()}
    return {name: table for name, table in found.items() if table is not None}


def config_text(tables: dict[str, dict[str, Any]]) -> str:
    """agentops.toml with these source tables (values are strings or lists of them, written
    as TOML basic strings, which JSON's string syntax is)."""
    import json

    from graph.ingest import sources

    parts = [CONFIG_HEADER]
    for name, table in tables.items():
        keys = "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())
        parts.append(f"\n[sources.{name}]\n{keys}")
    missing = [f"[sources.{name}]" for name in sources() if name not in tables]
    if missing:
        parts.append(f"\n# not found here, add when needed: {', '.join(missing)}\n")
    return "".join(parts)


def init_project(root: Path) -> tuple[Path, bool, dict[str, dict[str, Any]]]:
    """Write agentops.toml (never over an existing one) with the sources found in `root`, and
    .agentops/; returns the file, whether it was written, and the sources it declares."""
    config = root / CONFIG_FILE
    written = not config.exists()
    found = detect_sources(root) if written else {}
    if written:
        config.write_text(config_text(found), encoding="utf-8")
    state = root / STATE_DIR
    state.mkdir(exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return config, written, found
