"""Class 6: concurrent ingests into one store end in the state of some serial order, with a
reader running alongside and no lock errors, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from graph.export.dump import dump_lines
from graph.ingest.openlineage.source import SOURCE
from graph.store import open_store
from tests.hostile.conftest import run_agentops
from tests.hostile.test_store_write_edge import _event

ENTRY = "from agentops.cli import entry; entry()"


def _events(seed: int, count: int = 300) -> list[dict[str, object]]:
    """Runs that read and write the same datasets as the other file's, at other times."""
    events = []
    for n in range(count):
        event = _event(
            f"2026-01-{1 + (n * 7 + seed * 13) % 28:02d}T{(n + seed) % 24:02d}:00:00Z",
            str(uuid.UUID(int=seed * 10_000 + n)),
        )
        event["inputs"] = [{"namespace": "ns", "name": f"table{n % 40}"}]
        event["outputs"] = [{"namespace": "ns", "name": f"table{(n + seed) % 40}"}]
        events.append(event)
    return events


def _state(db: str) -> list[dict[str, object]]:
    with open_store(db) as store:
        records = [json.loads(line) for line in dump_lines(store)]
    return sorted(
        ({k: v for k, v in record.items() if k != "first_seen"} for record in records),
        key=json.dumps,
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_writers_and_a_reader_end_in_a_serial_order(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    files = []
    for seed in (1, 2):
        path = tmp_path / f"events{seed}.json"
        path.write_text("\n".join(json.dumps(e) for e in _events(seed)))
        files.append(path)

    def url(name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / name}.db"
        return request.getfixturevalue("pg_url") if name == "together" else _fresh_pg(request)

    together = url("together")
    assert run_agentops(tmp_path, "--db", together, "init").code == 0  # the store exists
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", ENTRY, "--db", together, "ingest", "openlineage", str(f)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    reader = run_agentops(tmp_path, "--db", together, "status", "--json")
    assert reader.code == 0, reader.stderr
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    serial = []
    for order in (files, files[::-1]):  # the same ingests, one after the other, in-process
        db = url(f"serial{len(serial)}")
        with open_store(db) as store:
            for f in order:
                SOURCE.run(store, SOURCE.options(None, tmp_path, {"sources": [f]}))
        serial.append(_state(db))
    assert _state(together) in serial


def _fresh_pg(request: pytest.FixtureRequest) -> str:
    """Another schema on the test server (the `pg_url` fixture gives one per test)."""
    from sqlalchemy import create_engine, text

    from tests.conftest import PG_URL

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    request.addfinalizer(drop)
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
