"""`served_project`: a private copy of a synced fixture scenario for the server to serve (it
opens the SQLite store, which may leave WAL files behind: the session-wide project stays
untouched).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures import BuiltProject

SCENARIO = "feature-code-bug"


@pytest.fixture
def served_project(
    synced_scenario: Callable[[str], tuple[BuiltProject, str]], tmp_path: Path
) -> BuiltProject:
    built, _ = synced_scenario(SCENARIO)
    root = tmp_path / "project"
    shutil.copytree(built.root, root, symlinks=True)
    return replace(built, root=root, ground_truth_path=root / "ground_truth.json")
