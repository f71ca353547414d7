"""Lane signs: the protocol, and the daemon driving a simulated sign that may stop answering."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.control import request
from edge.drivers.signs.protocol import (
    SignProtocolError,
    decode_reply,
    encode_command,
    mode_text,
    vehicle_text,
)
from edge.sim.sign import SimulatedSign
from tests.conftest import lane_config, serial_device


def test_commands_and_replies() -> None:
    assert encode_command(7, "MODE", "NEXUS ONLY") == b"@7 MODE NEXUS ONLY\r\n"
    assert encode_command(10007, "PING") == b"@7 PING\r\n"
    assert decode_reply(b"#7 OK\r\n").ok
    r = decode_reply(b"#12 ERR text.too_long")
    assert (r.seq, r.ok, r.error) == (12, False, "text.too_long")
    with pytest.raises(SignProtocolError):
        encode_command(1, "SHOW", "go; rm -rf")
    with pytest.raises(SignProtocolError):
        encode_command(1, "BLINK")


@given(st.binary(max_size=40))
def test_garbage_replies_raise_only_the_typed_error(data: bytes) -> None:
    try:
        decode_reply(data)
    except SignProtocolError:
        pass


def test_sign_texts() -> None:
    assert mode_text("nexus", "open") == "NEXUS ONLY"
    assert mode_text("fast", "open") == "FAST ONLY"
    assert mode_text("passenger", "open") == "ALL TRAFFIC"
    assert mode_text("fast", "closed") == "CLOSED"
    assert [vehicle_text(a) for a in (None, "refer", "redirect", "release")] == [
        "BOOTH", "SECONDARY", "REGULAR LANE", "PROCEED"]


def wait(cond, timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_daemon_shows_lane_mode_and_reports_a_silent_sign(tmp_path: Path, daemon_factory) -> None:
    sign = SimulatedSign().start()
    opts = "ack_timeout_s = 0.3\nmisses_before_down = 2\nping_every_s = 0.2"
    cfg = lane_config(tmp_path, serial_device("sign1", sign.pty.path, kind="sign", options=opts),
                      kind="fast")
    d = daemon_factory(cfg)
    d.wait_ready()
    wait(lambda: sign.mode == "FAST ONLY")
    request(d.socket, "lane", action="close")
    wait(lambda: sign.mode == "CLOSED")
    sign.silent = True
    st_ = d.wait_for(lambda s: s["devices"]["sign1"]["state"] == "disconnected", what="sign down")
    assert st_["devices"]["sign1"]["last_error_code"] == "sign.not_answering"
    sign.silent = False
    d.wait_for(lambda s: s["devices"]["sign1"]["state"] == "open", what="sign back")
    request(d.socket, "lane", action="open")
    wait(lambda: sign.mode == "FAST ONLY")
    assert d.terminate()[0] == 0
    sign.stop()
