"""`lanectl status`'s component lines and what they flag, from status dicts as the daemon gives them."""

from __future__ import annotations

from typing import Any

from edge.lanectl.status_view import component_attention, component_lines, device_attention

NOW = 1_800_000_000.0


def sync(state: str = "connected", **down: Any) -> dict[str, Any]:
    return {"link": {"state": state, "host": "hq.port", "port": 8883, "protocol": "5", "tls": True,
                     "connects": 1, "failures": 0 if state == "connected" else 4, "inflight": 2,
                     "last_error": None if state == "connected" else "ConnectionRefusedError: refused"},
            "backlog": {"confirmed": 13}, "last_ack_at": NOW - 5,
            "uplink": {"acked": 13, "refused": 0},
            "downlink": {"applied": {"roster": 2, "lookouts": 7}, "refusals": {}, "last_refusal": None,
                         **down}}


def test_a_connected_lane_reads_as_sentences_not_json() -> None:
    lines = component_lines({"sync": sync(), "booth": {"bind": "127.0.0.1", "port": 8080, "bind_error": None,
                                                       "token_required": True, "live_clients": 1}}, NOW)
    assert lines == ["sync   connected to hq.port:8883 (MQTT 5, TLS)",
                     "       uplink: 13 acknowledged, 2 in flight, 0 refused by the broker; "
                     "last acknowledgement 5s ago",
                     "       downlink: lookouts v7, roster v2",
                     "booth  http://127.0.0.1:8080/ (1 live page(s), token required)"]
    assert component_attention({"sync": sync()}, NOW) == []


def test_what_needs_someone_is_flagged() -> None:
    comps = {"sync": sync("backoff"),
             "booth": {"bind": "0.0.0.0", "port": 80, "bind_error": "PermissionError: [Errno 13]"},
             "lane": {"crossings": 3, "model": "risk-lr-1@cc52", "model_fault": "model.corrupt"}}
    lines = "\n".join(component_lines(comps, NOW))
    assert "BACKOFF: not connected to hq.port:8883" in lines and "4 failed attempt(s)" in lines
    assert "booth  NOT SERVED on 0.0.0.0:80" in lines
    assert "FAULT model.corrupt: every traveller is referred" in lines
    flags = component_attention(comps, NOW)
    assert len(flags) == 3
    assert flags[0].startswith("headquarters' broker hq.port:8883 not connected (ConnectionRefusedError")


def test_a_refused_update_is_flagged_for_a_day_unless_it_was_a_replay() -> None:
    def refused(reason: str, age: float) -> dict[str, Any]:
        return sync(refusals={reason: 1}, last_refusal={"dataset": "roster", "version": 3, "reason": reason,
                                                         "at": NOW - age})
    assert component_attention({"sync": refused("bad_signature", 60)}, NOW) == [
        "an update from headquarters was refused: roster v3 (bad_signature)"]
    assert component_attention({"sync": refused("bad_signature", 2 * 86400)}, NOW) == []
    assert component_attention({"sync": refused("replayed", 60)}, NOW) == []
    assert "refused 1 (bad_signature)" in component_lines({"sync": refused("bad_signature", 60)}, NOW)[2]


def test_an_unknown_or_changed_component_is_shown_as_it_came() -> None:
    lines = component_lines({"plates": {"reads": 4}, "booth": {"port": 1}}, NOW)
    assert lines == ['plates {"reads": 4}', 'booth  {"port": 1}',
                     "sync   off (mqtt.enabled = false): events wait in the outbox"]


def test_a_camera_whose_reader_drops_frames_is_flagged() -> None:
    def cam(sampled: int, dropped: int) -> dict[str, Any]:
        return {"cam1": {"kind": "camera", "state": "open",
                         "counters": {"frames": 3 * sampled, "sampled": sampled, "dropped": dropped}}}
    (flag,) = device_attention(cam(1000, 250))
    assert flag.startswith("camera cam1: the plate reader dropped 250 of 1000 sampled frames (25%)")
    assert device_attention(cam(1000, 50)) == []  # keeps up but for the odd frame
    assert device_attention(cam(40, 30)) == []  # too early to tell
    assert device_attention({"rfid1": {"kind": "rfid", "counters": {"sampled": 1000, "dropped": 900}}}) == []
