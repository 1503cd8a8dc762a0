"""Putting untrusted text (commit messages, titles, dataset names, chat answers) into Markdown.

A postmortem is read in renderers (GitHub, wikis, the TUI) that turn `#` lines into headings,
backticks into code, `<…>` into HTML and `|` into table cells. Text from the graph must not be
able to add a section, open a fence that swallows the rest of the document, inject HTML or break
a table row, so every piece of it goes through one of these functions:

- `inline` — one line of prose or a table cell: control characters and newlines removed,
  Markdown punctuation backslash-escaped (CommonMark allows escaping any ASCII punctuation);
- `code` — a code span whose fence is longer than any backtick run inside;
- `quote` — several lines as a block quote, for text whose Markdown we keep (an agent's answer):
  HTML and fences are neutralised and a line can never start a heading or leave the quote;
- `fenced` — a code block whose fence is longer than any fence-like run inside.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!&{}])")
_LEADING_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^()([-+=])")
_HTML = re.compile(r"[<>&]")
_HTML_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
# A line that Markdown would read as block structure: heading, fence, setext underline,
# thematic break, HTML block, table or link reference definition.
_BLOCK_START = re.compile(r"^(\s*)(#|`{3,}|~{3,}|=+\s*$|[-*_](\s*[-*_]){2,}\s*$|\[[^\]]*\]:|\|)")


def one_line(text: object, limit: int = 240) -> str:
    """Control characters out, whitespace runs (newlines too) as one space, bounded length."""
    line = " ".join(_CONTROL.sub(" ", str(text)).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def inline(text: object, limit: int = 240) -> str:
    """Untrusted text as literal prose on one line (safe in a paragraph or a table cell).

    A leading list or heading marker is escaped too, so the text may start a line.
    """
    escaped = _INLINE_SPECIAL.sub(r"\\\1", one_line(text, limit))
    return _LEADING_MARKER.sub(lambda m: f"{m[1] or ''}\\{m[2] or m[4]}", escaped, count=1)


def code(text: object, limit: int = 240, in_table: bool = False) -> str:
    """Untrusted text as an inline code span (refs, keys, file paths).

    GitHub splits table rows on `|` even inside code spans; in a table it is written `\\|`.
    """
    body = one_line(text, limit)
    if in_table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or longest else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def quote(text: object, limit: int = 4000) -> str:
    """Several lines of untrusted Markdown as a block quote that cannot break out.

    Emphasis, lists and inline code survive; HTML is shown as text, fences and headings are
    escaped, so the quote ends where we end it.
    """
    body = _CONTROL.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    if len(body) > limit:
        body = body[: limit - 1] + "…"
    lines = []
    for line in body.split("\n"):
        line = _HTML.sub(lambda m: _HTML_ENTITY[m.group()], line)
        line = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line, count=1)
        lines.append(("> " + line).rstrip())
    return "\n".join(lines)


def fenced(text: str, info: str = "") -> str:
    """A fenced code block holding `text` verbatim, whatever fences it contains."""
    body = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    longest = max((len(run) for run in re.findall(r"^\s*(`{3,})", body, re.M)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{one_line(info, 40).replace('`', '')}\n{body.rstrip()}\n{fence}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Markdown table lines; cells must already be made safe (`inline`/`code`)."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(cell.replace("\n", " ") for cell in row) + " |" for row in rows]
    return lines
