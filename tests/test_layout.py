"""A folder per concept: no package holds three or more modules that share a name prefix.

`rollback.py`, `rollback_steps.py`, `rollback_target.py` side by side are one concept spread over
a folder that holds others; they belong in a package (`rollback/`: `__init__`, `steps`,
`target`), where a reader finds them together and a base and its implementations cannot import
in a circle. Two are tolerated (`anthropic.py` and `anthropic_errors.py`): the rule is for the
pattern, not every pair.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("agentops", "graph", "knowledge")
CROWD = 3  # this many modules with one prefix in one folder call for a subpackage


def members(folder: Path) -> list[str]:
    """The modules and subpackages of a package folder, by name; private (`_x`) ones left out."""
    names = [
        path.stem if path.is_file() else path.name
        for path in folder.iterdir()
        if (path.is_file() and path.suffix == ".py")
        or (path.is_dir() and (path / "__init__.py").is_file())
    ]
    return sorted(name for name in names if not name.startswith("_"))


def crowded_prefixes(folder: Path) -> dict[str, list[str]]:
    """Prefixes (the name up to its first `_`) shared by `CROWD` or more members of `folder`.

    A module named like the prefix counts with the others: `rollback.py` and two
    `rollback_*.py` are three.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in members(folder):
        groups[name.split("_", 1)[0]].append(name)
    return {prefix: names for prefix, names in groups.items() if len(names) >= CROWD}


def package_folders() -> list[Path]:
    folders = []
    for package in PACKAGES:
        for init in sorted((REPO / package).rglob("__init__.py")):
            folders.append(init.parent)
    return folders


def test_no_package_folder_holds_a_crowd_of_modules_with_one_prefix() -> None:
    crowded = {
        str(folder.relative_to(REPO)): found
        for folder in package_folders()
        if (found := crowded_prefixes(folder))
    }
    assert crowded == {}


def test_the_packages_are_found() -> None:
    folders = {str(folder.relative_to(REPO)) for folder in package_folders()}
    assert {"agentops", "agentops/agent/tools", "graph/ingest/git", "knowledge"} <= folders


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["foo_a.py", "foo_b.py", "foo_c.py"], {"foo": ["foo_a", "foo_b", "foo_c"]}),
        (
            ["rollback.py", "rollback_steps.py", "rollback_target.py"],
            {"rollback": ["rollback", "rollback_steps", "rollback_target"]},
        ),
        (["foo/__init__.py", "foo_a.py", "foo_b.py"], {"foo": ["foo", "foo_a", "foo_b"]}),
        (["foo.py", "foo_a.py", "bar_b.py", "__init__.py"], {}),
        (["_foo_a.py", "_foo_b.py", "foo_c.py", "notes_a.txt", "notes_b.txt", "notes_c.txt"], {}),
        (["data/readme.md", "data_a.py", "data_b.py"], {}),  # a folder that is no package
    ],
)
def test_crowded_prefixes(tmp_path: Path, files: list[str], expected: dict[str, list[str]]) -> None:
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", "utf-8")
    assert crowded_prefixes(tmp_path) == expected
