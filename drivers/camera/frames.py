"""A captured frame and its decoding: JPEG bytes (MJPEG sources) or an already decoded image.

MJPEG sources hand over the JPEG bytes and only the frames the pipeline actually takes are
decoded, at the reduced scale that `max_width` allows (libjpeg's DCT scaling is much cheaper
than decoding in full and resizing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.drivers.camera.errors import CorruptFrame

Image = npt.NDArray[np.uint8]

_REDUCED = {8: cv2.IMREAD_REDUCED_COLOR_8, 4: cv2.IMREAD_REDUCED_COLOR_4,
            2: cv2.IMREAD_REDUCED_COLOR_2}


@dataclass(slots=True)
class Frame:
    """One frame as captured: `ts` wall-clock seconds, `mono` monotonic seconds."""

    seq: int
    ts: float
    mono: float
    width: int
    height: int
    jpeg: bytes | None = field(default=None, repr=False)
    image: Image | None = field(default=None, repr=False)


def reduction_for(width: int, max_width: int) -> int:
    """The largest libjpeg reduction (1, 2, 4, 8) that keeps the width at or above max_width."""
    if max_width <= 0:
        return 1
    for factor in (8, 4, 2):
        if width // factor >= max_width:
            return factor
    return 1


def fit_width(image: Image, max_width: int) -> Image:
    h, w = image.shape[:2]
    if max_width <= 0 or w <= max_width:
        return image
    size = (max_width, max(1, round(h * max_width / w)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)


def decode(frame: Frame, max_width: int) -> Image:
    """The frame as a BGR image no wider than max_width; raises CorruptFrame."""
    if frame.image is not None:
        return fit_width(frame.image, max_width)
    if frame.jpeg is None:
        raise CorruptFrame("frame has no data")
    factor = reduction_for(frame.width, max_width)
    flags = _REDUCED.get(factor, cv2.IMREAD_COLOR)
    img: Any = cv2.imdecode(np.frombuffer(frame.jpeg, np.uint8), flags)
    if img is None or img.size == 0:
        raise CorruptFrame("JPEG does not decode", size=len(frame.jpeg))
    return fit_width(img, max_width)


def encode_crop(image: Image, box: tuple[int, int, int, int], margin: float, quality: int) -> bytes | None:
    """JPEG bytes of `box` (x, y, w, h) with a margin, clipped to the image (None if empty)."""
    x, y, w, h = box
    mx, my = int(w * margin), int(h * margin)
    ih, iw = image.shape[:2]
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(iw, x + w + mx), min(ih, y + h + my)
    if x1 <= x0 or y1 <= y0:
        return None
    ok, buf = cv2.imencode(".jpg", image[y0:y1, x0:x1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else None
