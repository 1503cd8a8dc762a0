"""Creating the store's tables on first use and guarding their schema version.

The version lives in the `agentops_meta` table. A store from an older agentops would be
migrated here, step by step; one from a newer agentops is refused so it is never misread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def ensure(engine: Engine) -> int:
    """Create missing tables, record the schema version, and return it."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from graph.tables import SCHEMA_VERSION, MetaRow, metadata

    meta = MetaRow.__table__
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            stored = conn.execute(
                select(meta.c.value).where(meta.c.key == "schema_version")
            ).scalar()
            if stored is None:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                return SCHEMA_VERSION
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
        raise StoreError(
            f"cannot open the lineage store at {engine.url.render_as_string()}: {reason}",
            hint="check --db / AGENTOPS_DB_URL and that the database server is running",
        ) from exc
    if int(stored) > SCHEMA_VERSION:
        raise StoreError(
            f"the lineage store has schema version {stored}, newer than this agentops "
            f"({SCHEMA_VERSION})",
            hint="upgrade agentops, or point --db at another store",
        )
    return int(stored)
