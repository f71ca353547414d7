"""`lane-sim` commands: config is a valid daemon config; scenarios are listed; help works."""

from __future__ import annotations

import signal
import tomllib
from pathlib import Path

import pytest

from edge.config import check_config
from edge.sim.cli import build_parser, main


@pytest.mark.parametrize("scenario", ["rush-hour", "fast-commercial", "quiet-night"])
def test_config_is_a_valid_daemon_config(scenario: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--scenario", scenario, "--workdir", str(tmp_path), "--speed", "20"]) == 0
    text = capsys.readouterr().out
    cfg, problems = check_config(tomllib.loads(text), "lane-sim config")
    assert cfg is not None, problems
    assert [p for p in problems if p.severity == "error"] == []
    assert cfg.thresholds.vehicle_gap_s == pytest.approx(0.15)  # 3 s of lane time at 20x
    assert {d.kind for d in cfg.devices} == {"rfid", "mrz_scanner"}
    assert cfg.store.path.startswith(str(tmp_path))


def test_config_of_a_lane_that_does_not_exist(tmp_path: Path) -> None:
    assert main(["config", "--scenario", "rush-hour", "--workdir", str(tmp_path), "--lane", "3"]) == 2


def test_scenarios_are_listed_with_what_they_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("quiet-night", "rush-hour", "fast-commercial", "outage-day", "hostile-input"):
        assert f"{name}:" in out
    assert out.count("    - ") >= 10


@pytest.mark.parametrize("command", ["run", "config", "demo", "scenarios", "camera"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    assert "usage: lane-sim" in capsys.readouterr().out


def test_camera_writes_the_traffic_to_a_video_the_reader_reads(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`lane-sim camera --video`: a file to try `lanectl diag camera FILE --plates` or a
    camera configured with a path, without a camera."""
    import cv2

    from edge.models.plate_reader.reader import PlateReader

    video = tmp_path / "lane.avi"
    assert main(["camera", "--video", str(video), "--plates", "kxt4821", "--gap", "3",
                 "--night", "none"]) == 0
    assert f"{video}: 60 frames at 10 fps, plates KXT4821" in capsys.readouterr().out
    # it left the caller's signals as they were: a blocked SIGTERM would be inherited by every
    # process started afterwards (the daemons of later tests ignored it and were killed)
    assert not {signal.SIGINT, signal.SIGTERM} & signal.pthread_sigmask(signal.SIG_BLOCK, [])
    cap = cv2.VideoCapture(str(video))
    frames = []
    ok, frame = cap.read()
    while ok:
        frames.append(frame)
        ok, frame = cap.read()
    cap.release()
    assert len(frames) == 60 and frames[0].shape == (720, 1280, 3)
    reader = PlateReader()
    assert any(p.text == "KXT4821" for f in frames[10:50:3] for p in reader.read(f))


def test_camera_serves_mjpeg_with_basic_auth_until_interrupted(tmp_path: Path) -> None:
    """Served as an IP camera would be: refused without the password, read with it, and stopped
    cleanly by Ctrl-C."""
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from edge.sync.brokers import free_port

    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "edge.sim.camera_server", "--port", str(port),
                             "--user", "lane", "--password-file", str(secret)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/stream.mjpg"
        assert line.startswith(f"lane-sim: camera {url}") and "Basic auth" in line, line
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=5)
        assert refused.value.code == 401
        req = urllib.request.Request(url, headers={"Authorization": "Basic bGFuZTpzM2NyZXQ="})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
            assert b"\xff\xd8" in resp.read(200_000)  # a JPEG's start
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "camera stopped after" in out
