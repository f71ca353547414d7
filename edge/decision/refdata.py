"""Local reference data in its own SQLite file, versioned per data set, read through snapshots.

Why SQLite in WAL mode: a decision reads through one read transaction (`RefData.snapshot()`),
so it sees every data set at one instant, with the version of each in force, while a full
snapshot or a delta is applied by the single writer in one write transaction. Readers never
wait for the writer and never see half an update. Each thread reads on its own connection.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.decision.matching import (
    document_key,
    given_matches,
    name_key,
    plate_key,
    surname_index_key,
    surname_matches,
)
from edge.decision.refdata_schema import (
    DATASETS,
    DDL,
    SCHEMA_VERSION,
    RefDataError,
    key_of,
    row_for,
)

NO_VERSION = "none"


@dataclass(frozen=True, slots=True)
class Member:
    """A trusted-traveller card holder (names folded by `matching.name_key`)."""

    card_id: str
    programme: str
    surname: str
    given_names: str
    birth_date: str | None
    status: str
    expiry: str | None
    plates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entity:
    """A carrier or importer of the trusted-trader registry."""

    entity_id: str
    kind: str
    programme: str
    status: str
    valid_until: str | None

    def trusted_on(self, day: str) -> bool:
        """Active, enrolled in a programme, and not past its validity on `day` (ISO date)."""
        return (
            self.status == "active"
            and bool(self.programme)
            and (self.valid_until is None or self.valid_until >= day)
        )


@dataclass(frozen=True, slots=True)
class LookoutHit:
    """A lookout entry that matched; only its id and reason code leave the data layer."""

    lookout_id: str
    kind: str
    reason_code: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """Pre-arrival data for one shipment."""

    shipment_ref: str
    carrier_id: str
    importer_id: str
    driver_card: str | None
    plate: str | None
    window_start: float | None
    window_end: float | None


@dataclass(frozen=True, slots=True)
class Change:
    """One data-set update: a full `snapshot` (replaces all) or a `delta` on `from_version`.

    Delta records carry `"op": "upsert"` (default) or `"op": "delete"` (key field only).
    """

    dataset: str
    kind: str
    version: str
    records: Iterable[Mapping[str, Any]]
    from_version: str | None = None


@dataclass
class ApplyResult:
    """What an apply did: per data set, rows written and the new version."""

    versions: dict[str, str] = field(default_factory=dict)
    changes: int = 0
    seconds: float = 0.0


class Snapshot:
    """Read view of all data sets at one instant; valid only inside `RefData.snapshot()`."""

    def __init__(self, conn: sqlite3.Connection, versions: Mapping[str, str]) -> None:
        self._conn = conn
        self.versions: Mapping[str, str] = versions

    def member(self, card_id: str) -> Member | None:
        row = self._conn.execute(
            "SELECT card_id, programme, surname, given_names, birth_date, status, expiry, plates"
            " FROM members WHERE card_id = ?",
            (card_id.upper(),),
        ).fetchone()
        if row is None:
            return None
        card, programme, surname, given, birth, status, expiry, plates = row
        return Member(
            card,
            programme,
            surname,
            given,
            birth,
            status,
            expiry,
            tuple(p for p in plates.split(";") if p),
        )

    def entity(self, entity_id: str) -> Entity | None:
        row = self._conn.execute(
            "SELECT entity_id, kind, programme, status, valid_until FROM registry"
            " WHERE entity_id = ?",
            (entity_id,),
        ).fetchone()
        return None if row is None else Entity(*row)

    def manifest(self, shipment_ref: str) -> Manifest | None:
        row = self._conn.execute(
            "SELECT shipment_ref, carrier_id, importer_id, driver_card, plate, window_start,"
            " window_end FROM manifests WHERE shipment_ref = ?",
            (shipment_ref,),
        ).fetchone()
        return None if row is None else Manifest(*row)

    def shipment_for_drivers(self, card_ids: Sequence[str], ts: float) -> str | None:
        """The manifest whose driver card is in the cab and whose window is nearest `ts`.

        A FAST truck announces no shipment reference at the lane: headquarters' pre-arrival
        manifest names the driver's card, which the reader has just seen.
        """
        if not card_ids:
            return None
        marks = ",".join("?" * len(card_ids))
        row = self._conn.execute(
            f"SELECT shipment_ref FROM manifests WHERE driver_card IN ({marks}) "  # noqa: S608
            "ORDER BY ABS(COALESCE(window_start, ?) - ?), shipment_ref LIMIT 1",
            (*card_ids, ts, ts),
        ).fetchone()
        return None if row is None else str(row[0])

    def _hits(self, kind: str, key: str, day: str) -> list[LookoutHit]:
        rows = self._conn.execute(
            "SELECT lookout_id, kind, reason_code FROM lookouts WHERE kind = ? AND key = ?"
            " AND (expiry IS NULL OR expiry >= ?) ORDER BY lookout_id",
            (kind, key, day),
        )
        return [LookoutHit(*r) for r in rows]

    def lookout_document(self, number: str, day: str) -> list[LookoutHit]:
        key = document_key(number)
        return self._hits("document", key, day) if key else []

    def lookout_plate(self, plate: str, day: str) -> list[LookoutHit]:
        key = plate_key(plate)
        return self._hits("plate", key, day) if key else []

    def lookout_name(
        self, surname: str, given_names: str, birth_date: str | None, day: str
    ) -> list[LookoutHit]:
        """Tolerant name match: folded spelling, truncated surname/given names; a birth date
        on both sides must agree."""
        seen = surname_index_key(surname)
        if not seen:
            return []
        rows = self._conn.execute(
            "SELECT lookout_id, kind, reason_code, key, given_key, birth_date FROM lookouts"
            " WHERE kind = 'name' AND key >= ? AND key < ? AND (expiry IS NULL OR expiry >= ?)"
            " ORDER BY lookout_id",
            (seen, seen + "\x7f", day),
        )
        given = name_key(given_names)
        hits = []
        for lookout_id, kind, reason, key, given_key, dob in rows:
            if not surname_matches(seen, key) or not given_matches(given, given_key):
                continue
            if dob and birth_date and dob != birth_date:
                continue
            hits.append(LookoutHit(lookout_id, kind, reason))
        return hits


class RefData:
    """The reference-data file: one writer (apply/load), many snapshot readers."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._readers: list[sqlite3.Connection] = []
        self._writer = self._connect()
        found = self._writer.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise RefDataError("reference data file is newer than this code", found=found)
        self._writer.execute("BEGIN IMMEDIATE")
        try:
            for stmt in DDL.split(";"):
                if stmt.strip():
                    self._writer.execute(stmt)
            self._writer.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._writer.execute("COMMIT")
        except BaseException:
            self._writer.execute("ROLLBACK")
            raise

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA cache_size = -65536")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._write_lock:
                self._readers.append(conn)
        return conn

    def close(self) -> None:
        with self._write_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            self._writer.close()
        self._local = threading.local()

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A consistent read view of every data set and the versions in force."""
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            rows = conn.execute("SELECT name, version FROM datasets").fetchall()
            versions = {name: NO_VERSION for name in DATASETS}
            versions.update(dict(rows))
            yield Snapshot(conn, versions)
        finally:
            conn.execute("COMMIT")

    def versions(self) -> dict[str, str]:
        with self.snapshot() as snap:
            return dict(snap.versions)

    def count(self, dataset: str) -> int:
        with self.snapshot() as snap:
            table = DATASETS[dataset].table
            return int(snap._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608

    def apply(self, changes: Sequence[Change]) -> ApplyResult:
        """Apply snapshots and deltas, all or nothing, in one write transaction."""
        start = time.perf_counter()
        result = ApplyResult()
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                for change in changes:
                    result.changes += self._apply_one(conn, change)
                    result.versions[change.dataset] = change.version
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        result.seconds = time.perf_counter() - start
        return result

    def _apply_one(self, conn: sqlite3.Connection, change: Change) -> int:
        ds = DATASETS.get(change.dataset)
        if ds is None:
            raise RefDataError("unknown data set", dataset=change.dataset)
        row = conn.execute("SELECT version FROM datasets WHERE name = ?", (ds.name,)).fetchone()
        current = NO_VERSION if row is None else row[0]
        cols = ", ".join(ds.columns)
        marks = ", ".join("?" for _ in ds.columns)
        upsert = f"INSERT OR REPLACE INTO {ds.table}({cols}) VALUES ({marks})"  # noqa: S608
        if change.kind == "snapshot":
            conn.execute(f"DELETE FROM {ds.table}")  # noqa: S608
            cur = conn.executemany(upsert, (row_for(ds.name, r) for r in change.records))
            count = cur.rowcount
        elif change.kind == "delta":
            if change.from_version != current:
                raise RefDataError(
                    "delta does not apply to the version in force",
                    dataset=ds.name,
                    expected=current,
                    got=change.from_version,
                )
            count = 0
            delete = f"DELETE FROM {ds.table} WHERE {ds.key} = ?"  # noqa: S608
            ups: list[tuple[Any, ...]] = []
            dels: list[tuple[str]] = []
            for rec in change.records:
                op = rec.get("op", "upsert")
                if op == "delete":
                    if ups:
                        conn.executemany(upsert, ups)
                        count, ups = count + len(ups), []
                    dels.append((key_of(ds.name, rec),))
                elif op == "upsert":
                    if dels:
                        conn.executemany(delete, dels)
                        count, dels = count + len(dels), []
                    ups.append(row_for(ds.name, rec))
                else:
                    raise RefDataError("unknown delta op", dataset=ds.name)
            conn.executemany(upsert, ups)
            conn.executemany(delete, dels)
            count += len(ups) + len(dels)
        else:
            raise RefDataError("change kind must be snapshot or delta", dataset=ds.name)
        conn.execute(
            "INSERT OR REPLACE INTO datasets(name, version, applied_at, kind, changes)"
            " VALUES (?, ?, ?, ?, ?)",
            (ds.name, change.version, time.time(), change.kind, count),
        )
        return int(count)
