"""Capture thread over `cv2.VideoCapture`: open, read, sample, hand over the newest frame.

One thread per camera reads as fast as the source delivers (so the source's buffer never fills
and a network stream never lags), keeps one frame per `1/sample_fps` seconds and puts it in a
`NewestMailbox`: a slow pipeline sees dropped frames, never old ones. A source that fails to
open or stops delivering is reopened with capped exponential backoff; a file source ends, or
loops (a file played with `realtime = false` waits for the reader instead of dropping
frames). MJPEG sources are read as raw JPEG parts (`CAP_PROP_FORMAT = -1`), checked with
`inspect_jpeg` and decoded later only if taken; FFmpeg's own read failures on other codecs are
counted and, when they persist, treated as a lost source.
"""

from __future__ import annotations

import enum
import functools
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from edge.drivers.camera.errors import CameraError, CameraLost, CameraOpenFailed
from edge.drivers.camera.frames import Frame
from edge.drivers.camera.jpeg import JpegProblem, inspect_jpeg
from edge.drivers.camera.mailbox import NewestMailbox
from edge.drivers.camera.options import CameraOptions, Source, with_credentials

log = logging.getLogger(__name__)

MJPG = int.from_bytes(b"MJPG", "little")
_ENV_LOCK = threading.Lock()  # OPENCV_FFMPEG_CAPTURE_OPTIONS is process-wide, read at open


class VideoSource(Protocol):
    """What the capture needs of `cv2.VideoCapture` (tests pass fakes with the same shape)."""

    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop: int) -> float: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


Opener = Callable[[Source, CameraOptions], VideoSource]


class CaptureState(enum.StrEnum):
    STARTING = "starting"
    OPEN = "open"
    DISCONNECTED = "disconnected"
    ENDED = "ended"  # a file source reached its end (loop = false)
    STOPPED = "stopped"


class CaptureStats:
    """Counters of one capture; `snapshot()` is what the driver copies into its counters."""

    NAMES = ("frames", "sampled", "skipped", "dropped", "corrupt", "read_failures", "opens",
             "reopens", "open_failures", "disconnects", "loops")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._c: Counter[str] = Counter()

    def inc(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._c[name] += n

    def get(self, name: str) -> int:
        with self._lock:
            return self._c[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._c)


@functools.cache
def quiet_opencv() -> None:
    """OpenCV's own warnings ('[ WARN:0@0.02] global cap.cpp:475 open VIDEOIO(V4L2): backend is
    generally available but can't be used...') to errors only, unless the operator set
    OPENCV_LOG_LEVEL: the driver reports every failure itself, with a code, and those lines only
    clutter lanectl's output and the journal. Once a process: the level is OpenCV's, global."""
    if "OPENCV_LOG_LEVEL" not in os.environ:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def open_source(source: Source, opts: CameraOptions) -> VideoSource:
    """Open a `cv2.VideoCapture` for the source with timeouts; raises CameraOpenFailed."""
    quiet_opencv()
    if source.kind == "file" and not Path(str(source.target)).is_file():
        raise CameraOpenFailed("video file not found", source=source.label)
    if source.kind == "device":
        cap = cv2.VideoCapture(source.target, cv2.CAP_V4L2 if os.name == "posix" else cv2.CAP_ANY)
        if opts.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*opts.fourcc))
        for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, opts.capture_width),
                            (cv2.CAP_PROP_FRAME_HEIGHT, opts.capture_height),
                            (cv2.CAP_PROP_FPS, opts.capture_fps)):
            if value:
                cap.set(prop, value)
    else:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(opts.open_timeout_s * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(opts.read_timeout_s * 1000)]
        target = str(source.target)
        if opts.password_file:
            try:
                password = Path(opts.password_file).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise CameraOpenFailed("camera password file unreadable",
                                       source=source.label, file=opts.password_file) from err
            target = with_credentials(target, opts.username, password)
        ffmpeg_opts = None
        if target.startswith(("rtsp://", "rtsps://")) and opts.rtsp_transport:
            ffmpeg_opts = f"rtsp_transport;{opts.rtsp_transport}"
        with _ENV_LOCK:
            key = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
            before = os.environ.get(key)
            if ffmpeg_opts and before is None:  # an operator's own setting wins
                os.environ[key] = ffmpeg_opts
            try:
                cap = cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
            finally:
                if ffmpeg_opts and before is None:
                    del os.environ[key]
    if not cap.isOpened():
        cap.release()
        raise CameraOpenFailed("camera source does not open", source=source.label)
    return cap


def _use_raw(cap: VideoSource, opts: CameraOptions) -> bool:
    """Switch an MJPEG source to raw JPEG parts; False when the backend cannot."""
    if not opts.raw_mjpeg or int(cap.get(cv2.CAP_PROP_FOURCC)) != MJPG:
        return False
    return bool(cap.set(cv2.CAP_PROP_FORMAT, -1))


