"""Schema and migrations of the store, numbered; each migration runs in one transaction.

`PRAGMA user_version` holds the version. A store newer than this code is refused (a downgrade
must not silently write into a schema it does not know). WAL journal with synchronous=NORMAL:
a killed daemon loses at most the transactions it had not committed, and the file stays whole.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from edge.errors import StoreError

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE reads (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            device TEXT NOT NULL,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            personal INTEGER NOT NULL DEFAULT 0,
            crossing_id TEXT
        );
        CREATE INDEX reads_ts ON reads(ts);
        CREATE INDEX reads_crossing ON reads(crossing_id);
        CREATE TABLE bad_reads (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            device TEXT NOT NULL,
            code TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE device_events (
            id INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            device TEXT NOT NULL,
            state TEXT NOT NULL,
            error_code TEXT,
            error TEXT
        );
        CREATE TABLE crossings (
            id TEXT PRIMARY KEY,
            lane TEXT NOT NULL,
            state TEXT NOT NULL,
            opened REAL NOT NULL,
            updated REAL NOT NULL,
            closed REAL,
            snapshot TEXT NOT NULL,
            personal_purged INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX crossings_updated ON crossings(updated);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            crossing_id TEXT NOT NULL,
            ts REAL NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('recommendation', 'officer')),
            action TEXT NOT NULL,
            actor TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX decisions_crossing ON decisions(crossing_id);
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            ts REAL NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            crossing_id TEXT,
            body TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            topic TEXT NOT NULL,
            payload TEXT NOT NULL,
            personal INTEGER NOT NULL DEFAULT 0,
            created REAL NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sent', 'confirmed')),
            sent_at REAL,
            confirmed_at REAL
        );
        CREATE INDEX outbox_state ON outbox(state, seq);
        CREATE TABLE kv (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


class StoreTooNew(StoreError):
    code = "store.too_new"


class StoreCorrupt(StoreError):
    code = "store.corrupt"


def open_db(
    path: str | Path, *, busy_timeout_ms: int = 5000, readonly: bool = False
) -> sqlite_utils.Database:
    """A connection with the store's pragmas; readers pass readonly=True."""
    p = Path(path)
    if readonly:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000,
                               check_same_thread=False)
    else:
        p.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(p), timeout=busy_timeout_ms / 1000, isolation_level=None,
                               check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as err:
        conn.close()
        raise StoreCorrupt(f"store {p.name} cannot be opened: {err}", path=str(p)) from err
    return sqlite_utils.Database(conn)


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before."""
    conn = db.conn
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise StoreTooNew(f"store schema v{found} is newer than this lane-edge (v{SCHEMA_VERSION})",
                          found=found, supported=SCHEMA_VERSION)
    for version, sql in MIGRATIONS:
        if version <= found:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


def _statements(sql: str) -> list[str]:
    """Split on ';' at statement ends, keeping trigger bodies (BEGIN ... END;) whole."""
    out: list[str] = []
    buf = ""
    for part in sql.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out
