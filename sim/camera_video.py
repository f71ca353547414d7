"""What the simulated plate camera sees: vehicles with plates driving through a 1280x720 frame.

A `CameraScene` turns a traffic schedule `[(t_start, plate_text, night), ...]` (optionally a
fourth item, the seconds the vehicle stays in view) into frames at any time `t`: the vehicle
approaches (grows and moves down), stands at the booth, then leaves at the bottom; between
vehicles the camera sees the empty lane. Each vehicle's scene is rendered once with
`edge.sim.plate_render.render_scene` and moved per frame, so a frame costs one affine warp.
`write_video` records the same traffic as an MJPG .avi for file-source tests and demos.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
W, H = 1280, 720
DEFAULT_DWELL_S = 4.0
APPROACH, STAND = 0.35, 0.80  # fractions of the dwell: approach until 35 %, stand until 80 %


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One vehicle of the schedule; `text=None` is a vehicle without a plate."""

    t_start: float
    text: str | None
    night: bool = False
    dwell_s: float = DEFAULT_DWELL_S

    @property
    def t_end(self) -> float:
        return self.t_start + self.dwell_s


def schedule_of(items: Iterable[Sequence[Any]]) -> list[Vehicle]:
    """`[(t_start, text, night[, dwell_s]), ...]` -> sorted vehicles (overlaps are cut short)."""
    vehicles = sorted(
        (Vehicle(float(it[0]), it[1], bool(it[2]) if len(it) > 2 else False,
                 float(it[3]) if len(it) > 3 else DEFAULT_DWELL_S) for it in items),
        key=lambda v: v.t_start,
    )
    out: list[Vehicle] = []
    for i, v in enumerate(vehicles):
        nxt = vehicles[i + 1].t_start if i + 1 < len(vehicles) else None
        if nxt is not None and v.t_end > nxt:
            v = Vehicle(v.t_start, v.text, v.night, nxt - v.t_start)
        out.append(v)
    return out


def empty_lane(night: bool) -> Image:
    """The lane without a vehicle: sky, road, lane markings (no plate-like edges)."""
    t = np.linspace(0.0, 1.0, H, dtype=np.float32)[:, None]
    sky = np.array([200, 170, 140], np.float32) * (1 - 0.3 * t)
    road = np.array([95, 95, 100], np.float32) * (0.8 + 0.3 * t)
    grad = np.where(t < 0.4, sky, road)
    img = np.broadcast_to(grad[:, None, :], (H, W, 3)).astype(np.uint8).copy()
    for x0, x1 in ((180, 470), (1100, 810)):
        cv2.line(img, (x0, H), (x1, int(0.4 * H)), (210, 210, 210), 6)
    if night:
        img = (img.astype(np.float32) * 0.25).astype(np.uint8)
    return img


def _motion(p: float) -> tuple[float, float]:
    """(scale, vertical shift as a fraction of H) of the vehicle at progress p in [0, 1]."""
    if p < APPROACH:
        q = p / APPROACH
        return 1.0 + 0.1 * q, -0.2 * (1 - q)
    if p < STAND:
        return 1.1, 0.0
    q = (p - STAND) / (1 - STAND)
    return 1.1 + 0.15 * q, 0.7 * q


class CameraScene:
    """Frames of a traffic schedule; `frame_at(t)` is deterministic for a given seed."""

    def __init__(self, schedule: Iterable[Sequence[Any]], seed: int = 0) -> None:
        self.vehicles = schedule_of(schedule)
        self.seed = seed
        self._cache: dict[int, tuple[Image, tuple[int, int, int, int]]] = {}
        self._lanes = {False: empty_lane(False), True: empty_lane(True)}

    @property
    def duration(self) -> float:
        return max((v.t_end for v in self.vehicles), default=0.0) + 1.0

    def vehicle_at(self, t: float) -> tuple[int, Vehicle] | None:
        for i, v in enumerate(self.vehicles):
            if v.t_start <= t < v.t_end:
                return i, v
        return None

    def _rendered(self, i: int) -> tuple[Image, tuple[int, int, int, int]]:
        if i not in self._cache:
            from edge.sim.plate_render import render_scene

            v = self.vehicles[i]
            rng = np.random.default_rng([self.seed, i])
            self._cache[i] = render_scene(rng, v.text, v.night)
            for old in [k for k in self._cache if k < i - 1]:
                del self._cache[old]
        return self._cache[i]

    def frame_at(self, t: float) -> tuple[Image, str | None]:
        """The BGR frame at `t` seconds and the plate text visible in it (None: no plate)."""
        hit = self.vehicle_at(t)
        if hit is None:
            prev = [v for v in self.vehicles if v.t_end <= t]
            night = prev[-1].night if prev else bool(self.vehicles and self.vehicles[0].night)
            return self._lanes[night].copy(), None
        i, v = hit
        scene, box = self._rendered(i)
        scale, shift = _motion((t - v.t_start) / v.dwell_s)
        x, y, w, h = box
        cx, cy = (x + w / 2, y + h / 2) if w else (W / 2, H * 0.7)
        jx, jy = 1.5 * np.sin(t * 7.0), 1.0 * np.cos(t * 5.0)  # a camera mast is never still
        m = np.array([[scale, 0, (1 - scale) * cx + jx],
                      [0, scale, (1 - scale) * cy + shift * H + jy]], np.float32)
        out = np.asarray(cv2.warpAffine(scene, m, (W, H), flags=cv2.INTER_LINEAR,
                                        borderMode=cv2.BORDER_REPLICATE), np.uint8)
        visible = v.text if v.text and cy + shift * H + scale * h / 2 < H else None
        return out, visible


def write_video(path: str | Path, schedule: Iterable[Sequence[Any]], fps: float = 10.0,
                seed: int = 0, duration: float | None = None, quality: int = 85) -> int:
    """Record the schedule as an MJPG .avi at `fps`; returns the number of frames written."""
    scene = CameraScene(schedule, seed)
    total = duration if duration is not None else scene.duration
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (W, H))
    if not writer.isOpened():
        raise OSError(f"cannot write video {path}")
    writer.set(cv2.VIDEOWRITER_PROP_QUALITY, quality)
    n = 0
    try:
        while n / fps < total:
            frame, _ = scene.frame_at(n / fps)
            writer.write(frame)
            n += 1
    finally:
        writer.release()
    log.info("wrote %d frames to %s", n, path)
    return n
