"""The daemon end to end: a pty opened like hardware, reads stored, clean and unclean stops."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from edge.sim.line_device import LineDevice
from edge.sim.pty_device import PtyDevice
from tests.conftest import lane_config, serial_device


def stored_lines(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [
            json.loads(p)["text"]
            for (p,) in conn.execute("SELECT payload FROM reads WHERE kind = 'line' ORDER BY id")
        ]
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_line_from_pty_is_stored_and_counted(tmp_path: Path, daemon_factory) -> None:
    pty = PtyDevice(baud=0)
    dev = LineDevice(pty)
    d = daemon_factory(lane_config(tmp_path, serial_device("aux", pty.path)))
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    dev.send(3)
    st = d.wait_for(lambda s: s["devices"]["aux"]["counters"].get("reads") == 3, what="3 reads")
    assert st["devices"]["aux"]["last_read"] is not None
    assert d.terminate()[0] == 0
    assert stored_lines(tmp_path / "lane.sqlite") == ["READ 000001", "READ 000002", "READ 000003"]


def test_sigterm_with_busy_device_stops_cleanly_and_keeps_every_read(tmp_path: Path, daemon_factory) -> None:
    pty = PtyDevice(baud=115200)
    dev = LineDevice(pty, rate_hz=400)
    d = daemon_factory(lane_config(tmp_path, serial_device("aux", pty.path)))
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    dev.start()
    time.sleep(1.5)
    dev.stop()  # everything written from here on is "before the signal"
    code, took = d.terminate()
    assert code == 0, d.output()
    assert took < 5.0
    db = tmp_path / "lane.sqlite"
    assert integrity(db) == "ok"
    lines = stored_lines(db)
    assert len(lines) == dev.sent
    assert lines == [f"READ {n:06d}" for n in range(1, dev.sent + 1)]


def test_kill_9_during_writes_leaves_a_readable_store(tmp_path: Path, daemon_factory) -> None:
    pty = PtyDevice(baud=0)
    dev = LineDevice(pty, rate_hz=2000)
    d = daemon_factory(lane_config(tmp_path, serial_device("aux", pty.path)))
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    dev.start()
    d.wait_for(lambda s: s["devices"]["aux"]["counters"].get("reads", 0) > 200, what="writes")
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(5)
    dev.stop()
    db = tmp_path / "lane.sqlite"
    assert integrity(db) == "ok"
    lines = stored_lines(db)
    assert len(lines) > 0
    # what survived is a prefix of what was sent: nothing reordered, nothing invented
    assert lines == [f"READ {n:06d}" for n in range(1, len(lines) + 1)]


def test_unplugged_device_is_reported_and_comes_back(tmp_path: Path, daemon_factory) -> None:
    pty = PtyDevice(link=tmp_path / "by-id-aux", baud=0)
    dev = LineDevice(pty)
    d = daemon_factory(lane_config(tmp_path, serial_device("aux", pty.path)))
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    pty.unplug()
    st = d.wait_for(lambda s: s["devices"]["aux"]["state"] == "disconnected", what="disconnected")
    assert st["devices"]["aux"]["last_error_code"] in ("device.disconnected", "device.open_failed")
    pty.replug()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", timeout=15, what="reopened")
    dev.send(1)
    st = d.wait_for(lambda s: s["devices"]["aux"]["counters"].get("reads") == 1, what="read")
    assert st["devices"]["aux"]["counters"]["reconnects"] == 1
    assert d.terminate()[0] == 0


@pytest.mark.parametrize(
    "junk", [b"\xff\xfe\x00garbage\r\n", b"x" * 2000 + b"\r\n"], ids=["undecodable", "too-long"]
)
def test_bad_bytes_are_counted_not_fatal(tmp_path: Path, daemon_factory, junk: bytes) -> None:
    pty = PtyDevice(baud=0)
    dev = LineDevice(pty)
    d = daemon_factory(lane_config(tmp_path, serial_device("aux", pty.path)))
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    pty.write(junk, paced=False)
    dev.send(1)
    st = d.wait_for(lambda s: s["devices"]["aux"]["counters"].get("reads") == 1, what="read")
    assert st["devices"]["aux"]["counters"]["bad_frames"] >= 1
    assert st["devices"]["aux"]["state"] == "open"
    assert d.terminate()[0] == 0
