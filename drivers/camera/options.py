"""Camera device options (the `[devices.options]` table) and where the frames come from.

Pure: validating the options and classifying the source do no I/O, so `lanectl config check`
can run them on any box. A source is a V4L2 device (`path = "0"` or `"/dev/video0"`), a
network stream (`url = "rtsp://..."` or `"http(s)://..."` for MJPEG), or a recorded file
(`path = "/var/lib/lane-edge/replay.avi"` or `url = "file:///..."`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from edge.config import ConfigInvalid, ConfigProblem, DeviceConfig, doc, parse_options


@dataclass(frozen=True, slots=True)
class CameraOptions:
    """Options of a `kind = "camera"`, `driver = "opencv"` device."""

    sample_fps: float = doc("Frames per second handed to the plate reader (0: every frame)", 10.0)
    loop: bool = doc("File sources: start again at the end instead of stopping", False)
    realtime: bool = doc("File sources: play at the file's own frame rate (false: as fast as read)",
                         True)
    max_width: int = doc("Frames wider than this are scaled down before reading plates (0: never)",
                         1280)
    roi: tuple[int, ...] = doc("Region of the frame to search, [x, y, w, h] in pixels "
                               "(empty: whole frame); keeps the next lane out", ())
    reader_threads: int = doc("onnxruntime intra-op threads of the plate reader", 1)
    model: str | None = doc("Plate OCR model .onnx (default: the shipped one)", None)
    detect: bool = doc("Read the learned plate detector's candidates beside the edge search's "
                       "(false: about 4 ms and a few OCR runs less per frame)", True)
    detector_model: str | None = doc("Plate detector model .onnx (default: the shipped one)", None)
    read_min_confidence: float = doc("Per-frame reads below this confidence are ignored", 0.5)
    min_confidence: float = doc("A vehicle's voted plate below this is flagged low_confidence", 0.6)
    vehicle_gap_s: float = doc("Seconds without a plate that end a vehicle", 1.5)
    emit_after_reads: int = doc("Report a vehicle's plate as soon as this many reads vote it with "
                                "enough confidence (0: only when the vehicle has gone)", 5)
    min_reads: int = doc("Fewest plate reads that make a vehicle (fewer: a false sighting)", 2)
    max_reads_per_vehicle: int = doc("Reads kept per vehicle for the vote (the most confident)", 60)
    change_frames: int = doc("Consecutive frames of a clearly different plate that start a new "
                             "vehicle without a gap", 2)
    crop_margin: float = doc("Margin around the plate in the stored crop (fraction of its size)",
                             0.15)
    crop_quality: int = doc("JPEG quality of the stored plate crop", 85)
    open_timeout_s: float = doc("Network sources: give up opening after this long", 5.0)
    read_timeout_s: float = doc("Network sources: a stream silent this long is reopened", 5.0)
    max_read_failures: int = doc("Consecutive failed reads that count as a lost source", 25)
    backoff_initial_s: float = doc("First wait before reopening a lost source", 0.5)
    backoff_max_s: float = doc("Longest wait between reopen attempts", 10.0)
    username: str = doc("Network sources: user name for the camera ('' = none, or as in the url)", "")
    password_file: str | None = doc("Network sources: file holding the camera password (never put "
                                    "it in the url)", None)
    rtsp_transport: Literal["tcp", "udp", ""] = doc("RTSP transport ('' = FFmpeg's default)", "tcp")
    raw_mjpeg: bool = doc("MJPEG sources: take the JPEG bytes and decode them here (checks each "
                          "frame, decodes only sampled frames)", True)
    capture_width: int = doc("Local cameras: requested width (0: the camera's default)", 0)
    capture_height: int = doc("Local cameras: requested height (0: the camera's default)", 0)
    capture_fps: float = doc("Local cameras: requested frame rate (0: the camera's default)", 0.0)
    fourcc: str = doc("Local cameras: requested pixel format, e.g. 'MJPG' ('' = default)", "")


SourceKind = Literal["device", "network", "file"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where frames come from: `target` is what `cv2.VideoCapture` is given."""

    kind: SourceKind
    target: int | str

    @property
    def label(self) -> str:
        """A printable name without credentials (rtsp://user:pass@host -> rtsp://host)."""
        if isinstance(self.target, int):
            return f"camera index {self.target}"
        if self.kind == "network":
            parts = urlsplit(self.target)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
            return f"{parts.scheme}://{host}{port}{parts.path}"
        return self.target


