"""JSON text from outside (event files, dumps, plans, incident files) parsed without surprises.

Python's `json` fails in three ways on hostile text, only one of them `JSONDecodeError`: a value
nested past the interpreter's recursion limit raises RecursionError, and an integer of more than
`sys.get_int_max_str_digits()` digits (4,300) raises a plain ValueError. Each reader would need
all three; here they become one `JSONTextError` whose message says what is wrong.
"""

from __future__ import annotations

import json
import sys
from typing import Any

_DECODER = json.JSONDecoder()


class JSONTextError(ValueError):
    """Why a text is not JSON agentops can read (`lineno` is 1-based, 0 when unknown)."""

    def __init__(self, reason: str, lineno: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lineno = lineno


def decode_at(text: str, position: int = 0) -> tuple[Any, int]:
    """The JSON value starting at `position` and where it ends, or JSONTextError."""
    try:
        return _DECODER.raw_decode(text, position)
    except json.JSONDecodeError as exc:
        raise JSONTextError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", exc.lineno
        ) from None
    except RecursionError:
        raise JSONTextError("not JSON agentops reads: nested too deeply") from None
    except ValueError:  # the interpreter's limit on integer digits
        raise JSONTextError(
            f"not JSON agentops reads: an integer of more than {sys.get_int_max_str_digits():,} "
            "digits"
        ) from None


def parse_json(text: str | bytes) -> Any:
    """The one JSON value `text` holds (surrounding whitespace allowed), or JSONTextError.
    Bytes are decoded as `json.loads` does (UTF-8, -16 or -32, detected)."""
    if isinstance(text, bytes):
        try:
            text = text.decode(json.detect_encoding(text))
        except UnicodeDecodeError as exc:
            raise JSONTextError(f"not JSON: not {exc.encoding} text") from None
    start = len(text) - len(text.lstrip())
    value, end = decode_at(text, start)
    if text[end:].strip():
        line = text.count("\n", 0, end) + 1
        raise JSONTextError(f"not JSON: extra data after the value at line {line}", line)
    return value
