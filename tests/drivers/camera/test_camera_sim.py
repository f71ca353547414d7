"""The simulated camera: schedule, frames, video file, snapshot."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import cv2
import numpy as np

from edge.sim.camera_video import CameraScene, empty_lane, schedule_of, write_video


def test_schedule_is_sorted_and_overlaps_are_cut() -> None:
    vs = schedule_of([(10.0, "B", True), (0.0, "A", False, 20.0)])
    assert [(v.text, v.t_start, v.dwell_s, v.night) for v in vs] == [("A", 0.0, 10.0, False),
                                                                     ("B", 10.0, 4.0, True)]


def test_frames_show_the_vehicle_then_the_empty_lane() -> None:
    scene = CameraScene([(1.0, "ABC123", False, 2.0), (4.0, None, True, 2.0)], seed=1)
    empty, text = scene.frame_at(0.5)
    assert text is None and empty.shape == (720, 1280, 3)
    assert np.array_equal(empty, empty_lane(False))
    car, text = scene.frame_at(2.0)
    assert text == "ABC123" and not np.array_equal(car, empty)
    no_plate, text = scene.frame_at(4.5)
    assert text is None and not np.array_equal(no_plate, empty_lane(True))  # a car, no plate
    night, _ = scene.frame_at(7.0)
    assert night.mean() < empty.mean()  # after a night vehicle the lane stays dark
    again, _ = CameraScene([(1.0, "ABC123", False, 2.0)], seed=1).frame_at(2.0)
    assert np.array_equal(car, again)  # deterministic for a seed


def test_video_file_holds_the_schedule(tmp_path: Path) -> None:
    path = tmp_path / "lane.avi"
    n = write_video(path, [(0.2, "ABC123", False, 1.0)], fps=5.0)
    cap = cv2.VideoCapture(str(path))
    try:
        frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        ok, first = cap.read()
    finally:
        cap.release()
    assert n == frames == 11 and ok and first.shape == (720, 1280, 3)


def test_snapshot_endpoint(camera_server) -> None:
    srv = camera_server(lambda t: np.full((90, 160, 3), 77, np.uint8), fps=20.0)
    with urllib.request.urlopen(srv.url.replace("/stream.mjpg", "/snapshot.jpg"), timeout=5) as resp:
        body = resp.read()
        assert resp.headers["Content-Type"] == "image/jpeg"
    img = cv2.imdecode(np.frombuffer(body, np.uint8), cv2.IMREAD_COLOR)
    assert img.shape == (90, 160, 3) and abs(int(img.mean()) - 77) <= 2
