"""The store: migrations, refusal of newer schemas, append-only audit, outbox sequence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.store import SCHEMA_VERSION, Store, migrate, open_db
from edge.store.schema import StoreTooNew
from edge.store.writer import enqueue_outbox, kv_get, kv_set


def test_migrate_sets_version_and_is_idempotent(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.sqlite")
    assert migrate(db) == 0
    assert migrate(db) == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"reads", "crossings", "decisions", "audit", "outbox"} <= set(db.table_names())


def test_newer_store_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreTooNew) as err:
        migrate(open_db(tmp_path / "s.sqlite"))
    assert err.value.code == "store.too_new"


def test_audit_rows_cannot_be_changed(tmp_path: Path) -> None:
    db = open_db(tmp_path / "s.sqlite")
    migrate(db)
    db.conn.execute(
        "INSERT INTO audit(ts, kind, actor, body, prev_hash, hash) VALUES (1, 'k', 'a', '{}', '', 'h')"
    )
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("UPDATE audit SET actor = 'b'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("DELETE FROM audit")


async def test_writer_batches_and_outbox_sequence_never_goes_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.open()
    seqs = [
        await store.write(lambda db: enqueue_outbox(db, kind="k", topic="t", payload={"n": 1}))
        for _ in range(3)
    ]
    assert [s for s, _ in seqs] == [1, 2, 3]
    await store.write(lambda db: db.conn.execute("DELETE FROM outbox"))
    seq, _ = await store.write(lambda db: enqueue_outbox(db, kind="k", topic="t", payload={}))
    assert seq == 4
    await store.write(lambda db: kv_set(db, "x", {"a": 1}))
    assert await store.write(lambda db: kv_get(db, "x")) == {"a": 1}
    store.close()


async def test_one_failing_write_does_not_sink_the_batch(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.open()

    def bad(db):
        db.conn.execute("INSERT INTO kv(key, value) VALUES ('a', '1')")
        raise ValueError("nope")

    f1 = store.submit(lambda db: kv_set(db, "before", 1))
    f2 = store.submit(bad)
    f3 = store.submit(lambda db: kv_set(db, "after", 2))
    assert f1.result(5) is None
    with pytest.raises(ValueError, match="nope"):
        f2.result(5)
    assert f3.result(5) is None
    keys = await store.write(lambda db: [r[0] for r in db.conn.execute("SELECT key FROM kv")])
    assert sorted(keys) == ["after", "before"]
    store.close()


async def test_a_cancelled_writer_does_not_kill_the_store(tmp_path: Path) -> None:
    import asyncio

    store = Store(tmp_path / "s.sqlite")
    store.open()
    gate = __import__("threading").Event()
    blocker = store.submit(lambda db: gate.wait(5))
    task = asyncio.ensure_future(store.write(lambda db: kv_set(db, "cancelled", 1)))
    await asyncio.sleep(0.05)
    task.cancel()  # the caller gives up while its write is queued
    gate.set()
    blocker.result(5)
    await store.write(lambda db: kv_set(db, "after", 2))
    assert await store.write(lambda db: kv_get(db, "after")) == 2
    assert await store.write(lambda db: kv_get(db, "cancelled")) == 1  # committed all the same
    store.close()
