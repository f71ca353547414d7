"""The booth's view model: pure, tolerant of partial snapshots, agreeing with the decision layer."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.booth.state import BoothState
from edge.booth.view import SUGGESTED, crossing_view, document_view, is_against, suggested_action
from edge.daemon.crossing_facts import facts_from_snapshot
from tests.booth.conftest import recommendation, snapshot

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)
keys = st.sampled_from(["id", "state", "plates", "plate", "cards", "documents", "recommendation",
                        "decision", "opened_ts", "state_since", "lookout_hits"])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(keys, json_values, max_size=8))
def test_any_json_snapshot_renders_without_raising(snap: dict[str, Any]) -> None:
    view = crossing_view(snap)
    assert isinstance(view["occupants"], list)
    state = BoothState()
    state.on_crossing({**snap, "id": "X"})
    state.on_crossing({**snap, "id": "X"})
    assert isinstance(state.snapshot()["recent"], list)


def test_every_decision_action_maps_to_a_button() -> None:
    from edge.decision.routing import ACTIONS

    assert set(ACTIONS) <= set(SUGGESTED)
    assert suggested_action({"action": "proceed_nexus"}) == "release"
    assert suggested_action({"action": "redirect_commercial"}) == "redirect"
    assert is_against({"action": "refer"}, "release")
    assert not is_against({"action": "refer"}, "refer")
    assert not is_against(None, "release")


def test_document_in_both_mrz_json_shapes() -> None:
    as_dataclass = {"document": {"valid": False, "expiry_date": {"year": 2019, "month": 5, "day": None},
                                 "checks": [{"name": "birth_date", "passed": False}],
                                 "errors": [{"code": "mrz.check_digit", "field": "birth_date"}]}}
    as_json = {"document": {"valid": False, "expiry_date": "2019-05-??",
                            "checks": {"birth_date": False}, "errors": [{"code": "mrz.check_digit"}]}}
    for entry in (as_dataclass, as_json):
        d = document_view(entry)
        assert d["expiry"] == "2019-05-??"
        assert d["checks"] == [{"name": "birth_date", "passed": False}]
        assert d["errors"] == ["mrz.check_digit"]
        assert d["valid"] is False


def test_best_plate_and_waiting_time() -> None:
    snap = snapshot("C1", "at_booth", opened=100.0)
    snap["plates"].append({"text": "ABC I23", "confidence": 0.4})
    view = crossing_view(snap)
    assert view["plate"]["text"] == "ABC 123"
    assert view["waiting_since"] == 110.0  # at the booth since state_since
    snap["state"] = "approaching"
    assert crossing_view(snap)["waiting_since"] == 100.0


def test_the_page_shows_the_plate_the_recommendation_used() -> None:
    """A single confident read of a neighbour's plate does not replace the camera's steady
    read on the page: the booth ranks plates as the daemon's decision does."""
    snap = snapshot("C1", "at_booth", opened=100.0, documents=False)
    snap["plates"] = [
        {"text": "ABC 123", "confidence": 0.7, "reads": 6},
        {"text": "XYZ 999", "confidence": 0.95, "reads": 1},
    ]
    assert crossing_view(snap)["plate"]["text"] == "ABC 123"
    plate = facts_from_snapshot(snap, "nexus").plate
    assert plate is not None and plate.text == "ABC 123"


def test_state_orders_prunes_and_tells_listeners() -> None:
    now = [1000.0]
    st_ = BoothState({"id": "L01"}, clock=lambda: now[0])
    heard: list[str] = []
    st_.listeners.append(lambda kind, _data: heard.append(kind))
    st_.on_crossing(snapshot("A", "approaching", opened=1.0))
    st_.on_crossing(snapshot("B", "at_booth", opened=2.0, rec=recommendation(crossing_id="B")))
    st_.on_crossing(snapshot("B", "at_booth", opened=2.0, rec=recommendation(crossing_id="B")),
                    "recommendation")
    assert heard == ["crossing.new", "crossing.new", "crossing.recommendation"]
    current = st_.current()
    assert current is not None and current["id"] == "B"
    st_.mark_decided("B", {"action": "refer"})
    current = st_.current()
    assert current is not None and current["id"] == "A"
    assert [r["id"] for r in st_.recent()] == ["B"]
    for i in range(250):
        st_.on_crossing(snapshot(f"X{i}", "closed"))
    assert len(st_.crossings) == 200
    assert "A" in st_.crossings  # open crossings outlive closed ones


def test_lights_worst_state_wins() -> None:
    st_ = BoothState()
    st_.on_device("rfid1", "open", None, kind="rfid")
    st_.on_device("rfid2", "starting", None, kind="rfid")
    assert st_.lights()["rfid"]["state"] == "starting"
    st_.on_device("rfid2", "failed", "device.failed")
    assert st_.lights()["rfid"] == {"state": "down", "devices": ["rfid1", "rfid2"],
                                    "error_code": "device.failed"}
    assert st_.lights()["camera"]["state"] == "absent"
    assert st_.lights()["sync"]["state"] == "unknown"


def test_card_status_comes_from_the_roster_facts_of_the_recommendation() -> None:
    snap = {"id": "L01-1", "state": "at_booth",
            "cards": [{"epc": "E1", "count": 9}, {"epc": "E2", "count": 4}],
            "recommendation": {"action": "refer", "reasons": [],
                               "members": {"E1": {"programme": "NEXUS", "status": "active",
                                                  "expiry": "2030-01-01"}}}}
    cards = {c["card_id"]: c for c in crossing_view(snap)["occupants"] if c["kind"] == "card"}
    assert cards["E1"]["status"] == "active"
    assert cards["E1"]["programme"] == "NEXUS"
    assert cards["E2"]["status"] is None
