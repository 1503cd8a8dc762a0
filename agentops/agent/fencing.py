"""Untrusted-data fences around tool results, so graph text is read as data, not as orders.

Commit messages, config values and data cells are written by anyone with push access, or by an
upstream system. A tool result is wrapped as

    <untrusted-data source="tool:show_commit commit:1a2b3c…">
    …the compact JSON result…
    </untrusted-data>

and the system prompt says that nothing inside such a fence is an instruction. Text inside that
imitates a fence (`</untrusted-data>` to "close" it early, or a new opening tag) has its `<`
escaped, so the only real closing tag is the last line.
"""

from __future__ import annotations

import re

TAG = "untrusted-data"
_FENCE_LOOKALIKE = re.compile(r"<(\s*/?\s*untrusted[\s_\-]*data)", re.I)
_FENCED = re.compile(
    r'\A<untrusted-data source="(?P<source>[^"]*)">\n(?P<body>.*)\n</untrusted-data>\Z', re.S
)


def escape_body(text: str) -> str:
    """Defuse anything in `text` that could pass for an opening or closing fence tag."""
    return _FENCE_LOOKALIKE.sub(r"&lt;\1", text)


def _escape_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


def fence(content: str, source: str) -> str:
    """`content` wrapped as untrusted data from `source` (a short label: tool and inputs)."""
    return f'<{TAG} source="{_escape_attr(source)}">\n{escape_body(content)}\n</{TAG}>'


def unfence(text: str) -> tuple[str, str] | None:
    """(source, body) of a fenced block, or None; body keeps its escaping (it is data)."""
    match = _FENCED.match(text)
    if match is None:
        return None
    return match.group("source"), match.group("body")
