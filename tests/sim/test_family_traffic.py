"""Card-less family members in NEXUS cars: the traffic makes them (deterministically, at
`family_share`), the truth refers them, the lane's real decision engine refers them with the
right reason, and the report counts them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edge.decision.engine import DecisionEngine
from edge.decision.facts import from_dict
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.decision.refdata import Change, RefData
from edge.decision.routing import Thresholds
from edge.models.scorer import SHIPPED_MODEL, Scorer
from edge.sim.population import PopulationConfig, generate, member_record
from edge.sim.report import _recommendations
from edge.sim.traffic import TrafficSpec, Vehicle, make_schedule

TODAY = "2026-01-15"
POP = generate(PopulationConfig(seed=3, members=800, travellers=600, manifests=0, today=TODAY))
SURNAMES = {m.card_id: m.surname for m in POP.members}


def nexus_cars(**kw: Any) -> list[Vehicle]:
    spec = TrafficSpec(vehicles_per_hour=300, no_card_rate=0.3, **kw)
    s = make_schedule(POP, spec, seed=7, duration_s=1800, lanes=1, camera=True)
    return list(s.lanes[0].vehicles)


def test_family_members_are_drawn_without_disturbing_the_rest_of_the_seed() -> None:
    none, half, half_again = nexus_cars(family_share=0.0), nexus_cars(), nexus_cars()
    assert half == half_again
    assert len(none) == len(half)
    for a, b in zip(none, half, strict=True):  # same cars, cards, documents; only surnames move
        assert (a.vid, a.cards, a.plate, a.booth_s) == (b.vid, b.cards, b.plate, b.booth_s)
        assert [d.document_number for d in a.documents] == [d.document_number for d in b.documents]
    family = [v for v in half if v.family_without_card]
    assert len(family) > sum(1 for v in none if v.family_without_card)
    for v in family:
        assert "occupant_without_card" in v.truth_reasons
        assert {d.surname for d in v.documents} & {SURNAMES[c] for c in v.cards}


def test_the_decision_engine_refers_every_family_car_for_the_card_less_occupant(
    tmp_path: Path,
) -> None:
    cars = [v for v in nexus_cars(family_share=1.0) if v.cards and v.documents]
    assert sum(1 for v in cars if v.family_without_card) >= 10
    ref = RefData(tmp_path / "ref.sqlite")
    ref.apply([Change("roster", "snapshot", "1", [member_record(m) for m in POP.members])])
    engine = DecisionEngine(ref, Scorer(SHIPPED_MODEL, schema_version=SCHEMA_VERSION,
                                        feature_names=FEATURE_NAMES), Thresholds())
    given = {m.card_id: m.given_names for m in POP.members}
    try:
        for v in cars:
            docs = [{"valid": True, "document_number": d.document_number, "surname": d.surname,
                     "given_names": d.given_names, "birth_date": d.birth_date,
                     "expiry_date": "2030-01-01"} for d in v.documents]
            rec = engine.decide(from_dict({
                "crossing_id": v.vid, "lane_kind": "nexus", "ts": 1_768_478_400.0,
                "card_ids": list(v.cards), "plate": {"text": v.plate, "confidence": 0.9},
                "documents": docs}))
            codes = {r.code for r in rec.reasons}
            assert rec.action == "refer", (v.vid, codes)
            namesake = any((SURNAMES[c], given[c]) == (d.surname, d.given_names)
                           for c in v.cards for d in v.documents)  # "junior": same names
            assert "occupant_without_card" in codes or (namesake and "identity_mismatch" in codes), \
                (v.vid, codes)
    finally:
        ref.close()


def test_report_counts_family_cars_true_and_missed() -> None:
    cars = [v for v in nexus_cars() if v.family_without_card][:3]
    assert len(cars) == 3
    matched = {v.vid: {"id": f"C{i}"} for i, v in enumerate(cars)}
    decisions = [(f"C{i}", 0.0, "recommendation", action, "lane",
                  json.dumps({"reasons": [{"code": "occupant_without_card"}]}))
                 for i, action in enumerate(("refer", "refer", "proceed_nexus"))]
    out = _recommendations(cars, matched, decisions)
    assert out["referrals_by_truth_reason"]["family_without_card"] == {"true": 2, "missed": 1}
    assert out["referrals_by_truth_reason"]["occupant_without_card"] == {"true": 2, "missed": 1}
