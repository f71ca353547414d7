"""Append-only, hash-chained audit log of recommendations and officer decisions.

Each entry's `hash` is the sha256 of its canonical JSON (seq, ts, kind, actor, crossing_id,
body, prev_hash), and `prev_hash` is the previous entry's hash (64 zeros for the first). SQLite
triggers refuse UPDATE and DELETE; someone who bypasses them (drops the triggers, edits the
file) breaks the chain, and `verify_chain` says where. Deleting the newest entries leaves a
valid shorter chain: that is why the head (seq, hash) travels to headquarters with sync, and
`verify_chain(expected_head=...)` checks against it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from edge.errors import StoreError

GENESIS = "0" * 64

DDL = (
    "CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, ts REAL, kind TEXT, actor TEXT,"
    " crossing_id TEXT, body TEXT, prev_hash TEXT, hash TEXT)",
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
)


class AuditError(StoreError):
    code = "audit.error"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    ts: float
    kind: str
    actor: str
    crossing_id: str
    body: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`ok`, entries checked, the head, and the first bad entry with a problem code."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None  # audit.altered | audit.broken_link | audit.gap | audit.head

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "bad_seq": self.bad_seq,
            "problem": self.problem,
        }


def canonical(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int, ts: float, kind: str, actor: str, crossing_id: str, body: str, prev_hash: str
) -> str:
    doc = {
        "seq": seq,
        "ts": ts,
        "kind": kind,
        "actor": actor,
        "crossing_id": crossing_id,
        "body": body,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(doc).encode("utf-8")).hexdigest()


def ensure_schema(conn: sqlite3.Connection) -> None:
    for stmt in DDL:
        conn.execute(stmt)


def _exists(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'"
        ).fetchone()
        is not None
    )


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry, or (0, GENESIS) for an empty or absent log."""
    if not _exists(conn):
        return (0, GENESIS)
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))


def append(
    conn: sqlite3.Connection,
    kind: str,
    body: dict[str, Any],
    *,
    actor: str = "lane",
    crossing_id: str = "",
    ts: float | None = None,
) -> AuditEntry:
    """Append one entry (in the caller's transaction if one is open, else in its own)."""
    ensure_schema(conn)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        seq, prev = head(conn)
        seq += 1
        when = time.time() if ts is None else ts
        text = canonical(body)
        digest = entry_hash(seq, when, kind, actor, crossing_id, text, prev)
        conn.execute(
            "INSERT INTO audit(seq, ts, kind, actor, crossing_id, body, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, when, kind, actor, crossing_id, text, prev, digest),
        )
        if own:
            conn.execute("COMMIT")
    except sqlite3.Error as err:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise AuditError("audit append failed") from err
    return AuditEntry(seq, when, kind, actor, crossing_id, text, prev, digest)


def record_recommendation(
    conn: sqlite3.Connection, rec: Any, *, actor: str = "lane", ts: float | None = None
) -> AuditEntry:
    """Audit a `Recommendation` (action, score, reasons, versions of model and data)."""
    return append(
        conn, "recommendation", rec.to_dict(), actor=actor, crossing_id=rec.crossing_id, ts=ts
    )


def record_officer_decision(
    conn: sqlite3.Connection,
    crossing_id: str,
    officer: str,
    action: str,
    *,
    note_code: str | None = None,
    ts: float | None = None,
) -> AuditEntry:
    """Audit what the officer decided (the officer decides; the lane records)."""
    body = {"action": action, "note_code": note_code}
    return append(conn, "officer_decision", body, actor=officer, crossing_id=crossing_id, ts=ts)


def verify_chain(
    conn: sqlite3.Connection, expected_head: tuple[int, str] | None = None
) -> VerifyResult:
    """Recompute every hash and link; optionally compare with a head recorded elsewhere.

    Read-only: works on a connection opened with `mode=ro`."""
    prev, last_seq, n = GENESIS, 0, 0
    rows: Any = (
        conn.execute(
            "SELECT seq, ts, kind, actor, crossing_id, body, prev_hash, hash"
            " FROM audit ORDER BY seq"
        )
        if _exists(conn)
        else []
    )
    for seq, ts, kind, actor, crossing_id, body, prev_hash, digest in rows:
        n += 1
        if seq != last_seq + 1:
            return VerifyResult(False, n, last_seq, prev, seq, "audit.gap")
        if prev_hash != prev:
            return VerifyResult(False, n, last_seq, prev, seq, "audit.broken_link")
        if entry_hash(seq, ts, kind, actor, crossing_id, body, prev_hash) != digest:
            return VerifyResult(False, n, last_seq, prev, seq, "audit.altered")
        prev, last_seq = digest, seq
    if expected_head is not None:
        want_seq, want_hash = expected_head
        if last_seq < want_seq:
            return VerifyResult(False, n, last_seq, prev, want_seq, "audit.head")
        found = conn.execute("SELECT hash FROM audit WHERE seq = ?", (want_seq,)).fetchone()
        if want_seq > 0 and (found is None or found[0] != want_hash):
            return VerifyResult(False, n, last_seq, prev, want_seq, "audit.head")
    return VerifyResult(True, n, last_seq, prev)
