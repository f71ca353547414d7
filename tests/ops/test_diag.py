"""`lanectl diag serial|camera|rfid` against a pty device and a small video file."""

from __future__ import annotations

import importlib.util
import os
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


def test_diag_camera_plates_reads_the_lane_as_the_daemon_would(tmp_path: Path, lanectl) -> None:
    from edge.sim.camera_video import write_video

    video = tmp_path / "lane.avi"
    write_video(video, [(0.0, "KXT4821", False, 2.0)], fps=5.0)
    out = tmp_path / "frame.jpg"
    code, res = jrun(lanectl, "diag", "camera", str(video), "--plates", "--out", str(out), "--json")
    plates = res["plates"]
    assert plates["frames"] == res["frames"] >= 10 and plates["frames_with_plate"] >= 5
    assert plates["plates"][0]["text"] == "KXT4821" and plates["plates"][0]["frames"] >= 5
    assert plates["plate_width"] > 0 and plates["reader_fps"] > 0
    # the advice is the report's: exit 0 only when there is none
    assert code == (0 if not plates["advice"] else 1)
    shown = cv2.imread(str(out))
    assert shown.shape == (720, 1280, 3)
    # the saved frame shows its reads: each box drawn in green along its top edge
    assert any(r["text"] == "KXT4821" for r in res["frame_saved_reads"])
    for r in res["frame_saved_reads"]:
        x, y, w, _h = r["box"]
        edge = shown[y, x + 2 : x + w - 2].astype(int)
        assert ((edge[:, 1] > 200) & (edge[:, 0] < 80) & (edge[:, 2] < 80)).mean() > 0.9, r
    # where the plate passed is offered as a roi: it holds the plate's boxes, and not the sky
    rx, ry, rw, rh = plates["roi"]
    for r in res["frame_saved_reads"]:
        x, y, w, h = r["box"]
        if r["text"] == "KXT4821":
            assert rx <= x and ry <= y and x + w <= rx + rw and y + h <= ry + rh, (plates["roi"], r)
    assert rw * rh <= 0.6 * 1280 * 720
    # a box that cannot keep up with the asked rate is told so
    code, res = jrun(lanectl, "diag", "camera", str(video), "--plates", "--sample-fps", "100000",
                     "--out", str(out), "--json")
    assert code == 1 and any("frames will be dropped" in a for a in res["plates"]["advice"])
    # sampled at 0, the reader gets every frame the camera sends: the file's 5 a second
    code, res = jrun(lanectl, "diag", "camera", str(video), "--plates", "--sample-fps", "0",
                     "--out", str(out), "--json")
    assert res["plates"]["sample_fps"] == 5.0


def test_diag_camera_plates_on_an_empty_lane_says_no_plate(tmp_path: Path, lanectl) -> None:
    from edge.sim.camera_video import write_video

    video = tmp_path / "empty.avi"
    write_video(video, [(0.0, None, False, 1.0)], fps=5.0, duration=1.0)
    code, res = jrun(lanectl, "diag", "camera", str(video), "--plates", "--out", str(tmp_path / "f.jpg"),
                     "--json")
    assert code == 1 and res["plates"]["plates"] == [] and res["plates"]["plate_width"] is None
    assert res["plates"]["advice"][0].startswith("no plate read in 5 frames")
    code, out, _err = lanectl("diag", "camera", str(video), "--plates", "--out", str(tmp_path / "f.jpg"))
    assert code == 1 and "0 of 5 frames with a plate; median plate width -" in out
    assert "! no plate read in 5 frames" in out


