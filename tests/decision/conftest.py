"""Small hand-made reference data and helpers shared by the decision tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.decision.engine import DecisionEngine
from edge.decision.facts import CrossingFacts, from_dict
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.decision.refdata import Change, RefData
from edge.decision.routing import Thresholds
from edge.models.scorer import SHIPPED_MODEL, Scorer

T0 = 1_748_779_200.0  # 2025-06-01T12:00:00Z

MEMBERS: list[dict[str, Any]] = [
    {
        "card_id": "N1",
        "programme": "NEXUS",
        "surname": "Tremblay",
        "given_names": "Marie",
        "birth_date": "1980-01-01",
        "status": "active",
        "expiry": "2030-01-01",
        "plates": ["ABC123"],
    },
    {
        "card_id": "N2",
        "programme": "NEXUS",
        "surname": "Roy",
        "given_names": "Jean",
        "birth_date": "1982-02-02",
        "status": "active",
        "expiry": "2030-01-01",
        "plates": [],
    },
    {
        "card_id": "NS",
        "programme": "NEXUS",
        "surname": "Morin",
        "status": "suspended",
        "expiry": "2030-01-01",
    },
    {
        "card_id": "NR",
        "programme": "NEXUS",
        "surname": "Lavoie",
        "status": "revoked",
        "expiry": "2030-01-01",
    },
    {
        "card_id": "NE",
        "programme": "NEXUS",
        "surname": "Côté",
        "status": "active",
        "expiry": "2020-01-01",
    },
    {
        "card_id": "F1",
        "programme": "FAST",
        "surname": "Smith",
        "status": "active",
        "expiry": "2030-01-01",
        "plates": ["TRK111"],
    },
    {
        "card_id": "F2",
        "programme": "FAST",
        "surname": "Brown",
        "status": "suspended",
        "expiry": "2030-01-01",
    },
]
TRADERS: list[dict[str, Any]] = [
    {
        "entity_id": "CR1",
        "kind": "carrier",
        "name": "Good Carrier",
        "programme": "PIP",
        "status": "active",
        "valid_until": "2030-01-01",
    },
    {
        "entity_id": "CR2",
        "kind": "carrier",
        "name": "Plain Carrier",
        "programme": "",
        "status": "active",
    },
    {
        "entity_id": "IM1",
        "kind": "importer",
        "name": "Good Importer",
        "programme": "C-TPAT",
        "status": "active",
    },
    {
        "entity_id": "IM2",
        "kind": "importer",
        "name": "Lapsed Importer",
        "programme": "PIP",
        "status": "suspended",
    },
]
LOOKOUTS: list[dict[str, Any]] = [
    {"lookout_id": "L1", "kind": "document", "value": "ZZ9999999", "reason_code": "LO-WANTED"},
    {"lookout_id": "L2", "kind": "plate", "value": "BAD999", "reason_code": "LO-STOLEN-VEH"},
    {
        "lookout_id": "L3",
        "kind": "name",
        "value": "x",
        "surname": "Müller",
        "given_names": "Jürgen",
        "birth_date": "1970-05-05",
        "reason_code": "LO-INTEL",
    },
    {
        "lookout_id": "L4",
        "kind": "document",
        "value": "OLD000001",
        "reason_code": "LO-X",
        "expiry": "2020-01-01",
    },
]
MANIFESTS: list[dict[str, Any]] = [
    {
        "shipment_ref": "SH1",
        "carrier_id": "CR1",
        "importer_id": "IM1",
        "driver_card": "F1",
        "plate": "TRK111",
        "window_start": T0 - 3600,
        "window_end": T0 + 3600,
    },
    {
        "shipment_ref": "SH2",
        "carrier_id": "CR2",
        "importer_id": "IM2",
        "driver_card": "F1",
        "plate": "TRK111",
        "window_start": T0 - 3600,
        "window_end": T0 + 3600,
    },
]


def snapshot_changes(version: str = "1") -> list[Change]:
    return [
        Change("roster", "snapshot", version, MEMBERS),
        Change("registry", "snapshot", version, TRADERS),
        Change("lookouts", "snapshot", version, LOOKOUTS),
        Change("manifests", "snapshot", version, MANIFESTS),
    ]


def doc(number: str = "AB1234567", **kw: Any) -> dict[str, Any]:
    base = {
        "valid": True,
        "document_number": number,
        "surname": "GAGNON",
        "given_names": "LOUIS",
        "birth_date": "1975-03-03",
        "expiry_date": "2030-01-01",
        "expired": False,
        "errors": [],
    }
    base.update(kw)
    return base


def crossing(lane: str, **kw: Any) -> CrossingFacts:
    base: dict[str, Any] = {"crossing_id": "C1", "lane_kind": lane, "ts": T0}
    base.update(kw)
    return from_dict(base)


@pytest.fixture
def refdata(tmp_path: Path) -> Iterator[RefData]:
    ref = RefData(tmp_path / "ref.sqlite")
    ref.apply(snapshot_changes())
    yield ref
    ref.close()


def make_scorer(path: Path = SHIPPED_MODEL, **kw: Any) -> Scorer:
    return Scorer(path, schema_version=SCHEMA_VERSION, feature_names=FEATURE_NAMES, **kw)


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return make_scorer()


@pytest.fixture
def engine(refdata: RefData, scorer: Scorer) -> DecisionEngine:
    return DecisionEngine(refdata, scorer, Thresholds())
