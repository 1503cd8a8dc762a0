"""The project's local DVC cache: where DVC keeps the bytes of every version it tracked.

DVC stores each file it tracks once per content, named by its md5 (DVC's docs, "Internal
directories and files"): DVC 3 under `<cache>/files/md5/<first 2 hex>/<other 30>`, DVC 2
under `<cache>/<first 2 hex>/<other 30>`. `<cache>` is `.dvc/cache` unless `.dvc/config` (or
the git-ignored `.dvc/config.local`) sets `[cache] dir`, a path relative to the `.dvc`
folder. A folder out is a `.dir` manifest there, not bytes, and is not looked up here.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

DVC_FOLDER = ".dvc"
CONFIG_FILES = ("config", "config.local")  # the second overrides the first, as in DVC
_MD5 = re.compile(r"^[0-9a-f]{32}$")


def cache_dir(repo: Path) -> Path:
    """The cache folder of the DVC project at `repo` (`[cache] dir`, else `.dvc/cache`)."""
    folder = repo / DVC_FOLDER
    configured: str | None = None
    for name in CONFIG_FILES:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(folder / name, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue  # an unreadable config: DVC would fail too; the default is the best guess
        if parser.has_option("cache", "dir"):
            configured = parser.get("cache", "dir").strip().strip("'\"") or configured
    return (folder / configured) if configured else folder / "cache"


def cache_entry(repo: Path, md5: str) -> Path | None:
    """The cached file holding the bytes whose md5 DVC recorded, in either layout, if any."""
    digest = md5.lower()
    if not _MD5.match(digest):
        return None
    cache = cache_dir(repo)
    for entry in (
        cache / "files" / "md5" / digest[:2] / digest[2:],
        cache / digest[:2] / digest[2:],
    ):
        if entry.is_file():
            return entry
    return None
