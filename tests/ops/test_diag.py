"""`lanectl diag serial|camera|rfid` against a pty device and a small video file."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.sim.pty_device import PtyDevice
from tests.conftest import lane_config, serial_device
from tests.ops.conftest import jrun

DESKO = (b"\x02P<UTOSPECIMEN<<TEST<<<<<<<<<<<<<<<<<<<<<<<<<\r"
         b"X000000000UTO0001011M3001011<<<<<<<<<<<<<<00\r\x03")


@pytest.fixture
def sender() -> Iterator[tuple[PtyDevice, list[bytes]]]:
    """A pty device that keeps sending the bytes put in its list (every 50 ms)."""
    pty = PtyDevice(baud=0)
    payload: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(0.05):
            for chunk in list(payload):
                try:
                    pty.write(chunk, paced=False)
                except OSError:
                    return

    t = threading.Thread(target=run, daemon=True)
    t.start()
    yield pty, payload
    stop.set()
    t.join(2)
    pty.close()


def test_diag_serial_shows_control_characters_and_frames(sender, lanectl) -> None:
    pty, payload = sender
    payload.append(DESKO)
    code, res = jrun(lanectl, "diag", "serial", pty.path, "--baud", "9600", "--only",
                     "--seconds", "0.5", "--json")
    assert code == 0, res
    assert res["tries"][0]["baud"] == 9600 and res["tries"][0]["printable"] == 1.0
    assert res["framing"] == "stx_etx" and res["framing_guessed"] is True
    assert "<STX>P<UTOSPECIMEN" in res["raw"] and "<CR><ETX>" in res["raw"]
    assert res["frames"][0] == ["P<UTOSPECIMEN<<TEST" + "<" * 25,
                                "X000000000UTO0001011M3001011<<<<<<<<<<<<<<00"]
    code, out, err = lanectl("diag", "serial", pty.path, "--seconds", "0.2", "--framing", "cr")
    assert code == 0 and "[1/6] listening at 9600" in err and "115200" in out
    assert "framing cr (configured)" in out


def test_diag_serial_uses_the_configured_device(sender, lanectl, tmp_path: Path) -> None:
    pty, payload = sender
    payload.append(b"READ 1\r\n")
    cfg = lane_config(tmp_path, serial_device("aux", pty.path, framing="crlf"))
    code, res = jrun(lanectl, "-c", str(cfg), "diag", "serial", "aux", "--only", "--seconds", "0.3",
                     "--json")
    assert code == 0 and res["configured"] == "aux" and res["framing"] == "crlf"
    assert res["frames"][0] == ["READ 1"]


def test_diag_serial_silent_port_says_what_to_check(lanectl) -> None:
    pty = PtyDevice(baud=0)
    try:
        code, out, _ = lanectl("diag", "serial", pty.path, "--only", "--baud", "9600", "--seconds", "0.2")
    finally:
        pty.close()
    assert code == 1 and "no bytes received" in out


def test_diag_rfid_lists_cards_with_rssi(sender, lanectl) -> None:
    pty, payload = sender
    payload.append(b"E28011606000020000000001,1,-52\r\nE28011606000020000000002,2,-71\r\n")
    code, res = jrun(lanectl, "diag", "rfid", pty.path, "--seconds", "0.5", "--json")
    assert code == 0 and res["lines"] >= 2
    if importlib.util.find_spec("edge.drivers.rfid") and importlib.util.find_spec(
            "edge.drivers.rfid.line_profiles"):
        assert res["parser"] is True
        tags = {t["epc"]: t for t in res["tags"]}
        assert tags["E28011606000020000000001"]["rssi_max"] == -52
    else:
        assert res["parser"] is False
        assert "E28011606000020000000001,1,-52" in res["raw"]


def test_diag_camera_reports_resolution_and_saves_a_frame(tmp_path: Path, lanectl) -> None:
    video = tmp_path / "lane.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for i in range(12):
        writer.write(np.full((48, 64, 3), i * 20, dtype=np.uint8))
    writer.release()
    out = tmp_path / "frame.jpg"
    code, res = jrun(lanectl, "diag", "camera", str(video), "--out", str(out), "--json")
    assert code == 0, res
    assert (res["width"], res["height"]) == (64, 48) and res["fps_reported"] == 10.0
    assert res["frames"] == 12 and cv2.imread(str(out)).shape == (48, 64, 3)
    code, res = jrun(lanectl, "diag", "camera", str(tmp_path / "missing.avi"), "--json")
    assert code == 1 and res["opened"] is False
