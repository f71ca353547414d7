"""Colours and drawing primitives of the synthetic plates (palettes, alpha painting, emblems)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]


def color(rng: np.random.Generator, palette: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    base = palette[int(rng.integers(len(palette)))]
    j = rng.integers(-25, 26, size=3)
    return (
        int(np.clip(base[0] + j[0], 0, 255)),
        int(np.clip(base[1] + j[1], 0, 255)),
        int(np.clip(base[2] + j[2], 0, 255)),
    )


# BGR palettes
LIGHT = [
    (245, 245, 245),
    (235, 240, 240),
    (200, 235, 250),
    (120, 225, 250),
    (240, 230, 215),
    (225, 235, 220),
    (250, 245, 235),
    (215, 230, 245),
]
DARK_INK = [
    (20, 20, 20),
    (110, 40, 10),
    (90, 30, 20),
    (40, 30, 140),
    (30, 100, 20),
    (60, 40, 40),
    (30, 30, 160),
    (100, 60, 0),
]
DARK_PAPER = [(90, 40, 10), (20, 20, 20), (40, 90, 20), (60, 20, 120), (120, 80, 30)]
ACCENT = [
    (30, 30, 200),
    (160, 60, 10),
    (20, 120, 20),
    (20, 20, 20),
    (0, 140, 230),
    (120, 30, 110),
    (180, 120, 40),
]


def paint(canvas: Image, mask: Image, x: int, y: int, color: tuple[int, int, int]) -> None:
    """Alpha-blend `color` through `mask` at (x, y), clipped to the canvas."""
    h, w = mask.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    a = mask[y0 - y : y1 - y, x0 - x : x1 - x].astype(np.float32)[..., None] / 255.0
    roi = canvas[y0:y1, x0:x1].astype(np.float32)
    canvas[y0:y1, x0:x1] = (roi * (1 - a) + np.array(color, np.float32) * a).astype(np.uint8)


def emblem_mask(rng: np.random.Generator, size: int) -> Image:
    m = np.zeros((size, size), np.uint8)
    kind = int(rng.integers(6))
    c = size // 2
    if kind == 0:
        cv2.circle(m, (c, c), c - 1, 255, -1, cv2.LINE_AA)
    elif kind == 1:
        pts = [
            (
                c + (c - 1) * np.cos(a) * (1 if i % 2 == 0 else 0.45),
                c + (c - 1) * np.sin(a) * (1 if i % 2 == 0 else 0.45),
            )
            for i, a in enumerate(np.linspace(-np.pi / 2, 1.5 * np.pi, 11)[:-1])
        ]
        cv2.fillPoly(m, [np.array(pts, np.int32)], 255, cv2.LINE_AA)
    elif kind == 2:
        corners = rng.integers(0, size, size=(6, 2)).astype(np.int32)
        cv2.fillPoly(m, [cv2.convexHull(corners)], 255, cv2.LINE_AA)
    elif kind == 3:
        cv2.rectangle(m, (1, c - size // 6), (size - 2, c + size // 6), 255, -1)
    elif kind == 4:  # flag / badge: a rectangle with stripes cut out
        cv2.rectangle(m, (0, size // 5), (size - 1, size - size // 5), 255, -1)
        for k in range(1, 4):
            yy = size // 5 + k * (size - 2 * size // 5) // 4
            cv2.line(m, (0, yy), (size - 1, yy), 0, max(1, size // 12))
    else:  # fruit / tree: blob with a leaf
        cv2.ellipse(m, (c, c + size // 10), (c - 1, int(c * 0.8)), 0, 0, 360, 255, -1, cv2.LINE_AA)
        cv2.ellipse(m, (c + size // 6, size // 8), (size // 5, size // 10), 30, 0, 360, 255, -1)
    return m
