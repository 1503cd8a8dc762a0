"""Running SQL straight through the database driver's cursor.

For the two hot paths, a lineage walk and a bulk load's ref → id lookups, SQLAlchemy's
statement and row handling cost more than the database's own work. Statements are written
with `:named` parameters; a list value expands to `(?, ?, …)`. Nothing here imports
SQLAlchemy, so a read-only command stays lean.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_NAMED_PARAM = re.compile(r":(\w+)")
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """All rows of `sql` run on `conn`'s own driver cursor (inside its transaction)."""
    text, values = positional(sql, params, conn.dialect.paramstyle)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(text, values)
        return cursor.fetchall()
    finally:
        cursor.close()


def positional(sql: str, params: dict[str, Any], paramstyle: str) -> tuple[str, list[Any]]:
    """`:name` → the driver's placeholder, values in the order they appear in the text."""
    try:
        mark = _PLACEHOLDER[paramstyle]
    except KeyError:
        message = f"driver SQL is written for qmark/format drivers, not {paramstyle}"
        raise NotImplementedError(message) from None
    values: list[Any] = []

    def place(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        if isinstance(value, list):
            values.extend(value)
            return "(" + ", ".join([mark] * len(value)) + ")"
        values.append(value)
        return mark

    return _NAMED_PARAM.sub(place, sql), values
