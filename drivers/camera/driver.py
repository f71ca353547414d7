"""`CameraDriver` (kind = "camera", driver = "opencv"): one `PlateRead` per vehicle.

The capture thread delivers the newest sampled frame; the plate reader runs in one worker
thread (OpenCV and onnxruntime pinned to the configured threads) so the event loop never
blocks; a `VehicleTracker` groups the per-frame reads and decides when each vehicle's plate is
reported. Per-frame reads are only counted. Plate texts are personal data: they go into
events, never into logs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import cv2

from edge.aio import wait_for
from edge.config import DeviceConfig
from edge.drivers.base import Driver, DriverContext
from edge.drivers.camera.capture import CaptureState, FrameCapture, Opener, open_source
from edge.drivers.camera.errors import CameraError, CorruptFrame
from edge.drivers.camera.frames import Frame, Image, decode, encode_crop
from edge.drivers.camera.options import CameraOptions, load_options
from edge.drivers.camera.vehicles import PlateDecision, VehiclePolicy, VehicleTracker
from edge.events import DeviceState, PlateRead
from edge.models.plate_reader.vote import PlateText

log = logging.getLogger(__name__)


class PlateReaderLike(Protocol):
    """What the driver needs of `edge.models.plate_reader.PlateReader`."""

    def read(self, image: Any) -> list[PlateText]: ...


def make_reader(options: CameraOptions) -> PlateReaderLike:
    """The plate reader the options ask for, loaded and warmed."""
    from edge.models.plate_reader import PlateReader

    o = options
    return PlateReader(o.model, intra_op_threads=o.reader_threads, min_confidence=o.read_min_confidence,
                       detector_model=o.detector_model, detect=o.detect)


def read_plates(reader: PlateReaderLike, image: Image, roi: Sequence[int], scale: float) -> list[PlateText]:
    """The plates in `image` (a frame scaled down by `scale`), searched only in `roi` ([x, y, w,
    h] in source pixels; empty: the whole frame); boxes in `image`'s pixels."""
    if not roi:
        return reader.read(image)
    x, y, w, h = (round(v / scale) for v in roi)
    part = image[y:y + h, x:x + w]
    if part.shape[0] < 16 or part.shape[1] < 16:
        fw, fh = round(image.shape[1] * scale), round(image.shape[0] * scale)
        raise CameraError(f"options.roi {list(roi)} lies outside the camera's {fw}x{fh} frame",
                          code="camera.roi", roi=list(roi), frame=[fw, fh])
    return [PlateText(r.text, r.confidence, (r.box[0] + x, r.box[1] + y, r.box[2], r.box[3]))
            for r in reader.read(part)]


@dataclass(frozen=True, slots=True)
class _Seen:
    """The frame behind a read: the decoded image and its scale back to source pixels."""

    image: Image
    scale: float


