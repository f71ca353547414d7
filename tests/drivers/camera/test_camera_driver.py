"""CameraDriver end to end: frames in, one PlateRead per vehicle out, health reported."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from edge.config import DeviceConfig
from edge.drivers.base import DriverContext
from edge.drivers.camera.driver import CameraDriver
from edge.drivers.camera.errors import CameraError
from edge.drivers.registry import REGISTRY, create_driver
from edge.events import DeviceState, DeviceStateChanged, Event, PlateRead
from tests.drivers.camera.conftest import FakeOpener, FakeReader, gray, readable_seed

FAKE_FPS = 50.0


def timeline(t: float) -> int:
    """Brightness of the fake lane at t seconds: empty, ABC123, XYZ789 (no gap), empty, ABC123."""
    for start, end, level in ((0.3, 1.0, 60), (1.0, 1.6, 120), (2.4, 3.0, 60)):
        if start <= t < end:
            return level
    return 0


def fake_driver(device: DeviceConfig, ctx: DriverContext, opener: FakeOpener | None = None) -> CameraDriver:
    """A CameraDriver with the brightness reader (and a fake camera when `opener` is given)."""

    class FakeCameraDriver(CameraDriver):
        def make_reader(self) -> FakeReader:
            return FakeReader()

    if opener is not None:
        FakeCameraDriver.opener = staticmethod(opener)
    return FakeCameraDriver(device, ctx)


def _device(options: dict[str, Any] | None = None, url: str | None = "rtsp://fake/1",
            path: str | None = None) -> DeviceConfig:
    return DeviceConfig(name="cam1", kind="camera", driver="opencv", url=url, path=path,
                        options={"read_timeout_s": 1.0, "backoff_initial_s": 0.1,
                                 "backoff_max_s": 0.4, "vehicle_gap_s": 0.4, **(options or {})})


async def _run_until(driver: CameraDriver, done: Callable[[], bool], timeout: float) -> None:
    task = asyncio.create_task(driver.run())
    try:
        for _ in range(int(timeout / 0.05)):
            if done() or task.done():
                break
            await asyncio.sleep(0.05)
    finally:
        driver.request_stop()
        await asyncio.wait_for(task, 5.0)


def _plates(events: list[Event]) -> list[PlateRead]:
    return [e for e in events if isinstance(e, PlateRead)]


def test_registered() -> None:
    entry = REGISTRY[("camera", "opencv")]
    assert entry.needs == "path_or_url"
    assert isinstance(create_driver(_device(), DriverContext("cam1", lambda e: None)), CameraDriver)


def test_the_detect_option_reaches_the_plate_reader() -> None:
    ctx = DriverContext("cam1", lambda e: None)
    assert CameraDriver(_device(), ctx).make_reader().detector is not None  # type: ignore[attr-defined]
    off = CameraDriver(_device({"detect": False}), ctx).make_reader()
    assert off.detector is None  # type: ignore[attr-defined]


async def test_one_plate_read_per_vehicle_with_crop() -> None:
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    opener = FakeOpener(lambda i: gray(timeline(i / FAKE_FPS)), fps=FAKE_FPS)
    driver = fake_driver(_device({"sample_fps": 20.0}), ctx, opener)
    await _run_until(driver, lambda: len(_plates(events)) >= 3, 8.0)
    plates = _plates(events)
    assert [p.text for p in plates] == ["ABC123", "XYZ789", "ABC123"]
    assert all(not p.low_confidence and p.confidence == pytest.approx(0.9) for p in plates)
    assert plates[0].ts < plates[1].ts < plates[2].ts
    crop = cv2.imdecode(np.frombuffer(plates[0].crop_jpeg or b"", np.uint8), cv2.IMREAD_COLOR)
    assert crop is not None and crop.shape[1] < 64 and abs(int(crop.mean()) - 60) <= 6
    x, y, w, h = plates[0].box
    assert 0 <= x and x + w <= 64 and 0 <= y and y + h <= 48
    states = [e.state for e in events if isinstance(e, DeviceStateChanged)]
    assert states[0] == DeviceState.OPEN
    c = ctx.counters.snapshot()
    assert c["vehicles"] == 3 and c["frames_read"] > 20 and c["plate_reads"] >= 3 * 3
    assert ctx.health.reads == 3 and ctx.health.bad_reads == 0  # lanectl status: one read a vehicle
    # every sampled frame was read, dropped for a newer one, or still waiting at the stop
    assert c["sampled"] - c.get("dropped", 0) - c["frames_read"] in (0, 1)


async def test_camera_that_vanishes_is_reported_and_recovered(camera_server) -> None:
    srv = camera_server(lambda t: gray(0, 320, 240), fps=20.0)
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    driver = fake_driver(_device(url=srv.url), ctx)

    def states() -> list[DeviceState]:
        return [e.state for e in events if isinstance(e, DeviceStateChanged)]

    task = asyncio.create_task(driver.run())
    try:
        for step in ("open", "gone", "back"):
            for _ in range(200):
                await asyncio.sleep(0.05)
                s = states()
                if step == "open" and s == [DeviceState.OPEN]:
                    await asyncio.to_thread(srv.stop)
                    break
                if step == "gone" and s[-1:] == [DeviceState.DISCONNECTED]:
                    await asyncio.to_thread(srv.start)
                    break
                if step == "back" and len(s) >= 3 and s[-1] == DeviceState.OPEN:
                    break
            else:
                raise AssertionError(f"step {step}: states {states()}")
    finally:
        driver.request_stop()
        await asyncio.wait_for(task, 5.0)
    gone = [e for e in events if isinstance(e, DeviceStateChanged) and e.state == DeviceState.DISCONNECTED]
    assert gone[0].error_code == "camera.lost"
    assert ctx.counters.get("reopens") == 1 and ctx.counters.get("disconnects") == 1
    assert ctx.health.state == DeviceState.OPEN


async def test_corrupt_frames_are_the_camera_s_bad_reads(camera_server) -> None:
    """`lanectl status` shows a camera's corrupt frames in its "bad" column, as the serial
    devices' unreadable lines: skipped, counted, no BadRead event each."""
    srv = camera_server(lambda t: gray(0, 320, 240), fps=20.0)
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    driver = fake_driver(_device(url=srv.url), ctx)
    task = asyncio.create_task(driver.run())
    try:
        for _ in range(200):
            await asyncio.sleep(0.05)
            if ctx.health.state == DeviceState.OPEN and ctx.counters.get("frames") >= 3:
                break
        srv.inject_corrupt(3)
        srv.inject_truncated(2)
        for _ in range(200):
            await asyncio.sleep(0.05)
            if ctx.health.bad_reads >= 5:
                break
    finally:
        driver.request_stop()
        await asyncio.wait_for(task, 5.0)
    assert ctx.health.bad_reads == ctx.counters.get("corrupt") == 5
    assert ctx.health.reads == 0 and not _plates(events)  # an empty lane: nothing read


