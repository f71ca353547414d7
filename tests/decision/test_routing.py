"""Every lane kind and every rule reason, through the real engine on small reference data."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from edge.decision.engine import DecisionEngine
from edge.decision.facts import CrossingFacts
from edge.decision.reasons import RULE_TEXTS
from edge.decision.routing import Thresholds

from .conftest import T0, crossing, doc

NEXUS_OK = {
    "card_ids": ["N1", "N2"],
    "plate": {"text": "ABC-123", "confidence": 0.9},
    "declared_occupants": 2,
}
FAST_OK = {
    "card_ids": ["F1"],
    "plate": {"text": "TRK111", "confidence": 0.9},
    "shipment_ref": "SH1",
}


def codes(engine: DecisionEngine, facts: CrossingFacts) -> tuple[str, set[str]]:
    rec = engine.decide(facts)
    json.dumps(rec.to_dict())  # always serialisable
    return rec.action, {r.code for r in rec.reasons}


def test_nexus_all_eligible_proceeds(engine: DecisionEngine) -> None:
    action, found = codes(engine, crossing("nexus", **NEXUS_OK))
    assert action == "proceed_nexus"
    assert "eligible_nexus" in found


def test_fast_all_eligible_proceeds(engine: DecisionEngine) -> None:
    action, found = codes(engine, crossing("fast", **FAST_OK))
    assert action == "proceed_fast"
    assert "eligible_fast" in found


def test_passenger_and_commercial_release(engine: DecisionEngine) -> None:
    assert codes(engine, crossing("passenger", documents=[doc()]))[0] == "release_recommended"
    action, found = codes(engine, crossing("commercial", documents=[doc()], **FAST_OK))
    assert action == "release_recommended"
    assert "no_concerns" in found


# reason code -> (lane, crossing fields, expected action)
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "card_unknown": ("nexus", {**NEXUS_OK, "card_ids": ["N1", "NOPE"]}, "refer"),
    "card_suspended": ("nexus", {**NEXUS_OK, "card_ids": ["N1", "NS"]}, "refer"),
    "card_revoked": ("nexus", {**NEXUS_OK, "card_ids": ["N1", "NR"]}, "refer"),
    "card_expired": ("nexus", {**NEXUS_OK, "card_ids": ["N1", "NE"]}, "refer"),
    "card_wrong_programme": ("nexus", {**NEXUS_OK, "card_ids": ["N1", "F1"]}, "refer"),
    "occupant_without_card": ("nexus", {**NEXUS_OK, "declared_occupants": 3}, "refer"),
    "occupant_unidentified": (
        "passenger",
        {"documents": [doc()], "declared_occupants": 2},
        "refer",
    ),
    "lookout_document": ("passenger", {"documents": [doc("ZZ-9999999")]}, "refer"),
    "lookout_name": (
        "passenger",
        {"documents": [doc(surname="MUELLER", given_names="JURG", birth_date="1970-05-05")]},
        "refer",
    ),
    "lookout_plate": (
        "fast",
        {**FAST_OK, "plate": {"text": "BAD 999", "confidence": 0.9}},
        "refer",
    ),
    "plate_unread": (
        "nexus",
        {**NEXUS_OK, "plate": {"text": "ABC123", "confidence": 0.2}},
        "refer",
    ),
    "plate_not_registered": (
        "nexus",
        {**NEXUS_OK, "plate": {"text": "XYZ9", "confidence": 1}},
        "refer",
    ),
    "document_invalid": (
        "passenger",
        {"documents": [doc(valid=False, errors=["mrz.check"])]},
        "refer",
    ),
    "document_expired": ("passenger", {"documents": [doc(expiry_date="2025-05-31")]}, "refer"),
    "identity_mismatch": (
        "nexus",
        {
            **NEXUS_OK,
            "documents": [doc(surname="TREMBLAY", given_names="MARIE", birth_date="1999-09-09")],
        },
        "refer",
    ),
    "manifest_missing": ("fast", {**FAST_OK, "shipment_ref": "NOPE"}, "redirect_commercial"),
    "manifest_mismatch": ("fast", {**FAST_OK, "card_ids": ["F2"]}, "redirect_commercial"),
    "manifest_outside_window": ("fast", {**FAST_OK, "ts": T0 + 6 * 3600}, "redirect_commercial"),
    "carrier_not_trusted": ("fast", {**FAST_OK, "shipment_ref": "SH2"}, "redirect_commercial"),
    "importer_not_trusted": ("fast", {**FAST_OK, "shipment_ref": "SH2"}, "redirect_commercial"),
    "eligible_nexus": ("nexus", NEXUS_OK, "proceed_nexus"),
    "eligible_fast": ("fast", FAST_OK, "proceed_fast"),
    "no_concerns": ("passenger", {"documents": [doc()]}, "release_recommended"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_rule_reason(engine: DecisionEngine, code: str) -> None:
    lane, fields, expected = CASES[code]
    action, found = codes(engine, crossing(lane, **fields))
    assert code in found
    assert action == expected


def test_every_rule_reason_has_a_case() -> None:
    special = {"model_unavailable", "risk_score_high", "score_low"}  # tested below
    assert set(RULE_TEXTS) - special == set(CASES)


def test_high_score_refers_every_lane(engine: DecisionEngine) -> None:
    engine.thresholds = Thresholds(refer_score=0.0)
    for lane, fields in (
        ("nexus", NEXUS_OK),
        ("fast", FAST_OK),
        ("passenger", {"documents": [doc()]}),
    ):
        action, found = codes(engine, crossing(lane, **fields))
        assert action == "refer"
        assert "risk_score_high" in found


def test_low_score_explains_itself(engine: DecisionEngine) -> None:
    rec = engine.decide(crossing("nexus", **NEXUS_OK))
    model = [r for r in rec.reasons if r.source == "model"]
    assert [r.code for r in model] == ["score_low"]


def test_model_reasons_name_the_features_that_raised_the_score(engine: DecisionEngine) -> None:
    rec = engine.decide(crossing("passenger", documents=[doc("ZZ9999999", valid=False)]))
    model = [r.code for r in rec.reasons if r.source == "model"]
    assert "score.t_lookout_document" in model
    assert "score.t_doc_invalid" in model
    assert all(r.en and r.fr for r in rec.reasons)


def test_expired_lookout_does_not_hit(engine: DecisionEngine) -> None:
    _, found = codes(engine, crossing("passenger", documents=[doc("OLD000001")]))
    assert "lookout_document" not in found


def test_lookout_on_fast_lane_refers_not_redirects(engine: DecisionEngine) -> None:
    fields = {**FAST_OK, "shipment_ref": "SH2", "documents": [doc("ZZ9999999")]}
    action, found = codes(engine, crossing("fast", **fields))
    assert action == "refer"
    assert {"lookout_document", "carrier_not_trusted"} <= found


def test_empty_nexus_vehicle_is_not_eligible(engine: DecisionEngine) -> None:
    action, found = codes(engine, crossing("nexus", plate={"text": "ABC123", "confidence": 1}))
    assert action == "refer"
    assert "occupant_without_card" in found


def test_versions_are_recorded(engine: DecisionEngine) -> None:
    rec = engine.decide(crossing("nexus", **NEXUS_OK))
    assert rec.versions["refdata.roster"] == "1"
    assert rec.versions["model"].startswith("risk-lr-")
    assert {"features", "rules", "refdata.lookouts"} <= set(rec.versions)


def test_recommendation_is_frozen(engine: DecisionEngine) -> None:
    rec = engine.decide(crossing("nexus", **NEXUS_OK))
    with pytest.raises(AttributeError):
        rec.action = "x"  # type: ignore[misc]
    assert replace(rec, action="refer").action == "refer"
