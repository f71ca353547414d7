"""Camera capture figures (recognition figures live in bench_plates.py).

- JPEG decode rate of 1280x720 simulator frames, one thread (`cv2.setNumThreads(1)`).
- MJPEG over HTTP on loopback -> capture thread (raw JPEG parts) -> mailbox -> decode in the
  consumer: frames per second end to end, the camera sending as fast as it can.
- Capture-thread CPU per frame: raw JPEG parts (decode only what is taken) vs OpenCV decoding
  every frame, for a 30 fps camera sampled at 10 fps.
- Newest-frame hand-over with a reader slower than the camera: share of frames dropped and the
  age of the frames the reader gets (stays about one frame period: no backlog).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

from edge.drivers.camera.capture import FrameCapture
from edge.drivers.camera.frames import decode
from edge.drivers.camera.options import CameraOptions, resolve_source
from edge.sim.camera_server import MjpegCameraServer
from edge.sim.camera_video import CameraScene

SECONDS = 3.0


def _frames() -> list[np.ndarray]:
    scene = CameraScene([(0.0, "B52FJK", False, 3.0), (3.0, "JHN4410", True, 3.0)], seed=7)
    return [scene.frame_at(t)[0] for t in (0.5, 1.5, 2.5, 3.5, 4.5)]


def _thread_cpu_s(native_id: int | None) -> float:
    if native_id is None:
        return 0.0
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _decode_fps(jpegs: list[bytes]) -> float:
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 1.5:
        cv2.imdecode(np.frombuffer(jpegs[n % len(jpegs)], np.uint8), cv2.IMREAD_COLOR)
        n += 1
    return n / (time.perf_counter() - t0)


def _end_to_end(frames: list[np.ndarray]) -> tuple[float, float]:
    """(frames captured per second, frames decoded by the consumer per second)."""
    i = [0]

    def still(_t: float) -> np.ndarray:
        i[0] += 1
        return frames[(i[0] // 5) % len(frames)]  # same object 5 times: its JPEG is reused

    with MjpegCameraServer(still, fps=1000.0, quality=80) as srv:
        cap = FrameCapture(resolve_source(None, srv.url), CameraOptions(sample_fps=0))
        cap.start()
        try:
            while cap.stats.get("frames") < 5:
                time.sleep(0.02)
            f0, decoded, t0 = cap.stats.get("frames"), 0, time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                frame = cap.mailbox.wait(0.5)
                if frame is not None:
                    decode(frame, 1280)
                    decoded += 1
            elapsed = time.perf_counter() - t0
            captured = cap.stats.get("frames") - f0
        finally:
            cap.stop()
    return captured / elapsed, decoded / elapsed


def _capture_cpu_ms(frames: list[np.ndarray], raw: bool) -> float:
    k = [0]

    def moving(_t: float) -> np.ndarray:
        k[0] += 1
        return frames[k[0] % len(frames)]

    with MjpegCameraServer(moving, fps=30.0, quality=80) as srv:
        opts = CameraOptions(sample_fps=10.0, raw_mjpeg=raw)
        cap = FrameCapture(resolve_source(None, srv.url), opts)
        cap.start()
        try:
            while cap.stats.get("frames") < 5:
                time.sleep(0.02)
            tid = cap._thread.native_id if cap._thread else None
            c0, f0 = _thread_cpu_s(tid), cap.stats.get("frames")
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                frame = cap.mailbox.wait(0.5)
                if frame is not None:
                    decode(frame, 1280)  # the consumer decodes what it takes (raw mode)
            c1, f1 = _thread_cpu_s(tid), cap.stats.get("frames")
        finally:
            cap.stop()
    return 1000.0 * (c1 - c0) / max(1, f1 - f0)


def _slow_reader(frames: list[np.ndarray]) -> tuple[float, float, float]:
    """Camera 30 fps, reader 50 ms per frame: (% dropped, mean age ms, max age ms)."""
    k = [0]

    def moving(_t: float) -> np.ndarray:
        k[0] += 1
        return frames[k[0] % len(frames)]

    with MjpegCameraServer(moving, fps=30.0, quality=80) as srv:
        cap = FrameCapture(resolve_source(None, srv.url), CameraOptions(sample_fps=0))
        cap.start()
        ages: list[float] = []
        try:
            while cap.stats.get("frames") < 5:
                time.sleep(0.02)
            s0 = cap.stats.snapshot()
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < SECONDS:
                frame = cap.mailbox.wait(0.5)
                if frame is None:
                    continue
                ages.append(time.monotonic() - frame.mono)
                decode(frame, 1280)
                time.sleep(0.05 - 0.004)  # the rest of a 50 ms reader
            s1 = cap.stats.snapshot()
        finally:
            cap.stop()
    sampled = s1["sampled"] - s0["sampled"]
    dropped = s1.get("dropped", 0) - s0.get("dropped", 0)
    return 100.0 * dropped / max(1, sampled), 1000 * float(np.mean(ages)), 1000 * max(ages)


PLATES = ["B52FJK", "JHN4410", "KDR2231", "7XYZ123", "CFA9921", "MKT552", "8JRN604", "VAN3377",
          "HX4412", "PLT8801", "QRS2024", "4GH7715"]


def _vehicles_from_file(tmp: Path) -> tuple[int, int, int, float]:
    """Recorded lane (MJPG .avi) -> CameraDriver (shipped reader) as fast as it reads.

    Returns (vehicles, PlateRead events, exact plates, seconds of video per second of work).
    """
    import asyncio

    from edge.config import DeviceConfig
    from edge.drivers.base import DriverContext
    from edge.drivers.camera.driver import CameraDriver
    from edge.events import DeviceState, Event, PlateRead
    from edge.sim.camera_video import write_video

    schedule = [(1.0 + 5.0 * i, p, i % 3 == 2, 3.5) for i, p in enumerate(PLATES)]
    video = tmp / "lane.avi"
    write_video(video, schedule, fps=10.0, seed=11)
    events: list[Event] = []
    ctx = DriverContext("cam1", events.append)
    dev = DeviceConfig(name="cam1", kind="camera", driver="opencv", path=str(video),
                       options={"realtime": False, "sample_fps": 10.0, "vehicle_gap_s": 1.0})

    async def play() -> float:
        driver = CameraDriver(dev, ctx)
        task = asyncio.create_task(driver.run())
        t0 = time.perf_counter()
        while ctx.health.state != DeviceState.STOPPED and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - t0
        driver.request_stop()
        await task
        return elapsed

    elapsed = asyncio.run(play())
    plates = [e for e in events if isinstance(e, PlateRead)]
    exact = len({e.text for e in plates} & set(PLATES))  # plates are unique in the schedule
    duration = schedule[-1][0] + 4.5
    return len(PLATES), len(plates), exact, duration / elapsed


def run() -> dict[str, dict[str, object]]:
    cv2.setNumThreads(1)
    frames = _frames()
    jpegs = [cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes() for f in frames]
    size_kb = sum(map(len, jpegs)) / len(jpegs) / 1024
    decode_fps = _decode_fps(jpegs)
    captured_fps, decoded_fps = _end_to_end(frames)
    raw_ms = _capture_cpu_ms(frames, raw=True)
    full_ms = _capture_cpu_ms(frames, raw=False)
    dropped_pct, age_mean, age_max = _slow_reader(frames)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        vehicles, reported, exact, speed = _vehicles_from_file(Path(tmp))
    return {
        "camera_jpeg_decode_fps": {"value": round(decode_fps, 1), "unit": "frames/s",
                                   "note": f"cv2.imdecode of 1280x720 scenes (~{size_kb:.0f} kB, q80), "
                                           "one thread"},
        "camera_mjpeg_capture_fps": {"value": round(captured_fps, 1), "unit": "frames/s",
                                     "note": "MJPEG/HTTP loopback -> capture thread (raw parts, "
                                             "JPEG checked), camera sending flat out"},
        "camera_mjpeg_decode_handoff_fps": {"value": round(decoded_fps, 1), "unit": "frames/s",
                                            "note": "same stream, newest frame taken from the "
                                                    "mailbox and decoded by one consumer thread"},
        "camera_capture_cpu_raw_ms": {"value": round(raw_ms, 2), "unit": "ms CPU/frame",
                                      "note": "capture thread, 30 fps camera sampled at 10 fps, "
                                              "raw JPEG parts (decoding happens in the consumer)"},
        "camera_capture_cpu_decoded_ms": {"value": round(full_ms, 2), "unit": "ms CPU/frame",
                                          "note": "same, raw_mjpeg = false (OpenCV decodes every "
                                                  "frame in the capture thread)"},
        "camera_slow_reader_dropped_pct": {"value": round(dropped_pct, 1), "unit": "%",
                                           "note": "30 fps camera, 50 ms reader: frames replaced "
                                                   "before they were taken (20 of 30 fps read: ~33% expected)"},
        "camera_slow_reader_frame_age_ms": {"value": round(age_mean, 1), "unit": "ms",
                                            "note": f"mean age of handed-over frames (max "
                                                    f"{age_max:.0f} ms): no backlog builds up"},
        "camera_vehicle_reports": {"value": reported, "unit": "events",
                                   "note": f"PlateRead events for {vehicles} simulated vehicles "
                                           "(1 per vehicle expected; day and night, MJPG file)"},
        "camera_vehicle_exact_pct": {"value": round(100.0 * exact / vehicles, 1), "unit": "%",
                                     "note": "vehicles whose reported plate is exactly right "
                                             "(simulator scenes, shipped reader, 10 fps vote)"},
        "camera_file_replay_speed": {"value": round(speed, 2), "unit": "x realtime",
                                     "note": "recorded lane at 10 fps through CameraDriver with "
                                             "the shipped reader, one thread"},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