async def test_video_file_source_ends_cleanly(tmp_path: Path) -> None:
    video = tmp_path / "replay.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"MJPG"), 25.0, (64, 48))
    for i in range(25):  # one second: a car with plate XYZ789 still in view at the end
        writer.write(gray(120 if i >= 10 else 0))
    writer.release()
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    driver = fake_driver(_device({"realtime": False, "sample_fps": 0.0, "emit_after_reads": 0},
                                      url=None, path=str(video)), ctx)
    await _run_until(driver, lambda: ctx.health.state == DeviceState.STOPPED, 8.0)
    assert [p.text for p in _plates(events)] == ["XYZ789"]
    assert ctx.health.state == DeviceState.STOPPED
    assert ctx.counters.get("frames") == 25


async def test_simulated_camera_with_the_real_reader(camera_server) -> None:
    """The simulator's MJPEG camera -> CameraDriver (shipped OCR model) -> one plate per car."""
    schedule = [(0.3, "B52FJK", False, 2.5), (3.8, "JHN4410", True, 2.5)]
    srv = camera_server(schedule, fps=10.0, seed=readable_seed(schedule))
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    driver = CameraDriver(_device({"sample_fps": 10.0, "vehicle_gap_s": 1.0}, url=srv.url), ctx)
    over = srv.epoch + 7.5  # both cars gone and their gap elapsed: nothing more may come
    await _run_until(driver, lambda: len(_plates(events)) >= 2 and time.time() > over, 20.0)
    plates = _plates(events)
    assert [p.text for p in plates] == ["B52FJK", "JHN4410"]
    for p in plates:
        crop = cv2.imdecode(np.frombuffer(p.crop_jpeg or b"", np.uint8), cv2.IMREAD_COLOR)
        assert crop is not None and crop.shape[1] >= 40
        assert 0 < p.confidence <= 1
    assert ctx.counters.get("corrupt") == 0 and ctx.counters.get("vehicles") == 2


async def test_roi_limits_the_search_and_a_roi_off_the_frame_is_a_clear_failure() -> None:
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    opener = FakeOpener(lambda i: gray(60), fps=FAKE_FPS)
    driver = fake_driver(_device({"roi": [32, 0, 32, 48]}), ctx, opener)
    await _run_until(driver, lambda: len(_plates(events)) >= 1, 5.0)
    (plate,) = _plates(events)
    assert plate.box[0] >= 32  # found in the right half, reported in frame coordinates
    off = fake_driver(_device({"roi": [500, 500, 100, 100]}), DriverContext("cam1", lambda e: None),
                      FakeOpener(lambda i: gray(60), fps=FAKE_FPS))
    with pytest.raises(CameraError) as err:
        await asyncio.wait_for(off.run(), 5.0)
    assert err.value.code == "camera.roi"
    # the technician reads both sizes in status and diag: the roi asked for and the frame's
    assert "[500, 500, 100, 100]" in err.value.message and "64x48 frame" in err.value.message
