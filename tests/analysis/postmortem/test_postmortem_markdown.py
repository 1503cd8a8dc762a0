from pathlib import Path

import pytest

from agentops.analysis.atomic_write import write_atomic
from agentops.analysis.postmortem.markdown import code, fenced, inline, quote, table
from tests.analysis.postmortem.conftest import parse_markdown, plain

HOSTILE = "# head\n```\n<b>x</b> | y *z* [a](http://e) ![i](x.png)\n- item\n===\n    code"


def test_inline_is_one_literal_paragraph() -> None:
    tokens = parse_markdown(inline(HOSTILE))
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    assert [c.type for c in tokens[1].children] == ["text"]
    assert plain(tokens[1]) == " ".join(HOSTILE.split())
    for marker in ("- x", "1. x", "+ x", "= x", "> x"):
        assert [t.type for t in parse_markdown(inline(marker))][0] == "paragraph_open"


def test_code_spans_survive_backticks_and_table_pipes() -> None:
    for text in ("a`b", "``x``", "`edge`", "a|b"):
        tokens = parse_markdown(code(text))
        assert [c.type for c in tokens[1].children] == ["code_inline"]
        assert tokens[1].children[0].content == text
    rows = parse_markdown("\n".join(table(["ref", "n"], [[code("a|b", in_table=True), "1"]])))
    cells = [plain(t) for t in rows if t.type == "inline"]
    assert cells == ["ref", "n", "a|b", "1"]


def test_quote_keeps_everything_inside_one_blockquote() -> None:
    tokens = parse_markdown(quote(HOSTILE) + "\n\nafter")
    depth, outside = 0, []
    for token in tokens:
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if depth == 0 and token.type not in ("blockquote_close",):
            outside.append(token.type)
    assert outside == ["paragraph_open", "inline", "paragraph_close"]  # only "after"
    assert not [t for t in tokens if t.type in ("heading_open", "fence", "html_block")]


def test_fenced_outlasts_the_fences_inside() -> None:
    body = "```\n````\nstill code"
    tokens = parse_markdown(fenced(body, "sh") + "\n\nafter")
    assert [t.type for t in tokens][:1] == ["fence"] and tokens[0].content.rstrip() == body


def test_write_atomic_refuses_to_overwrite_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.md"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    with pytest.raises(FileExistsError):
        write_atomic(target, "three", overwrite=False)
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["a.md"]
