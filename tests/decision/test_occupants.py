"""Who is in the vehicle: documents matched to card members, card-less and undeclared occupants.

Pure: `resolve` reads a fake snapshot (a dict of members), `route` gets a fixed low score, so
only the occupant rules decide. Regression: a card-less passport holder who shares the card
holder's surname (a spouse, a child) was merged into the card holder's traveller, and a NEXUS
car carrying them was referred for `identity_mismatch` at best and released when the roster
had no birth date for the member.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.decision.facts import from_dict
from edge.decision.features import N_FEATURES
from edge.decision.matching import plate_key
from edge.decision.refdata import LookoutHit, Member
from edge.decision.routing import ScoreInput, Thresholds, route
from edge.decision.views import resolve

from .conftest import T0, doc

MARIE = Member("N1", "NEXUS", "TREMBLAY", "MARIE", "1980-01-01", "active", "2030-01-01",
               (plate_key("ABC123"),))
LUC = Member("N3", "NEXUS", "TREMBLAY", "LUC", "2010-04-04", "active", "2030-01-01", ())
NOBIRTH = Member("N4", "NEXUS", "GAGNON", "PAUL", None, "active", "2030-01-01", (plate_key("GGN001"),))
PLATE = {"text": "ABC123", "confidence": 0.9}


class FakeSnapshot:
    """The reference-data reads `resolve` makes, from memory."""

    versions = {"roster": "1"}

    def __init__(self, *members: Member) -> None:
        self.members = {m.card_id: m for m in members}

    def member(self, card_id: str) -> Member | None:
        return self.members.get(card_id)

    def lookout_document(self, number: str, day: str) -> list[LookoutHit]:
        return []

    def lookout_name(self, surname: str, given: str, birth: str | None, day: str) -> list[LookoutHit]:
        return []

    def lookout_plate(self, text: str, day: str) -> list[LookoutHit]:
        return []

    def manifest(self, ref: str) -> None:
        return None

    def entity(self, entity_id: str) -> None:
        return None


SNAP = FakeSnapshot(MARIE, LUC, NOBIRTH)
LOW = ScoreInput(0.01, np.zeros(N_FEATURES, dtype=np.float32))


def recommend(lane: str = "nexus", **fields: Any) -> tuple[str, set[str], int]:
    facts = from_dict({"crossing_id": "C1", "lane_kind": lane, "ts": T0, **fields})
    view = resolve(SNAP, facts)  # type: ignore[arg-type]
    rec = route(view, LOW, Thresholds(), {})
    return rec.action, {r.code for r in rec.reasons if r.source == "rule"}, len(view.travellers)


def luc_without_card(**kw: Any) -> dict[str, Any]:
    fields = {"surname": "TREMBLAY", "given_names": "LUC", "birth_date": "2012-04-04", **kw}
    return doc("CH7777777", **fields)


def test_card_holders_alone_proceed() -> None:
    assert recommend(card_ids=["N1"], plate=PLATE)[:2] == ("proceed_nexus", {"eligible_nexus"})


def test_card_holder_showing_their_own_passport_proceeds() -> None:
    own = doc("TR1111111", surname="TREMBLAY", given_names="MARIE", birth_date="1980-01-01")
    assert recommend(card_ids=["N1"], plate=PLATE, documents=[own])[:2] == (
        "proceed_nexus", {"eligible_nexus"})


def test_stranger_without_card_is_referred() -> None:
    action, found, travellers = recommend(card_ids=["N1"], plate=PLATE, documents=[doc()])
    assert (action, travellers) == ("refer", 2)
    assert "occupant_without_card" in found


def test_family_member_without_card_is_referred_as_such() -> None:
    """Same surname, other given names and birth date: another person, not the card holder."""
    action, found, travellers = recommend(card_ids=["N1"], plate=PLATE, documents=[luc_without_card()])
    assert (action, travellers) == ("refer", 2)
    assert "occupant_without_card" in found
    assert "identity_mismatch" not in found


def test_family_member_without_card_when_the_roster_has_no_birth_date() -> None:
    child = doc("GG5555555", surname="GAGNON", given_names="ANNE", birth_date="2015-05-05")
    action, found, _ = recommend(card_ids=["N4"], plate={"text": "GGN001", "confidence": 0.9},
                                 documents=[child])
    assert action == "refer"
    assert "occupant_without_card" in found


def test_truncated_mrz_surname_still_another_person() -> None:
    action, found, _ = recommend(card_ids=["N1"], plate=PLATE,
                                 documents=[luc_without_card(surname="TREMB")])
    assert (action, "occupant_without_card" in found) == ("refer", True)


def test_documents_go_to_the_right_member_when_two_share_a_surname() -> None:
    """Luc's passport is Luc's, not a mismatched one of Marie (the first Tremblay card)."""
    luc = doc("TR2222222", surname="TREMBLAY", given_names="LUC", birth_date="2010-04-04")
    action, found, travellers = recommend(card_ids=["N1", "N3"], plate=PLATE, documents=[luc])
    assert (action, found, travellers) == ("proceed_nexus", {"eligible_nexus"}, 2)


def test_same_names_other_birth_date_is_an_identity_mismatch() -> None:
    wrong = doc("TR3333333", surname="TREMBLAY", given_names="MARIE", birth_date="1999-09-09")
    action, found, travellers = recommend(card_ids=["N1"], plate=PLATE, documents=[wrong])
    assert (action, travellers) == ("refer", 1)
    assert "identity_mismatch" in found
    assert "occupant_without_card" not in found


def test_a_passport_scanned_twice_is_one_occupant() -> None:
    own = doc("TR1111111", surname="TREMBLAY", given_names="MARIE", birth_date="1980-01-01")
    misread = {**own, "valid": False, "errors": ["mrz.check.composite"]}
    action, found, travellers = recommend(card_ids=["N1"], plate=PLATE, documents=[misread, own])
    assert (action, found, travellers) == ("proceed_nexus", {"eligible_nexus"}, 1)


@pytest.mark.parametrize(("lane", "fields", "action"), [
    ("nexus", {"card_ids": ["N1"], "plate": PLATE}, "refer"),
    ("passenger", {"documents": [doc()]}, "refer"),
    ("fast", {"card_ids": ["N1"], "plate": PLATE}, "redirect_commercial"),
])
def test_more_occupants_declared_than_identified(lane: str, fields: dict[str, Any], action: str) -> None:
    _, before, _ = recommend(lane, **fields)
    assert "occupant_unidentified" not in before
    got, found, _ = recommend(lane, declared_occupants=2, **fields)
    assert "occupant_unidentified" in found
    assert got == action


def test_declaring_fewer_than_identified_changes_nothing() -> None:
    assert recommend(card_ids=["N1"], plate=PLATE, declared_occupants=0)[0] == "proceed_nexus"


NAMES = st.sampled_from(["TREMBLAY", "ROY", "GAGNON", "CÔTÉ", "O'BRIEN", "MÜLLER"])
GIVEN = st.sampled_from(["MARIE", "LUC", "JEAN", "ZOË", ""])
BORN = st.sampled_from(["1980-01-01", "2010-04-04", None])


@given(NAMES, GIVEN, BORN, NAMES, GIVEN, BORN)
def test_holder_score_is_symmetric_and_needs_more_than_a_surname(
    s1: str, g1: str, b1: str | None, s2: str, g2: str, b2: str | None
) -> None:
    from edge.decision.matching import holder_score

    score = holder_score(s1, g1, b1, s2, g2, b2)
    assert score == holder_score(s2, g2, b2, s1, g1, b1)
    assert 0 <= score <= 3
    if s1 != s2:
        assert score == 0
    if g1 and g2 and g1 != g2 and (b1 is None or b2 is None or b1 != b2):
        assert score == 0
