"""Retention: personal data past its time, diagnostics past theirs. The one place it is done.

The daemon applies it every `retention.interval_minutes` (and `lanectl purge` on demand) in its
single writer; `purge_file` does the same on a store file while the daemon is down. Each run is
one transaction. Personal data is replaced, not deleted, where a row is still a fact (a crossing
keeps its id and times, a confirmed outbox row keeps its envelope); diagnostics are deleted, and
so are confirmed outbox rows older than the diagnostics period, oldest first, so what is left of
the outbox is always a contiguous run of seqs. Nothing headquarters has not confirmed is ever
touched. The audit log is append-only and holds no personal data, so it is never touched.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlite_utils

from edge.config import RetentionConfig
from edge.store.schema import migrate, open_db

PURGED = json.dumps({"purged": True})


@dataclass(frozen=True, slots=True)
class PurgeResult:
    outbox_personal: int
    outbox_deleted: int
    reads_personal: int
    crossings_personal: int
    bad_reads: int
    device_events: int
    personal_cutoff: float
    diagnostics_cutoff: float

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def audit_body(self) -> dict[str, float | int]:
        """The counts, for the audit entry (the cut-off times are in its timestamp already)."""
        return {k: v for k, v in self.to_dict().items() if not k.endswith("cutoff")}

    @property
    def changed(self) -> int:
        return (self.outbox_personal + self.outbox_deleted + self.reads_personal
                + self.crossings_personal + self.bad_reads + self.device_events)


def purge(db: sqlite_utils.Database, retention: RetentionConfig, now: float) -> PurgeResult:
    """Apply retention in the caller's transaction (or each statement in its own)."""
    personal_cut = now - retention.personal_hours * 3600
    diag_cut = now - retention.diagnostics_days * 86400
    c = db.conn
    # Outbox: only what headquarters confirmed; keep the envelope (seq, id, kind, time).
    rows = c.execute("SELECT seq, payload FROM outbox WHERE personal = 1 AND state = 'confirmed' "
                     "AND confirmed_at < ?", (personal_cut,)).fetchall()
    for seq, payload in rows:
        try:
            old = json.loads(payload)
        except ValueError:
            old = {}
        keep = {k: old[k] for k in ("event_id", "seq", "kind", "ts") if k in old}
        c.execute("UPDATE outbox SET payload = ?, personal = 0 WHERE seq = ?",
                  (json.dumps({**keep, "purged": True}), seq))
    # Confirmed rows past the diagnostics period go, as a prefix: the first row that is not
    # (confirmed and old) bounds the delete, so the outbox never gets a hole.
    first_kept = c.execute(
        "SELECT MIN(seq) FROM outbox WHERE state != 'confirmed' OR confirmed_at IS NULL "
        "OR confirmed_at >= ?", (diag_cut,)).fetchone()[0]
    deleted = c.execute(
        "DELETE FROM outbox WHERE state = 'confirmed' AND confirmed_at < ? AND seq < ?",
        (diag_cut, first_kept if first_kept is not None else 2**62)).rowcount
    reads = c.execute("UPDATE reads SET payload = ?, personal = 0 WHERE personal = 1 AND ts < ?",
                      (PURGED, personal_cut)).rowcount
    crossings = c.execute(
        "UPDATE crossings SET snapshot = ?, personal_purged = 1 WHERE personal_purged = 0 "
        "AND closed IS NOT NULL AND closed < ?", (PURGED, personal_cut)).rowcount
    bad = c.execute("DELETE FROM bad_reads WHERE ts < ?", (diag_cut,)).rowcount
    dev = c.execute("DELETE FROM device_events WHERE ts < ?", (diag_cut,)).rowcount
    return PurgeResult(len(rows), deleted, reads, crossings, bad, dev, personal_cut, diag_cut)


def purge_file(path: str | Path, retention: RetentionConfig, now: float,
               actor: str | None = None) -> PurgeResult:
    """Purge a store file directly (the daemon is down), in one transaction, audited as `actor`."""
    from edge.decision.audit import append as audit_append

    db = open_db(path)
    try:
        migrate(db)
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            result = purge(db, retention, now)
            if actor is not None:
                audit_append(db.conn, "purge", {**result.audit_body(), "daemon": "down"},
                             actor=actor, ts=now)
            db.conn.execute("COMMIT")
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        return result
    finally:
        db.conn.close()
