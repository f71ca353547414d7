"""Tables of the local reference data and the conversion of incoming records into rows.

Four data sets, each versioned on its own: `roster` (trusted-traveller cards), `registry`
(trusted-trader carriers and importers), `lookouts` (documents, plates, names) and `manifests`
(pre-arrival shipment data). Records arrive as JSON objects (JSON lines, CSV rows or, later,
MQTT downlink envelopes); `row_for` validates one record into the tuple the table stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.decision.matching import document_key, name_key, plate_key, surname_index_key
from edge.errors import DecisionError

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datasets(
    name TEXT PRIMARY KEY, version TEXT NOT NULL, applied_at REAL NOT NULL,
    kind TEXT NOT NULL, changes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members(
    card_id TEXT PRIMARY KEY, programme TEXT NOT NULL, surname TEXT NOT NULL,
    given_names TEXT NOT NULL, birth_date TEXT, status TEXT NOT NULL, expiry TEXT,
    plates TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry(
    entity_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, programme TEXT NOT NULL,
    status TEXT NOT NULL, valid_until TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lookouts(
    lookout_id TEXT PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, given_key TEXT NOT NULL,
    birth_date TEXT, reason_code TEXT NOT NULL, expiry TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lookouts_by_key ON lookouts(kind, key);
CREATE TABLE IF NOT EXISTS manifests(
    shipment_ref TEXT PRIMARY KEY, carrier_id TEXT NOT NULL, importer_id TEXT NOT NULL,
    driver_card TEXT, plate TEXT, window_start REAL, window_end REAL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifests_by_driver ON manifests(driver_card);
"""


class RefDataError(DecisionError):
    """Reference data could not be loaded or applied; the data in force is unchanged."""

    code = "refdata.error"


@dataclass(frozen=True, slots=True)
class Dataset:
    """How one data set maps onto its table: key column, all columns, record -> row."""

    name: str
    table: str
    key: str
    columns: tuple[str, ...]


DATASETS: dict[str, Dataset] = {
    "roster": Dataset(
        "roster",
        "members",
        "card_id",
        (
            "card_id",
            "programme",
            "surname",
            "given_names",
            "birth_date",
            "status",
            "expiry",
            "plates",
        ),
    ),
    "registry": Dataset(
        "registry",
        "registry",
        "entity_id",
        ("entity_id", "kind", "name", "programme", "status", "valid_until"),
    ),
    "lookouts": Dataset(
        "lookouts",
        "lookouts",
        "lookout_id",
        ("lookout_id", "kind", "key", "given_key", "birth_date", "reason_code", "expiry"),
    ),
    "manifests": Dataset(
        "manifests",
        "manifests",
        "shipment_ref",
        (
            "shipment_ref",
            "carrier_id",
            "importer_id",
            "driver_card",
            "plate",
            "window_start",
            "window_end",
        ),
    ),
}

PROGRAMMES = ("NEXUS", "FAST")
MEMBER_STATUSES = ("active", "suspended", "revoked")
ENTITY_KINDS = ("carrier", "importer")
LOOKOUT_KINDS = ("document", "plate", "name")


def _text(rec: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            raise RefDataError("record lacks a required field", field=key)
        return None
    return str(value)


def _req(rec: Mapping[str, Any], key: str) -> str:
    value = _text(rec, key)
    assert value is not None
    return value


def _choice(rec: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = _req(rec, key)
    if value not in allowed:
        raise RefDataError("record field has an unknown value", field=key)
    return value


def _float(rec: Mapping[str, Any], key: str) -> float | None:
    value = rec.get(key)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise RefDataError("record field is not a number", field=key) from err


def _plates(value: Any) -> str:
    if value is None or value == "":
        return ""
    items = value if isinstance(value, list) else str(value).split(";")
    return ";".join(sorted({plate_key(str(p)) for p in items if str(p).strip()}))


def key_of(dataset: str, rec: Mapping[str, Any]) -> str:
    """The primary key of a record (for deletes, only the key is needed)."""
    ds = DATASETS[dataset]
    key = _req(rec, ds.key)
    return key.upper() if dataset == "roster" else key


def row_for(dataset: str, rec: Mapping[str, Any]) -> tuple[Any, ...]:
    """Validate one record of `dataset` into the row its table stores."""
    if dataset == "roster":
        return (
            key_of(dataset, rec),
            _choice(rec, "programme", PROGRAMMES),
            name_key(_text(rec, "surname", required=False) or ""),
            name_key(_text(rec, "given_names", required=False) or ""),
            _text(rec, "birth_date", required=False),
            _choice(rec, "status", MEMBER_STATUSES),
            _text(rec, "expiry", required=False),
            _plates(rec.get("plates")),
        )
    if dataset == "registry":
        return (
            key_of(dataset, rec),
            _choice(rec, "kind", ENTITY_KINDS),
            _text(rec, "name") or "",
            _text(rec, "programme", required=False) or "",
            _choice(rec, "status", MEMBER_STATUSES),
            _text(rec, "valid_until", required=False),
        )
    if dataset == "lookouts":
        kind = _choice(rec, "kind", LOOKOUT_KINDS)
        given = ""
        if kind == "document":
            key = document_key(_req(rec, "value"))
        elif kind == "plate":
            key = plate_key(_req(rec, "value"))
        else:
            key = surname_index_key(_text(rec, "surname", required=False) or _req(rec, "value"))
            given = name_key(_text(rec, "given_names", required=False) or "")
        if not key:
            raise RefDataError("lookout value is empty after normalisation", field="value")
        return (
            key_of(dataset, rec),
            kind,
            key,
            given,
            _text(rec, "birth_date", required=False),
            _req(rec, "reason_code"),
            _text(rec, "expiry", required=False),
        )
    if dataset == "manifests":
        plate = _text(rec, "plate", required=False)
        driver = _text(rec, "driver_card", required=False)
        return (
            key_of(dataset, rec),
            _req(rec, "carrier_id"),
            _req(rec, "importer_id"),
            driver.upper() if driver else None,
            plate_key(plate) if plate else None,
            _float(rec, "window_start"),
            _float(rec, "window_end"),
        )
    raise RefDataError("unknown data set", dataset=dataset)
