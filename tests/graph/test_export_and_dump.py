import io
import json
from types import SimpleNamespace

import pytest

from graph.errors import DumpLineError
from graph.export import to_dot, to_graphml, to_mermaid, to_networkx
from graph.export.dump import dump, load
from graph.queries import upstream
from graph.store import LineageStore, open_store


def test_networkx_and_text_exports_hold_the_same_graph(
    sample_store: LineageStore, sample: SimpleNamespace
) -> None:
    result = upstream(sample_store, [sample.M2])
    graph = to_networkx(result)
    assert set(graph.nodes) == result.refs()
    assert graph.number_of_edges() == len(result.edges)
    assert graph.nodes[sample.RUN2]["kind"] == "run"
    dot = to_dot(result)
    assert f'"{sample.RUN2}" -> "{sample.M2}" [label="produced"];' in dot
    mermaid = to_mermaid(result)
    assert mermaid.startswith("flowchart LR\n")
    assert mermaid.count("-->|") == len(result.edges)
    assert '<node id="model:recsys/2">' in to_graphml(result)


def test_exports_escape_hostile_refs(sqlite_store: LineageStore) -> None:
    from graph.model import Node

    hostile = 'dataset:x"];evil[label="<b>@0123456789ab'
    sqlite_store.upsert([Node.make(hostile)])
    result = upstream(sqlite_store, [hostile])
    assert '\\"];evil' in to_dot(result)
    assert "#34;" in to_mermaid(result) and "<b>" not in to_mermaid(result)


def test_dump_then_load_round_trips_sqlite_to_postgresql(
    sqlite_url: str, pg_url: str, sample: SimpleNamespace
) -> None:
    with open_store(sqlite_url) as source:
        source.upsert(*sample.graph())
        text = io.StringIO()
        lines = dump(source, text)
    assert lines == 13 + 16
    with open_store(pg_url) as target:
        result = load(target, io.StringIO(text.getvalue()))
        assert (result.nodes, result.edges) == (13, 16)
        again = io.StringIO()
        dump(target, again)
    assert again.getvalue() == text.getvalue()
    first = json.loads(text.getvalue().splitlines()[0])
    assert first["type"] == "node" and first["ref"] == sample.C1


@pytest.mark.parametrize(
    ("bad_line", "says"),
    [
        ("{not json", "line 3: not JSON"),
        ('{"type":"node","ref":"modle:x/1"}', "line 3: unknown node kind"),
        ('{"type":"edge","src":"run:r1","kind":"produced"}', "line 3: missing field 'dst'"),
        ('{"type":"edge","src":"run:r1","dst":"run:r1","kind":"feeds"}', "line 3: 'feeds'"),
        ('{"type":"wat"}', "line 3: type must be"),
    ],
)
def test_a_malformed_line_loads_nothing(
    sqlite_store: LineageStore, bad_line: str, says: str
) -> None:
    lines = [
        '{"type":"node","ref":"run:r1"}',
        '{"type":"node","ref":"model:recsys/1"}',
        bad_line,
        '{"type":"edge","src":"run:r1","dst":"model:recsys/1","kind":"produced"}',
    ]
    with pytest.raises(DumpLineError) as raised:
        load(sqlite_store, lines)
    assert says in raised.value.message
    assert sqlite_store.counts().nodes == {}


def test_edges_may_come_before_their_nodes(sqlite_store: LineageStore) -> None:
    lines = [
        '{"type":"edge","src":"run:r1","dst":"model:recsys/1","kind":"produced"}',
        '{"type":"node","ref":"run:r1"}',
        '{"type":"node","ref":"model:recsys/1","source_time":"2026-11-01T00:00:00Z"}',
    ]
    assert load(sqlite_store, lines).edges == 1
    assert sqlite_store.get("model:recsys/1").source_time.isoformat() == "2026-11-01T00:00:00+00:00"