def test_diag_camera_plates_takes_the_configured_cameras_options(tmp_path: Path, lanectl) -> None:
    """A configured camera is read with its own options: here a roi over the sky, where no
    plate is, and its sample_fps."""
    from edge.sim.camera_video import write_video

    video = tmp_path / "lane.avi"
    write_video(video, [(0.0, "KXT4821", False, 2.0)], fps=5.0)
    camera = (f'\n[[devices]]\nname = "cam"\nkind = "camera"\ndriver = "opencv"\npath = "{video}"\n'
              "[devices.options]\nroi = [0, 0, 1280, 200]\nsample_fps = 7.5\n")
    cfg = lane_config(tmp_path, camera)
    code, res = jrun(lanectl, "-c", str(cfg), "diag", "camera", str(video), "--plates",
                     "--out", str(tmp_path / "f.jpg"), "--json")
    assert code == 1 and res["plates"]["plates"] == [], res
    assert res["plates"]["sample_fps"] == 7.5 and res["plates"]["roi"] is None  # it has its own
    code, res = jrun(lanectl, "diag", "camera", str(video), "--plates", "--out", str(tmp_path / "f.jpg"),
                     "--json")
    assert res["plates"]["plates"][0]["text"] == "KXT4821"  # the same frames, whole
    assert res["plates"]["sample_fps"] == 10.0  # the default


def test_diag_camera_opens_a_configured_camera_as_the_daemon_does(tmp_path: Path, lanectl) -> None:
    """Named as in the config, with its credentials: a camera behind HTTP Basic auth opens with
    the configured password_file (its bare URL is refused), and each failure says what to check."""
    from edge.sim.camera_server import MjpegCameraServer

    secret = tmp_path / "cam-password"
    secret.write_text("s3cret\n")
    grey = np.full((240, 320, 3), 60, np.uint8)
    with MjpegCameraServer(lambda t: grey, fps=20.0, auth=("lane", "s3cret")) as cam:
        camera = (f'\n[[devices]]\nname = "cam"\nkind = "camera"\ndriver = "opencv"\nurl = "{cam.url}"\n'
                  f'[devices.options]\nusername = "lane"\npassword_file = "{secret}"\n')
        cfg = lane_config(tmp_path, camera)
        code, res = jrun(lanectl, "-c", str(cfg), "diag", "camera", "cam", "--frames", "5",
                         "--out", str(tmp_path / "f.jpg"), "--json")
        assert code == 0 and (res["width"], res["height"], res["frames"]) == (320, 240, 5), res
        code, res = jrun(lanectl, "diag", "camera", cam.url, "--frames", "5", "--json")
        assert code == 1 and res["code"] == "camera.open_failed" and "credentials" in res["error"]
        assert cam.auth_failures >= 1
    code, res = jrun(lanectl, "diag", "camera", str(tmp_path / "missing.avi"), "--json")
    assert code == 1 and res["code"] == "camera.open_failed" and "video file not found" in res["error"]
    code, out, _err = lanectl("diag", "camera", "gopher://camera/1")
    assert code == 1 and "unsupported camera URL scheme" in out and "[camera.source_invalid]" in out


def test_diag_camera_by_name_in_a_broken_config_says_what_is_wrong(tmp_path: Path, lanectl) -> None:
    """A camera's name only means something in the config: when the config does not load, the
    technician is told its problems, not that a file named so is missing."""
    camera = ('\n[[devices]]\nname = "cam"\nkind = "camera"\ndriver = "opencv"\nurl = "ftp://cam/1"\n')
    cfg = lane_config(tmp_path, camera)
    code, res = jrun(lanectl, "-c", str(cfg), "diag", "camera", "cam", "--json")
    assert code == 1 and res["code"] == "config.invalid" and "unsupported camera URL scheme" in res["error"]


def test_diag_camera_says_its_own_words_without_opencvs_warnings() -> None:
    """OpenCV prints '[ WARN:0@0.02] global cap.cpp:... backend is generally available but can't
    be used...' on the process's stderr when a device does not open: the driver's own message
    (with its code) is the one a technician needs, so OpenCV is kept to errors."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}
    res = subprocess.run([sys.executable, "-m", "edge.lanectl.main", "diag", "camera", "99"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 1 and "[camera.open_failed]" in res.stdout
    assert "WARN" not in res.stderr, res.stderr
