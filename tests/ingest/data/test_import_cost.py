"""Importing the ingest commands and libraries must not import mlflow or pyarrow (start-up)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import agentops.cli.ingest
import graph.ingest.data.source, graph.ingest.mlflow.source, graph.profile.drift
from graph.ingest import sources
sources()
print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'mlflow', 'pyarrow', 'pandas'})))
"""


def test_ingest_modules_import_no_heavy_library() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
