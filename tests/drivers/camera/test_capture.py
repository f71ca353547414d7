"""Capture: newest frame only, a camera that vanishes and returns, corrupt parts, files."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from edge.drivers.camera.capture import CaptureState, FrameCapture
from edge.drivers.camera.frames import decode
from edge.drivers.camera.mailbox import NewestMailbox
from edge.drivers.camera.options import CameraOptions, resolve_source
from edge.sim.camera_video import write_video
from tests.drivers.camera.conftest import FakeOpener, gray, wait_until

FAST = CameraOptions(sample_fps=0, read_timeout_s=1.0, open_timeout_s=1.0, backoff_initial_s=0.1,
                     backoff_max_s=0.4, max_read_failures=5)


def test_mailbox_keeps_only_the_newest() -> None:
    box: NewestMailbox[int] = NewestMailbox()
    assert box.take() is None
    assert box.put(1) is False
    assert box.put(2) is True  # 1 was never taken: dropped
    assert box.put(3) is True
    assert box.take() == 3 and box.take() is None
    assert (box.puts, box.dropped) == (4 - 1, 2)


def test_slow_consumer_gets_newest_frames_and_drops_are_counted() -> None:
    opener = FakeOpener(lambda i: gray(i % 250), fps=200.0)
    cap = FrameCapture(resolve_source(None, "rtsp://fake/1"), FAST, opener=opener)
    cap.start()
    try:
        wait_until(lambda: cap.stats.get("frames") >= 20, 5, "frames")
        seen = []
        for _ in range(5):
            time.sleep(0.05)  # a reader 10x slower than the camera
            frame = cap.mailbox.take()
            assert frame is not None
            seen.append(frame.seq)
        produced = cap.stats.get("frames")
    finally:
        assert cap.stop()
    assert seen == sorted(seen) and seen[-1] - seen[0] >= 20  # jumps ahead, never backlog
    assert cap.stats.get("dropped") >= produced - 10 - len(seen) - 5
    assert cap.stats.get("dropped") == cap.mailbox.dropped > 0


def test_sampling_keeps_the_configured_rate() -> None:
    opts = CameraOptions(sample_fps=10, read_timeout_s=1.0)
    cap = FrameCapture(resolve_source(None, "rtsp://fake/1"), opts,
                       opener=FakeOpener(lambda i: gray(50), fps=100.0))
    cap.start()
    time.sleep(1.0)
    assert cap.stop()
    s = cap.stats.snapshot()
    assert 8 <= s["sampled"] <= 13, s
    assert s["skipped"] >= 70 and s["frames"] == s["sampled"] + s["skipped"]


def test_absent_camera_is_retried_with_backoff_until_it_appears() -> None:
    states: list[CaptureState] = []
    opener = FakeOpener(lambda i: gray(50), fps=50.0, fail_first=3)
    cap = FrameCapture(resolve_source("0", None), FAST, opener=opener,
                       on_state=lambda s, e: states.append(s))
    cap.start()
    try:
        wait_until(lambda: cap.state == CaptureState.OPEN, 5, "open")
    finally:
        assert cap.stop()
    assert cap.stats.get("open_failures") == 3
    assert states[0] == CaptureState.DISCONNECTED and CaptureState.OPEN in states


def test_stream_that_vanishes_and_returns_is_recovered(camera_server) -> None:
    srv = camera_server(lambda t: gray(60, 320, 240), fps=20.0)
    states: list[tuple[CaptureState, str | None]] = []
    cap = FrameCapture(resolve_source(None, srv.url), FAST,
                       on_state=lambda s, e: states.append((s, e.code if e else None)))
    cap.start()
    try:
        wait_until(lambda: cap.stats.get("frames") >= 5, 10, "first frames")
        assert cap.raw  # MJPEG over HTTP is read as JPEG parts
        srv.stop()  # the camera vanishes: stream closed, connections refused
        wait_until(lambda: cap.state == CaptureState.DISCONNECTED, 10, "disconnected")
        wait_until(lambda: cap.stats.get("open_failures") >= 1, 10, "a failed reopen")
        srv.start()  # and comes back on the same address
        wait_until(lambda: cap.state == CaptureState.OPEN and cap.stats.get("reopens") == 1, 10, "reopen")
        before = cap.stats.get("frames")
        wait_until(lambda: cap.stats.get("frames") > before + 5, 10, "frames again")
        srv.drop_clients()  # the stream is cut but the camera still listens
        wait_until(lambda: cap.stats.get("reopens") == 2, 10, "second reopen")
    finally:
        assert cap.stop()
    kinds = [s for s, _ in states]
    assert kinds[:2] == [CaptureState.OPEN, CaptureState.DISCONNECTED]
    assert ("disconnected", "camera.lost") in [(s.value, c) for s, c in states]
    assert kinds[-1] == CaptureState.STOPPED
    assert cap.stats.get("disconnects") == 2


def test_corrupt_and_truncated_parts_are_counted_and_skipped(camera_server) -> None:
    srv = camera_server(lambda t: gray(60, 320, 240), fps=30.0)
    cap = FrameCapture(resolve_source(None, srv.url), FAST)
    cap.start()
    try:
        wait_until(lambda: cap.stats.get("frames") >= 3, 10, "first frames")
        srv.inject_corrupt(3)
        srv.inject_truncated(2)
        wait_until(lambda: cap.stats.get("corrupt") >= 5, 10, "corrupt counted")
        before = cap.stats.get("frames")
        wait_until(lambda: cap.stats.get("frames") > before + 3, 10, "frames after the damage")
        frame = cap.mailbox.take()
        assert frame is not None and decode(frame, 1280).shape == (240, 320, 3)
    finally:
        assert cap.stop()
    assert cap.corrupt_codes == {"jpeg.no_soi": 3, "jpeg.truncated": 2}
    assert cap.stats.get("reopens") == 0 and cap.state == CaptureState.STOPPED


def test_file_source_ends_or_loops(tmp_path: Path) -> None:
    video = tmp_path / "lane.avi"
    n = write_video(video, [(0.0, None, False, 1.0)], fps=10.0, duration=1.0)
    assert n == 10
    once = CameraOptions(sample_fps=0, realtime=False)
    cap = FrameCapture(resolve_source(str(video), None), once)
    cap.start()
    taken = []
    try:
        while cap.state != CaptureState.ENDED or cap.mailbox.puts > len(taken):
            frame = cap.mailbox.wait(2.0)  # a slow reader: the file waits for it
            assert frame is not None, cap.stats.snapshot()
            taken.append(frame)
            time.sleep(0.01)
    finally:
        assert cap.stop()
    assert len(taken) == cap.stats.get("frames") == 10 and cap.stats.get("dropped") == 0
    assert cap.raw and decode(taken[0], 640).shape == (360, 640, 3)
    # realtime pacing: 10 frames at 10 fps take about a second; loop plays it again
    looped = CameraOptions(sample_fps=0, realtime=True, loop=True)
    cap = FrameCapture(resolve_source(None, f"file://{video}"), looped)
    t0 = time.monotonic()
    cap.start()
    wait_until(lambda: cap.stats.get("loops") >= 1, 10, "a loop")
    elapsed = time.monotonic() - t0
    assert cap.stop()
    assert elapsed >= 0.8 and cap.state == CaptureState.STOPPED
    assert cap.stats.get("frames") >= 10


def test_missing_file_is_an_open_failure_not_a_crash(tmp_path: Path) -> None:
    cap = FrameCapture(resolve_source(str(tmp_path / "nope.avi"), None), FAST)
    cap.start()
    wait_until(lambda: cap.stats.get("open_failures") >= 2, 5, "retries")
    assert cap.stop()
    assert cap.error is None or cap.error.code == "camera.open_failed"


def test_decoded_mode_without_raw(camera_server) -> None:
    srv = camera_server(lambda t: gray(60, 320, 240), fps=20.0)
    opts = CameraOptions(sample_fps=0, raw_mjpeg=False, read_timeout_s=1.0)
    cap = FrameCapture(resolve_source(None, srv.url), opts)
    cap.start()
    try:
        wait_until(lambda: cap.stats.get("frames") >= 3, 10, "frames")
        frame = cap.mailbox.take()
    finally:
        assert cap.stop()
    assert not cap.raw and frame is not None and frame.image is not None
    assert int(np.mean(decode(frame, 1280))) in range(55, 66)


def test_camera_behind_basic_auth_opens_with_password_file(camera_server, tmp_path: Path) -> None:
    srv = camera_server(lambda t: gray(60, 320, 240), fps=20.0, auth=("lane", "s3cret:1"))
    secret = tmp_path / "cam-password"
    secret.write_text("s3cret:1\n")
    opts = CameraOptions(sample_fps=0, read_timeout_s=1.0, open_timeout_s=1.0, backoff_initial_s=0.1,
                         username="lane", password_file=str(secret))
    cap = FrameCapture(resolve_source(None, srv.url), opts)
    cap.start()
    try:
        wait_until(lambda: cap.stats.get("frames") >= 3, 10, "frames behind auth")
    finally:
        assert cap.stop()
    wrong = FrameCapture(resolve_source(None, srv.url), FAST)  # no password: refused
    wrong.start()
    try:
        wait_until(lambda: wrong.stats.get("open_failures") >= 1, 10, "refused")
    finally:
        assert wrong.stop()
    assert wrong.stats.get("frames") == 0 and srv.auth_failures >= 1
