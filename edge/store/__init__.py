"""The lane's local SQLite store: reads, crossings, decisions, audit log and sync outbox."""

from edge.store.schema import SCHEMA_VERSION, migrate, open_db
from edge.store.writer import Store

__all__ = ["SCHEMA_VERSION", "Store", "migrate", "open_db"]
