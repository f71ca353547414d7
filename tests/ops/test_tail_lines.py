"""`lanectl tail`'s lines for people: one short line per event, a crossing's gist included."""

from __future__ import annotations

from edge.lanectl.live_cmds import _event_line


def test_a_crossing_update_is_one_short_line_with_its_gist() -> None:
    """A CrossingUpdated carried its whole snapshot (cards with their reads, history, scores:
    3 kB of JSON in the demo) into a human tail line; --json still has all of it."""
    snapshot = {"id": "C1", "card_count": 4, "document_count": 1,
                "cards": [{"epc": "E2801160BB832209C573C3BE", "count": 23}] * 4,
                "plates": [{"text": "0***", "confidence": 0.764}], "recommendation": {"action": "refer",
                "score": 0.04, "reasons": [{"code": "card_revoked"}]}, "decision": {"outcome": "release"},
                "closed_reason": "done", "history": [{"state": "approaching"}] * 5}
    line = _event_line({"type": "CrossingUpdated", "ts": 1.0, "crossing_id": "C1", "state": "closed",
                        "step": "closed", "snapshot": snapshot})
    assert line.endswith("crossing_id=C1 state=closed step=closed cards=4 documents=1 plates=0***(0.76) "
                         "recommended=refer decided=release closed=done")
    assert "E2801160" not in line and len(line) < 200


def test_other_events_keep_their_fields() -> None:
    line = _event_line({"type": "TagSighting", "ts": 1.0, "device": "rfid1", "epc": "E2", "antenna": 1,
                        "rssi": -50.0})
    assert line.endswith("rfid1 epc=E2 antenna=1 rssi=-50.0")
