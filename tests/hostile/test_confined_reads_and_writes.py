"""Class 9: files are written through a new temporary file (nothing planted beside the target
is written through) and `sync` reads only inside the project, unless agentops.toml names an
outside path and the user passes --allow-outside."""

from __future__ import annotations

import json
from pathlib import Path

from graph.model import Node
from graph.store import open_store
from tests.hostile.conftest import run_agentops


def test_graph_dump_does_not_write_through_a_planted_partial_symlink(project: Path) -> None:
    with open_store(f"sqlite:///{project / '.agentops' / 'lineage.db'}") as store:
        store.upsert([Node.make("run:a")])
    victim = project.parent / "victim.txt"
    victim.write_text("precious\n")
    (project / "graph.jsonl.partial").symlink_to(victim)
    assert run_agentops(project, "graph", "dump", "graph.jsonl").code == 0
    assert victim.read_text() == "precious\n"
    assert "run:a" in (project / "graph.jsonl").read_text()


def test_sync_does_not_follow_links_or_named_paths_out_of_the_project(project: Path) -> None:
    outside = project.parent / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("user,password\nroot,hunter2\n")
    (project / "data").mkdir()
    (project / "data" / "ratings.csv").write_text("user,item\n1,2\n")
    (project / "data" / "leak.csv").symlink_to(outside / "secret.csv")
    (project / "agentops.toml").write_text('[sources.data]\npaths = ["data/*.csv"]\n')
    linked = run_agentops(project, "sync", "--json")
    assert linked.code == 1 and "Traceback" not in linked.stderr
    assert "data/leak.csv links outside the project" in linked.stderr
    (project / "data" / "leak.csv").unlink()
    (project / "agentops.toml").write_text(
        '[sources.data]\npaths = ["data/*.csv", "../outside/*.csv"]\n'
    )
    named = run_agentops(project, "sync", "--json")
    assert named.code == 1 and "--allow-outside" in named.stderr
    dump = run_agentops(project, "graph", "dump", "-").stdout
    assert "secret" not in dump and "ratings" not in dump  # the source did not run at all
    allowed = run_agentops(project, "sync", "--allow-outside", "--json")
    assert allowed.code == 0, allowed.stderr
    names = {
        record["ref"].split(":")[1].split("@")[0]
        for record in map(
            json.loads, run_agentops(project, "graph", "dump", "-").stdout.split("\n")[:-1]
        )
        if record.get("ref", "").startswith("dataset:")
    }
    assert names == {"ratings", "secret"}