class FrameCapture:
    """One camera's capture thread; frames come out of `mailbox` (newest only)."""

    def __init__(self, source: Source, opts: CameraOptions, *,
                 on_state: Callable[[CaptureState, CameraError | None], None] | None = None,
                 notify: Callable[[], None] | None = None, opener: Opener = open_source,
                 clock: Callable[[], float] = time.time, name: str = "camera") -> None:
        self.source = source
        self.opts = opts
        self.opener = opener
        self.clock = clock
        self.name = name
        self.mailbox: NewestMailbox[Frame] = NewestMailbox(notify)
        self.stats = CaptureStats()
        self.corrupt_codes: Counter[str] = Counter()
        self.state = CaptureState.STARTING
        self.error: CameraError | None = None
        self.raw = False
        self.source_fps = 0.0
        self._on_state = on_state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seq = 0

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"capture-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the thread to stop and wait for it; False if it is still stuck in a read."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout if timeout is not None else self.opts.read_timeout_s + 2.0)
        return not self._thread.is_alive()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ thread
    def _set_state(self, state: CaptureState, error: CameraError | None = None) -> None:
        if state == self.state and error is None:
            return
        self.state, self.error = state, error
        if self._on_state is not None:
            self._on_state(state, error)

    def _run(self) -> None:
        delay = self.opts.backoff_initial_s
        opened_before = False
        try:
            while not self._stop.is_set():
                try:
                    cap = self.opener(self.source, self.opts)
                except CameraOpenFailed as err:
                    self.stats.inc("open_failures")
                    if self.state != CaptureState.DISCONNECTED:
                        log.warning("[%s] cannot open %s; retrying", self.name, self.source.label)
                    self._set_state(CaptureState.DISCONNECTED, err)
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.opts.backoff_max_s)
                    continue
                self.stats.inc("opens")
                if opened_before:
                    self.stats.inc("reopens")
                    log.info("[%s] %s open again", self.name, self.source.label)
                opened_before = True
                try:
                    outcome, delivered = self._pump(cap)
                finally:
                    cap.release()
                if delivered:
                    delay = self.opts.backoff_initial_s
                if outcome == "stopped":
                    break
                if outcome == "ended":
                    if self.opts.loop and delivered:
                        self.stats.inc("loops")
                        continue
                    self._set_state(CaptureState.ENDED)
                    return
                self.stats.inc("disconnects")
                log.warning("[%s] %s lost; reopening", self.name, self.source.label)
                self._set_state(CaptureState.DISCONNECTED,
                                CameraLost("camera stopped delivering frames", source=self.source.label))
                self._stop.wait(delay)
                delay = min(delay * 2, self.opts.backoff_max_s)
        except Exception as err:  # a capture thread must never die silently
            log.exception("[%s] capture thread failed", self.name)
            self._set_state(CaptureState.DISCONNECTED, CameraError(f"capture failed: {type(err).__name__}"))
            return
        self._set_state(CaptureState.STOPPED)

    def _pump(self, cap: VideoSource) -> tuple[str, int]:
        """Read until the source is lost/ended or stop(); returns (outcome, frames delivered)."""
        self.raw = _use_raw(cap, self.opts)
        is_file = self.source.kind == "file"
        fps = cap.get(cv2.CAP_PROP_FPS) if is_file else 0.0
        self.source_fps = fps if 0 < fps < 1000 else (25.0 if is_file else 0.0)
        self._set_state(CaptureState.OPEN)
        period = 1.0 / self.opts.sample_fps if self.opts.sample_fps > 0 else 0.0
        start_mono, start_wall = time.monotonic(), self.clock()
        next_due = -1.0
        delivered = fails = 0
        last_good = time.monotonic()
        n = 0  # frames read from this opening (media time of files = n / fps)
        while not self._stop.is_set():
            ok, data = cap.read()
            mono = time.monotonic()
            if not ok or data is None or getattr(data, "size", 0) == 0:
                if is_file:
                    return "ended", delivered
                fails += 1
                self.stats.inc("read_failures")
                if fails >= self.opts.max_read_failures or mono - last_good > self.opts.read_timeout_s:
                    return "lost", delivered
                continue
            fails = 0
            if is_file:
                media_t = n / self.source_fps
                if self.opts.realtime:
                    wait = start_mono + media_t - time.monotonic()
                    if wait > 0 and self._stop.wait(wait):
                        break
                    mono, ts = time.monotonic(), self.clock()
                else:
                    ts = start_wall + media_t
                t = media_t
            else:
                ts, t = self.clock(), mono - start_mono
            n += 1
            frame = self._frame(data, ts, mono)
            if frame is None:
                if mono - last_good > self.opts.read_timeout_s and not is_file:
                    return "lost", delivered  # only garbage for a whole read timeout
                continue
            last_good = mono
            delivered += 1
            self.stats.inc("frames")
            if period and t < next_due:
                self.stats.inc("skipped")
                continue
            next_due = t + period if next_due < 0 or t - next_due > period else next_due + period
            self.stats.inc("sampled")
            if is_file and not self.opts.realtime:  # a recording can wait for the reader
                while not self.mailbox.wait_empty(0.2):
                    if self._stop.is_set():
                        return "stopped", delivered
            if self.mailbox.put(frame):
                self.stats.inc("dropped")
        return "stopped", delivered

    def _frame(self, data: Any, ts: float, mono: float) -> Frame | None:
        self._seq += 1
        if not self.raw:
            h, w = data.shape[:2]
            return Frame(self._seq, ts, mono, int(w), int(h), image=data)
        jpeg = np.asarray(data, np.uint8).tobytes()
        try:
            info = inspect_jpeg(jpeg)
        except JpegProblem as err:
            self.count_corrupt(err.code)
            return None
        return Frame(self._seq, ts, mono, info.width, info.height, jpeg=jpeg)

    def count_corrupt(self, code: str) -> None:
        """Count a frame that was skipped as corrupt (also called by the decoder's user)."""
        self.stats.inc("corrupt")
        with self.stats._lock:
            self.corrupt_codes[code] += 1