NETWORK_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "tcp", "udp")


def resolve_source(path: str | None, url: str | None) -> Source:
    """Classify the device's `url` (preferred) or `path`; raises ValueError when it is neither."""
    if url:
        scheme = urlsplit(url).scheme.lower()
        if scheme in NETWORK_SCHEMES:
            return Source("network", url)
        if scheme == "file":
            return Source("file", urlsplit(url).path)
        raise ValueError(f"unsupported camera URL scheme {scheme!r} "
                         f"(use one of {', '.join(NETWORK_SCHEMES)}, file)")
    if path:
        if path.isdigit():
            return Source("device", int(path))
        if path.startswith("/dev/"):
            return Source("device", path)
        return Source("file", path)
    raise ValueError("a camera needs a path (device or file) or a url")


def load_options(device: DeviceConfig) -> tuple[CameraOptions, Source]:
    """Validate the device's options and source; raises ConfigInvalid listing every problem."""
    where = f"devices.{device.name}.options"
    problems: list[ConfigProblem] = []
    opts: CameraOptions | None = None
    try:
        opts = parse_options(CameraOptions, device.options, where)
    except ConfigInvalid as err:
        problems += err.problems
        known = {f.name for f in dataclasses.fields(CameraOptions)}
        with contextlib.suppress(ConfigInvalid):  # still range-check the well-typed keys
            opts = parse_options(CameraOptions, {k: v for k, v in device.options.items() if k in known},
                                 where)
    if opts is not None:
        problems += _check(opts, where)
    try:
        source = resolve_source(device.path, device.url)
    except ValueError as err:
        problems.append(ConfigProblem(f"devices.{device.name}.url", str(err), "config.invalid"))
        source = Source("file", "")
    if problems or opts is None:
        raise ConfigInvalid(problems, f"devices.{device.name}")
    return opts, source


def with_credentials(url: str, username: str, password: str) -> str:
    """`url` with user and password put in its authority (percent-encoded)."""
    parts = urlsplit(url)
    user = quote(username or parts.username or "", safe="")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{user}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _check(o: CameraOptions, where: str) -> list[ConfigProblem]:
    bad: list[ConfigProblem] = []

    def need(ok: bool, key: str, what: str) -> None:
        if not ok:
            bad.append(ConfigProblem(f"{where}.{key}", what, "config.range"))

    need(o.sample_fps >= 0, "sample_fps", "must be >= 0")
    need(o.max_width == 0 or o.max_width >= 160, "max_width", "must be 0 or >= 160")
    need(len(o.roi) in (0, 4) and all(v >= 0 for v in o.roi) and (not o.roi or o.roi[2] > 0 < o.roi[3]),
         "roi", "must be empty or [x, y, w, h] with w, h > 0")
    need(1 <= o.reader_threads <= 64, "reader_threads", "must be 1..64")
    need(0 <= o.read_min_confidence <= 1, "read_min_confidence", "must be 0..1")
    need(0 <= o.min_confidence <= 1, "min_confidence", "must be 0..1")
    need(o.vehicle_gap_s > 0, "vehicle_gap_s", "must be > 0")
    need(o.emit_after_reads >= 0, "emit_after_reads", "must be >= 0")
    need(o.min_reads >= 1, "min_reads", "must be >= 1")
    need(o.max_reads_per_vehicle >= 1, "max_reads_per_vehicle", "must be >= 1")
    need(o.change_frames >= 1, "change_frames", "must be >= 1")
    need(0 <= o.crop_margin <= 2, "crop_margin", "must be 0..2")
    need(10 <= o.crop_quality <= 100, "crop_quality", "must be 10..100")
    need(o.open_timeout_s > 0 and o.read_timeout_s > 0, "read_timeout_s", "timeouts must be > 0")
    need(o.max_read_failures >= 1, "max_read_failures", "must be >= 1")
    need(0 < o.backoff_initial_s <= o.backoff_max_s, "backoff_initial_s",
         "must be > 0 and <= backoff_max_s")
    need(o.password_file != "", "password_file", "must name a file")
    need(o.fourcc == "" or len(o.fourcc) == 4, "fourcc", "must be 4 characters, e.g. 'MJPG'")
    return bad
