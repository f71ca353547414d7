"""From a stored crossing snapshot to the decision layer's facts, as the daemon does it."""

from __future__ import annotations

from typing import Any

from edge.daemon.crossing_facts import facts_from_snapshot
from edge.daemon.lane_service import LaneService

from .conftest import T0


def snapshot(cards: list[str], **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "L01-1", "lane": "L01", "opened_ts": T0,
        "cards": [{"epc": c} for c in cards],
        "plates": [{"text": "TRK111", "confidence": 0.9, "reads": 3},
                   {"text": "TRK1I1", "confidence": 0.95, "reads": 1}],
        "documents": [], "occupants_declared": None,
    }
    base.update(kw)
    return base


def test_facts_take_the_most_read_plate_and_the_cards() -> None:
    facts = facts_from_snapshot(snapshot(["F1"]), "fast", recent=2, shipment_ref="SH1")
    assert facts.card_ids == ("F1",)
    assert facts.plate is not None
    assert facts.plate.text == "TRK111"
    assert facts.shipment_ref == "SH1"
    assert facts.recent_crossings == 2


def test_document_errors_become_codes() -> None:
    doc = {"valid": False, "document_number": "X1", "errors": [{"code": "check_digit.birth_date"}]}
    facts = facts_from_snapshot(snapshot([], documents=[{"document": doc}]), "passenger")
    assert facts.documents[0].errors == ("check_digit.birth_date",)
    assert not facts.documents[0].valid


def test_fast_truck_finds_its_manifest_by_driver_card(engine) -> None:
    svc = LaneService(engine)
    svc.engine = engine
    rec, members = svc._decide(snapshot(["F1"]), "fast", 0)
    assert rec.action == "proceed_fast", rec.to_dict()
    assert members == {"F1": {"programme": "FAST", "status": "active", "expiry": "2030-01-01"}}
    with engine.refdata.snapshot() as snap:
        assert snap.shipment_for_drivers(["F1"], T0) == "SH1"
        assert snap.shipment_for_drivers(["NOPE"], T0) is None
    rec, _ = svc._decide(snapshot(["F2"]), "fast", 0)
    assert rec.action in ("redirect_commercial", "refer")


def test_a_scanned_document_reaches_the_decision_with_iso_dates() -> None:
    """Regression: MRZ dates reached the facts as {raw, year, month, day} objects."""
    import datetime as dt

    from edge.documents.parse import parse_mrz
    from edge.events import DocumentScanned
    from edge.lane.correlator import CrossingCorrelator, LaneOptions

    td3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
           "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    doc = parse_mrz(td3, today=dt.date(2010, 1, 1))
    lane = CrossingCorrelator(LaneOptions(lane="L01"), clock=lambda: T0)
    ups = lane.handle(DocumentScanned(ts=T0, device="mrz", document=doc))
    snap = ups[-1].snapshot
    facts = facts_from_snapshot(snap, "passenger")
    assert facts.documents[0].birth_date == "1974-08-12"
    assert facts.documents[0].expiry_date == "2012-04-15"
    assert facts.documents[0].valid