class CameraDriver(Driver):
    """A plate camera: capture, read plates, report one plate per vehicle."""

    opener: Opener = staticmethod(open_source)  # tests swap in fakes of cv2.VideoCapture
    idle_interval = 0.25

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options, self.source = load_options(device)
        o = self.options
        self.tracker = VehicleTracker(VehiclePolicy(
            gap_s=o.vehicle_gap_s, min_confidence=o.min_confidence,
            emit_after_reads=o.emit_after_reads, max_reads=o.max_reads_per_vehicle,
            change_frames=o.change_frames, min_reads=o.min_reads))
        self.capture: FrameCapture | None = None
        self._synced: dict[str, int] = {}
        self._last: tuple[float, float] | None = None  # (ts, monotonic) of the newest frame
        self._reported: tuple[CaptureState, str | None] | None = None

    def make_reader(self) -> PlateReaderLike:
        """Load and warm the plate reader (runs in the worker thread)."""
        return make_reader(self.options)

    # ------------------------------------------------------------------ main loop
    async def run(self) -> None:
        cv2.setNumThreads(1)
        if self.device.url and urlsplit(self.device.url).password:
            log.warning("[%s] the camera url carries a password: move it to options.password_file",
                        self.device.name)
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        executor = ThreadPoolExecutor(1, thread_name_prefix=f"plates-{self.device.name}")

        def notify() -> None:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop is closing; the thread is being stopped
                pass

        def on_state(state: CaptureState, err: CameraError | None) -> None:
            try:
                loop.call_soon_threadsafe(self._capture_state, state, err)
            except RuntimeError:
                pass

        try:
            reader = await loop.run_in_executor(executor, self._warm_reader)
            self.capture = FrameCapture(self.source, self.options, on_state=on_state, notify=notify,
                                        opener=type(self).opener, clock=self.ctx.clock,
                                        name=self.device.name)
            self.capture.start()
            try:
                await self._pump(loop, executor, reader, wake)
            finally:
                self._sync_counters()
                await asyncio.to_thread(self.capture.stop)
                self._report(self.tracker.flush())
                self._sync_discarded()
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _warm_reader(self) -> PlateReaderLike:
        cv2.setNumThreads(1)
        return self.make_reader()

    async def _pump(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor,
                    reader: PlateReaderLike, wake: asyncio.Event) -> None:
        capture = self.capture
        assert capture is not None
        while not self.stopping:
            try:
                await wait_for(wake.wait(), self.idle_interval)
            except TimeoutError:
                pass
            wake.clear()
            self._sync_counters()
            self._sync_discarded()
            frame = capture.mailbox.take()
            if frame is None:
                self._report(self.tracker.idle(self._now()))
                if capture.state == CaptureState.ENDED and self.ctx.health.state != DeviceState.STOPPED:
                    self._report(self.tracker.flush())  # every frame of the file was read
                    log.info("[%s] video file ended", self.device.name)
                    self.ctx.set_state(DeviceState.STOPPED)
                continue
            seen = await loop.run_in_executor(executor, self._read_frame, reader, frame)
            self._last = (frame.ts, time.monotonic())
            if seen is None:
                continue
            image, scale, reads = seen
            self.ctx.counters.inc("frames_read")
            self.ctx.counters.inc("plate_reads", len(reads))
            self._report(self.tracker.observe(frame.ts, reads, _Seen(image, scale)))

    def _read_frame(self, reader: PlateReaderLike, frame: Frame
                    ) -> tuple[Image, float, list[PlateText]] | None:
        """Worker thread: decode, cut the region of interest, read plates (frame coordinates)."""
        assert self.capture is not None
        try:
            image = decode(frame, self.options.max_width)
        except CorruptFrame:
            self.capture.count_corrupt("jpeg.undecodable")
            return None
        scale = frame.width / image.shape[1]
        return image, scale, read_plates(reader, image, self.options.roi, scale)

    # ------------------------------------------------------------------ reporting
    def _report(self, decisions: Sequence[PlateDecision]) -> None:
        for d in decisions:
            seen = d.best.frame
            box = d.best.read.box
            crop = None
            if isinstance(seen, _Seen):
                crop = encode_crop(seen.image, box, self.options.crop_margin, self.options.crop_quality)
                box = tuple(round(v * seen.scale) for v in box)  # type: ignore[assignment]
            self.ctx.counters.inc("vehicles")
            if d.vote.low_confidence:
                self.ctx.counters.inc("low_confidence")
            log.info("[%s] vehicle plate reported: confidence %.2f from %d reads%s", self.device.name,
                     d.vote.confidence, d.vote.reads, " (low confidence)" if d.vote.low_confidence else "")
            self.ctx.emit(PlateRead(ts=d.first_ts, device=self.device.name, text=d.vote.text,
                                    confidence=d.vote.confidence, box=box, crop_jpeg=crop,
                                    low_confidence=d.vote.low_confidence))

    def _now(self) -> float:
        if self._last is None:
            return self.ctx.clock()
        ts, mono = self._last
        return ts + (time.monotonic() - mono)

    def _capture_state(self, state: CaptureState, err: CameraError | None) -> None:
        key = (state, err.code if err else None)
        if key == self._reported:
            return  # the same failure again (retry with backoff): already reported
        self._reported = key
        if state == CaptureState.OPEN:
            self.ctx.set_state(DeviceState.OPEN)
        elif state == CaptureState.DISCONNECTED:
            self.ctx.set_state(DeviceState.DISCONNECTED, err)

    def _sync_discarded(self) -> None:
        delta = self.tracker.discarded - self._synced.get("discarded_sightings", 0)
        if delta:
            self.ctx.counters.inc("discarded_sightings", delta)
            self._synced["discarded_sightings"] = self.tracker.discarded

    def _sync_counters(self) -> None:
        if self.capture is None:
            return
        for name, value in self.capture.stats.snapshot().items():
            delta = value - self._synced.get(name, 0)
            if delta:
                self.ctx.counters.inc(name, delta)
                if name == "corrupt":
                    self.ctx.count_bad(delta)
                self._synced[name] = value
