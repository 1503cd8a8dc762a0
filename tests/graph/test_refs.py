import pytest

from graph.errors import RefError
from graph.refs import NodeKind, Ref, config_ref, dataset_ref, parse_ref


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("commit:" + "ab" * 20, NodeKind.COMMIT, "ab" * 20),
        ("config:configs/train.yaml@0123456789ab", NodeKind.CONFIG, "configs/train.yaml"),
        ("dataset:ratings@0123456789ab", NodeKind.DATASET, "ratings"),
        ("run:5f2c", NodeKind.RUN, "5f2c"),
        ("model:recsys/7", NodeKind.MODEL, "recsys"),
        ("deploy:recsys/champion@2026-11-03T00:00:00Z", NodeKind.DEPLOYMENT, "recsys/champion"),
        ("incident:INC-7", NodeKind.INCIDENT, "INC-7"),
    ],
)
def test_parse_every_kind_and_its_logical_name(text: str, kind: NodeKind, name: str) -> None:
    ref = parse_ref(text)
    assert ref.kind is kind
    assert str(ref) == text
    assert ref.name == name


def test_formatting_helpers_cut_versions_to_twelve_chars() -> None:
    assert config_ref("a.yaml", "f" * 40) == "config:a.yaml@" + "f" * 12
    assert dataset_ref("ratings", "0" * 64) == "dataset:ratings@" + "0" * 12
    assert Ref(NodeKind.MODEL, "recsys/7").name == "recsys"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("recsys/7", "not a full ref"),
        ("modle:recsys/7", "unknown node kind 'modle'"),
        ("commit:not-hex", "not a hex sha"),
        ("model:recsys", "has no version"),
        ("dataset:ratings", "has no version"),
    ],
)
def test_malformed_refs_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(RefError) as raised:
        parse_ref(text)
    assert says in raised.value.message
    assert raised.value.hint
