"""The uplink: drain the store's outbox to the broker, in seq order, until headquarters confirms.

States of an outbox row: `pending` (written with the fact it reports) -> `sent` (the broker's
PUBACK; the broker has it, headquarters may not yet) -> `confirmed` (headquarters' ack
high-water mark covers it). Only confirmed rows are ever purged, and only after retention.

Order and exactly-once-after-de-dup: the drain walks a cursor up the seq column. Every
(re)connect and every restart rewinds the cursor to the lowest unconfirmed seq, so rows whose
PUBACK (or whose copy at headquarters) was lost are sent again, in order; headquarters drops
the copies by event id. A replay request from headquarters rewinds the cursor the same way,
and so does a long silence from headquarters while rows wait unconfirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from edge.aio import wait_for
from edge.store.schema import open_db
from edge.store.writer import Store, kv_get, kv_set
from edge.sync.mqtt_client import LinkDown, MqttLink, PublishFailed
from edge.sync.topics import LaneTopics

log = logging.getLogger(__name__)
T = TypeVar("T")


async def committed(store: Store, fn: Callable[[sqlite_utils.Database], T]) -> T:
    """`store.write(fn)`, shielded: cancelling the caller must not cancel the write's future.

    The store's writer thread resolves that future after the commit; a future cancelled under
    it would raise in the writer thread (see the report to the lead), so the wait is shielded
    and the write simply completes.
    """
    return await asyncio.shield(store.write(fn))


class Uplink:
    def __init__(self, store: Store, link: MqttLink, topics: LaneTopics, *, db_path: str | Path | None = None,
                 batch: int = 500, window: int | None = None, idle_poll_s: float = 0.005,
                 resend_after_s: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.link = link
        self.topics = topics
        self.db_path = Path(db_path or store.path)
        self.batch = batch
        self.window = max(1, window or link.s.inflight)
        self._low_water = self.window - 1
        self.idle_poll_s = idle_poll_s
        self.resend_after_s = resend_after_s
        self.clock = clock
        self.cursor = 0
        self.confirmed_hw = 0
        self.epoch: str | None = None
        self.published = 0
        self.acked = 0
        self.refused = 0
        self.rewinds = 0
        self.last_ack_at: float | None = None
        self.rate = 0.0
        self._gen = 0
        self._inflight = 0
        self._room = asyncio.Event()
        self._wake = asyncio.Event()
        self._sent: list[int] = []
        self._flushing: asyncio.Task[None] | None = None
        self._reader: sqlite_utils.Database | None = None
        self._topic_cache: dict[str, str] = {}
        self._rate_mark = (time.monotonic(), 0)

    # ------------------------------------------------------------------ control
    def wake(self) -> None:
        """New rows were enqueued (optional: the drain also polls)."""
        self._wake.set()

    def rewind(self, why: str) -> None:
        """Restart the walk from the lowest unconfirmed seq (reconnect, restart, resync)."""
        low = self._db().conn.execute(
            "SELECT MIN(seq) FROM outbox WHERE state != 'confirmed'").fetchone()[0]
        target = (int(low) - 1) if low is not None else self._max_seq()
        if target < self.cursor:
            self.rewinds += 1
            log.debug("uplink rewinds from %d to %d (%s)", self.cursor, target, why)
        self.cursor = target
        self._gen += 1
        self._room.set()
        self._wake.set()

    def on_ack(self, hw: int, epoch: str | None = None) -> None:
        """Headquarters has stored every seq <= hw (of this store's epoch)."""
        if epoch is not None and self.epoch is not None and epoch != self.epoch:
            return  # an ack for the store this lane had before (box replaced, store re-created)
        if hw <= self.confirmed_hw:
            return
        self.confirmed_hw = hw
        self.last_ack_at = self.clock()
        now = self.clock()
        self.store.submit(lambda db: _confirm(db, hw, now))

    def on_replay(self, lo: int, hi: int) -> None:
        if lo - 1 < self.cursor:
            log.info("headquarters asks for a replay of seq %d..%d", lo, hi)
            self.cursor = max(0, lo - 1)
            self.rewinds += 1
            self._gen += 1
            self._wake.set()

    # ------------------------------------------------------------------ drain
    async def run(self) -> None:
        stored = int(await committed(self.store, lambda db: kv_get(db, "sync.confirmed_hw", 0)))
        self.confirmed_hw = max(self.confirmed_hw, stored)
        self.rewind("start")
        on_connect = partial(self.rewind, "reconnect")
        self.link.on_connected.append(on_connect)
        try:
            while True:
                await self.link.connected.wait()
                rows = self._fetch()
                if not rows:
                    await self._idle()
                    continue
                await self._send(rows)
                self._flush_sent()
                await asyncio.sleep(0)  # one batch at a time: the loop stays responsive
        finally:
            self.link.on_connected.remove(on_connect)
            if self._reader is not None:
                self._reader.conn.close()
                self._reader = None

    async def _send(self, rows: list[tuple[int, str, str]]) -> None:
        gen = self._gen
        for seq, topic, payload in rows:
            while self._inflight >= self.window:
                self._room.clear()
                await self._room.wait()
            if gen != self._gen or not self.link.connected.is_set():
                return
            full = self._topic_cache.get(topic)
            if full is None:
                full = self._topic_cache[topic] = self.topics.up(topic)
            try:
                self.link.publish_cb(full, payload, partial(self._done, seq))
            except LinkDown:
                return
            self._inflight += 1
            self.published += 1
            self.cursor = seq

    def _done(self, seq: int, exc: BaseException | None) -> None:
        self._inflight -= 1
        if self._inflight <= self._low_water:
            self._room.set()
        if exc is None:
            self.acked += 1
            self._sent.append(seq)
            if len(self._sent) >= self.batch:
                self._flush_sent()
        elif isinstance(exc, PublishFailed):
            self.refused += 1
            if self.refused == 1:
                log.error("broker refuses uplink publishes (%s); rows stay in the outbox", exc)

    def _flush_sent(self) -> None:
        if not self._sent:
            return
        seqs, self._sent = self._sent, []
        self.store.submit(partial(_mark_sent, seqs, self.clock()))

    async def _idle(self) -> None:
        self._flush_sent()
        self._update_rate()
        if (self.resend_after_s > 0 and self._inflight == 0 and self.cursor > self.confirmed_hw
                and self.clock() - (self.last_ack_at or self._started_wait()) > self.resend_after_s):
            self.last_ack_at = self.clock()
            self.rewind("headquarters silent")
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await wait_for(self._wake.wait(), self.idle_poll_s)

    def _started_wait(self) -> float:
        self.last_ack_at = self.clock()
        return self.last_ack_at

    def _update_rate(self) -> None:
        t0, n0 = self._rate_mark
        now = time.monotonic()
        if now - t0 >= 1.0:
            self.rate = (self.acked - n0) / (now - t0)
            self._rate_mark = (now, self.acked)

    # ------------------------------------------------------------------ reading
    def _db(self) -> sqlite_utils.Database:
        if self._reader is None:
            self._reader = open_db(self.db_path, busy_timeout_ms=self.store.busy_timeout_ms, readonly=True)
        return self._reader

    def _fetch(self) -> list[tuple[int, str, str]]:
        return self._db().conn.execute(
            "SELECT seq, topic, payload FROM outbox WHERE seq > ? AND state != 'confirmed' "
            "ORDER BY seq LIMIT ?", (self.cursor, self.batch)).fetchall()

    def _max_seq(self) -> int:
        row = self._db().conn.execute("SELECT MAX(seq) FROM outbox").fetchone()
        return int(row[0] or 0)

    def backlog(self) -> dict[str, int]:
        rows = self._db().conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        return {str(state): int(n) for state, n in rows}

    def status(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "confirmed_hw": self.confirmed_hw, "inflight": self._inflight,
                "published": self.published, "acked": self.acked, "refused": self.refused,
                "rewinds": self.rewinds, "drain_rate": round(self.rate, 1), "last_ack_at": self.last_ack_at}


def _mark_sent(seqs: list[int], now: float, db: sqlite_utils.Database) -> None:
    unique = set(seqs)
    lo, hi = min(unique), max(unique)
    if hi - lo + 1 == len(unique):  # the usual case: one contiguous run of PUBACKs
        db.conn.execute("UPDATE outbox SET state = 'sent', sent_at = ? "
                        "WHERE seq BETWEEN ? AND ? AND state = 'pending'", (now, lo, hi))
    else:
        db.conn.executemany("UPDATE outbox SET state = 'sent', sent_at = ? "
                            "WHERE seq = ? AND state = 'pending'", [(now, s) for s in unique])


def _confirm(db: sqlite_utils.Database, hw: int, now: float) -> None:
    db.conn.execute("UPDATE outbox SET state = 'confirmed', confirmed_at = ? "
                    "WHERE seq <= ? AND state != 'confirmed'", (now, hw))
    if hw > int(kv_get(db, "sync.confirmed_hw", 0)):
        kv_set(db, "sync.confirmed_hw", hw)


def store_epoch(db: sqlite_utils.Database) -> str:
    """This store's sync epoch: a random id made once, so headquarters can tell a re-created
    store (whose seq starts at 1 again) from the one it has acknowledged."""
    epoch = kv_get(db, "sync.epoch")
    if not epoch:
        epoch = uuid.uuid4().hex
        kv_set(db, "sync.epoch", epoch)
    return str(epoch)
