"""The store's single writer: one thread, one connection, batched transactions.

Everything that changes the store goes through `Store.write(fn)`; consecutive writes are
grouped into one transaction (fast on SD cards, atomic per batch). `close()` drains the queue
and commits, which is what makes a SIGTERM lose nothing that was accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from edge.errors import StoreError
from edge.store.schema import migrate, open_db

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteFn = Callable[[sqlite_utils.Database], Any]

_STOP = object()


class Store:
    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000, max_batch: int = 500) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.max_batch = max_batch
        self._q: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._db: sqlite_utils.Database | None = None
        self.transactions = 0
        self.writes = 0

    def open(self) -> None:
        self._db = open_db(self.path, busy_timeout_ms=self.busy_timeout_ms)
        migrate(self._db)
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: WriteFn) -> Future[Any]:
        """Queue a write; the returned future resolves after its transaction committed."""
        fut: Future[Any] = Future()
        if self._thread is None:
            fut.set_exception(StoreError("store is not open", code="store.closed"))
            return fut
        self._q.put((fn, fut))
        return fut

    async def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        result: T = await asyncio.wrap_future(self.submit(fn))
        return result

    def _loop(self) -> None:
        assert self._db is not None
        db = self._db
        while True:
            item = self._q.get()
            if item is _STOP:
                return
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._commit(db, batch)
                    return
                batch.append(nxt)
            self._commit(db, batch)

    def _commit(self, db: sqlite_utils.Database, batch: list[tuple[WriteFn, Future[Any]]]) -> None:
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            for fn, fut in batch:
                db.conn.execute("SAVEPOINT w")
                try:
                    results.append((fut, fn(db), None))
                    db.conn.execute("RELEASE w")
                except Exception as err:  # noqa: BLE001 - one bad write must not sink its batch-mates
                    db.conn.execute("ROLLBACK TO w")
                    db.conn.execute("RELEASE w")
                    results.append((fut, None, err))
            db.conn.execute("COMMIT")
        except Exception as err:  # noqa: BLE001 - every waiter gets the failure
            with contextlib.suppress(Exception):
                db.conn.execute("ROLLBACK")
            log.error("store transaction failed: %s", type(err).__name__)
            for _fn, fut in batch:
                _settle(fut, None, StoreError(f"write failed: {err}", code="store.write_failed"))
            return
        self.transactions += 1
        self.writes += len(batch)
        for fut, value, exc in results:
            _settle(fut, value, exc)

    def close(self) -> None:
        """Drain every queued write, commit, checkpoint the WAL and close."""
        if self._thread is None:
            return
        self._q.put(_STOP)
        self._thread.join()
        self._thread = None
        if self._db is not None:
            with contextlib.suppress(Exception):
                self._db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.conn.close()
            self._db = None

    def backlog(self) -> int:
        return self._q.qsize()


def _settle(fut: Future[Any], value: Any, exc: BaseException | None) -> None:
    """Resolve a write's future; a waiter that was cancelled meanwhile is simply not told.

    The write itself is committed either way: cancelling the caller must never kill the writer
    thread (an InvalidStateError here once did, and every later write was lost).
    """
    try:
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(value)
    except InvalidStateError:
        pass


# ----------------------------------------------------------------------- write helpers


def insert_read(db: sqlite_utils.Database, *, ts: float, device: str, kind: str,
                payload: dict[str, Any], personal: bool = False,
                crossing_id: str | None = None) -> int:
    cur = db.conn.execute(
        "INSERT INTO reads(ts, device, kind, payload, personal, crossing_id) VALUES (?,?,?,?,?,?)",
        (ts, device, kind, json.dumps(payload, separators=(",", ":")), int(personal), crossing_id),
    )
    return int(cur.lastrowid or 0)


def enqueue_outbox(db: sqlite_utils.Database, *, kind: str, topic: str, payload: dict[str, Any],
                   personal: bool = False, now: float | None = None) -> tuple[int, str]:
    """Add an uplink message in the caller's transaction; returns (sequence, event id).

    The per-lane sequence number is the outbox's AUTOINCREMENT key: it never goes back, even
    after purges, so headquarters can detect gaps.
    """
    event_id = uuid.uuid4().hex
    ts = time.time() if now is None else now
    body = dict(payload)
    cur = db.conn.execute(
        "INSERT INTO outbox(event_id, kind, topic, payload, personal, created) VALUES (?,?,?,?,?,?)",
        (event_id, kind, topic, "", int(personal), ts),
    )
    seq = int(cur.lastrowid or 0)
    body.update({"event_id": event_id, "seq": seq, "kind": kind, "ts": ts})
    db.conn.execute("UPDATE outbox SET payload = ? WHERE seq = ?",
                    (json.dumps(body, separators=(",", ":"), default=str), seq))
    return seq, event_id


def kv_set(db: sqlite_utils.Database, key: str, value: Any) -> None:
    db.conn.execute("INSERT INTO kv(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "value = excluded.value", (key, json.dumps(value)))


def kv_get(db: sqlite_utils.Database, key: str, default: Any = None) -> Any:
    row = db.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row[0])
