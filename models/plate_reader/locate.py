"""Classical plate localisation: where in a frame could a plate be?

Plate characters make dense clusters of strong vertical edges. We take the horizontal gradient,
binarise it, close it with a wide flat kernel so that the characters of one plate merge into one
blob, and keep blobs with a plate-like size, aspect ratio and edge density. Cheap enough to run
on every 1280x720 frame on one core; the OCR then rejects the false candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Box = tuple[int, int, int, int]
Grey = npt.NDArray[Any]


@dataclass(frozen=True, slots=True)
class LocateParams:
    """Tuning of the localiser (pixels refer to the working scale)."""

    work_width: int = 960  # frames are shrunk to this width before the edge search
    min_w: int = 24
    max_w: int = 360
    min_h: int = 8
    max_h: int = 160
    min_aspect: float = 1.2
    max_aspect: float = 7.0
    min_density: float = 0.12
    max_candidates: int = 6
    kernels: tuple[tuple[int, int], ...] = ((7, 3), (13, 3), (21, 5))
    edge_percentile: float = 95.0
    min_edge: float = 25.0


def _blobs(edges: Grey, kernel: tuple[int, int]) -> list[Box]:
    k = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, k)
    closed = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    )
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [tuple(int(v) for v in cv2.boundingRect(c)) for c in contours]  # type: ignore[misc]


def candidates(grey: Grey, params: LocateParams = LocateParams()) -> list[tuple[Box, float]]:
    """Plate-like regions of a grey frame, best first: [((x, y, w, h), score)] in frame pixels."""
    h0, w0 = grey.shape[:2]
    scale = min(1.0, params.work_width / w0)
    small = (
        grey
        if scale == 1.0
        else cv2.resize(grey, (int(w0 * scale), int(h0 * scale)), interpolation=cv2.INTER_AREA)
    )
    gx = cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3)
    mag = cv2.convertScaleAbs(gx)
    thr = max(params.min_edge, float(np.percentile(mag[::4, ::4], params.edge_percentile)))
    _, edges = cv2.threshold(mag, thr, 255, cv2.THRESH_BINARY)
    integral = cv2.integral(edges)
    seen: list[tuple[Box, float]] = []
    for kernel in params.kernels:
        for x, y, w, h in _blobs(edges, kernel):
            if not (params.min_w <= w <= params.max_w and params.min_h <= h <= params.max_h):
                continue
            aspect = w / h
            if not params.min_aspect <= aspect <= params.max_aspect:
                continue
            s = int(
                integral[y + h, x + w] - integral[y, x + w] - integral[y + h, x] + integral[y, x]
            )
            density = s / 255.0 / (w * h)
            if density < params.min_density:
                continue
            score = density * min(1.0, aspect / 2.0) * np.sqrt(w * h)
            seen.append(((x, y, w, h), float(score)))
    seen.sort(key=lambda t: -t[1])
    out: list[tuple[Box, float]] = []
    for box, score in seen:
        if any(_iou(box, b) > 0.5 for b, _ in out):
            continue
        out.append((box, score))
        if len(out) >= params.max_candidates:
            break
    inv = 1.0 / scale
    return [
        ((int(x * inv), int(y * inv), int(w * inv), int(h * inv)), s) for (x, y, w, h), s in out
    ]


def _iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0
