"""Ingesters: each reads one kind of source into the lineage store, idempotently."""
