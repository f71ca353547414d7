"""Plate gothic: stroke-drawn letters in the style of North American licence plates.

Most US states and Canadian provinces stamp or print their serials in a narrow monoline gothic
(the "penitentiary" faces): uniform strokes, square-ish rounds, an `I` with bars top and
bottom, a `4` often open at the top, a `1` with a flag and sometimes a foot. None of the
TrueType faces on a Debian machine looks like that, and a reader trained only on Liberation or
DejaVu letters reads a real plate's barred `I` as `T` and its open `4` as `L`. So the glyphs are
defined here as centre lines on a unit box (x right, y down) and drawn with `cv2.polylines` at
a stroke weight; variants differ in the glyphs that differ between states.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Path = list[tuple[float, float]]
Glyph = tuple[float, list[Path]]  # (width as a fraction of the cap height, centre lines)


def _chaikin(p: Path, rounds: int = 3) -> Path:
    """Round the corners of an open polyline (keeps its end points)."""
    for _ in range(rounds):
        out = [p[0]]
        for (x0, y0), (x1, y1) in itertools.pairwise(p):
            out += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1),
                    (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        out.append(p[-1])
        p = out
    return p


def _rrect(x0: float, y0: float, x1: float, y1: float, e: float = 0.55, a: float = 0.0,
           b: float = 1.0, n: int = 96) -> Path:
    """A squarish oval (superellipse, exponent `e`: 1 is an ellipse, smaller is boxier) from
    fraction `a` to `b` of its outline, starting at the middle of the right side, going up."""
    hx, hy = (x1 - x0) / 2, (y1 - y0) / 2
    pts: Path = []
    for k in range(n + 1):
        ang = 2 * np.pi * (a + (b - a) * k / n)
        cx, cy = np.cos(ang), -np.sin(ang)
        pts.append((x0 + hx * (1 + np.sign(cx) * abs(cx) ** e),
                    y0 + hy * (1 + np.sign(cy) * abs(cy) ** e)))
    return pts


def _flip(paths: list[Path]) -> list[Path]:
    return [[(1 - x, 1 - y) for x, y in p] for p in paths]


_SIX: list[Path] = [_chaikin([(0.92, 0.1), (0.7, 0.0), (0.25, 0.0), (0.0, 0.2), (0.0, 0.8),
                              (0.2, 1.0), (0.8, 1.0), (1.0, 0.8), (1.0, 0.62), (0.8, 0.43),
                              (0.22, 0.43), (0.0, 0.6)])]

BASE: dict[str, Glyph] = {
    "A": (0.6, [[(0.0, 1.0), (0.4, 0.0), (0.6, 0.0), (1.0, 1.0)], [(0.17, 0.64), (0.83, 0.64)]]),
    "B": (0.56, [[(0.0, 0.0), (0.0, 1.0)],
                 _chaikin([(0.0, 0.0), (0.72, 0.0), (0.95, 0.12), (0.95, 0.36), (0.72, 0.48),
                           (0.0, 0.48)], 2),
                 _chaikin([(0.0, 0.48), (0.76, 0.48), (1.0, 0.6), (1.0, 0.88), (0.76, 1.0),
                           (0.0, 1.0)], 2)]),
    "C": (0.56, [_rrect(0, 0, 1, 1, 0.55, 0.09, 0.91)]),
    "D": (0.58, [[(0.0, 0.0), (0.0, 1.0)],
                 _chaikin([(0.0, 0.0), (0.65, 0.0), (1.0, 0.2), (1.0, 0.8), (0.65, 1.0),
                           (0.0, 1.0)], 2)]),
    "E": (0.5, [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0), (1.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]]),
    "F": (0.5, [[(1.0, 0.0), (0.0, 0.0), (0.0, 1.0)], [(0.0, 0.5), (0.8, 0.5)]]),
    "G": (0.58, [_rrect(0, 0, 1, 1, 0.55, 0.09, 0.97), [(0.55, 0.56), (1.0, 0.56), (1.0, 0.97)]]),
    "H": (0.56, [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (1.0, 1.0)], [(0.0, 0.5), (1.0, 0.5)]]),
    "I": (0.3, [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.0), (1.0, 0.0)], [(0.0, 1.0), (1.0, 1.0)]]),
    "J": (0.5, [_chaikin([(1.0, 0.0), (1.0, 0.8), (0.78, 1.0), (0.22, 1.0), (0.0, 0.82),
                          (0.0, 0.68)], 2)]),
    "K": (0.56, [[(0.0, 0.0), (0.0, 1.0)], [(1.0, 0.0), (0.0, 0.62)], [(0.3, 0.44), (1.0, 1.0)]]),
    "L": (0.48, [[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]]),
    "M": (0.66, [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.62), (1.0, 0.0), (1.0, 1.0)]]),
    "N": (0.56, [[(0.0, 1.0), (0.0, 0.0), (1.0, 1.0), (1.0, 0.0)]]),
    "O": (0.62, [_rrect(0, 0, 1, 1, 0.45)]),
    "P": (0.54, [[(0.0, 1.0), (0.0, 0.0)],
                 _chaikin([(0.0, 0.0), (0.7, 0.0), (1.0, 0.14), (1.0, 0.42), (0.7, 0.56),
                           (0.0, 0.56)], 2)]),
    "Q": (0.62, [_rrect(0, 0, 1, 1, 0.45), [(0.58, 0.72), (1.0, 1.06)]]),
    "R": (0.56, [[(0.0, 1.0), (0.0, 0.0)],
                 _chaikin([(0.0, 0.0), (0.7, 0.0), (1.0, 0.14), (1.0, 0.4), (0.7, 0.53),
                           (0.0, 0.53)], 2), [(0.5, 0.53), (1.0, 1.0)]]),
    "S": (0.54, [_chaikin([(0.97, 0.14), (0.75, 0.0), (0.25, 0.0), (0.0, 0.16), (0.0, 0.34),
                           (0.2, 0.46), (0.8, 0.54), (1.0, 0.66), (1.0, 0.84), (0.75, 1.0),
                           (0.25, 1.0), (0.0, 0.86)])]),
    "T": (0.56, [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]]),
    "U": (0.56, [_chaikin([(0.0, 0.0), (0.0, 0.8), (0.22, 1.0), (0.78, 1.0), (1.0, 0.8),
                           (1.0, 0.0)], 2)]),
    "V": (0.6, [[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]]),
    "W": (0.74, [[(0.0, 0.0), (0.22, 1.0), (0.5, 0.3), (0.78, 1.0), (1.0, 0.0)]]),
    "X": (0.58, [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]]),
    "Y": (0.6, [[(0.0, 0.0), (0.5, 0.52), (1.0, 0.0)], [(0.5, 0.52), (0.5, 1.0)]]),
    "Z": (0.54, [[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]]),
    "0": (0.52, [_rrect(0, 0, 1, 1, 0.6)]),
    "1": (0.36, [[(0.0, 0.22), (0.65, 0.0), (0.65, 1.0)]]),
    "2": (0.54, [_chaikin([(0.0, 0.18), (0.25, 0.0), (0.75, 0.0), (1.0, 0.18), (1.0, 0.38),
                           (0.75, 0.55), (0.0, 1.0)], 2), [(0.0, 1.0), (1.0, 1.0)]]),
    "3": (0.54, [_chaikin([(0.0, 0.12), (0.25, 0.0), (0.75, 0.0), (1.0, 0.14), (1.0, 0.34),
                           (0.75, 0.47), (0.35, 0.47)], 2),
                 _chaikin([(0.75, 0.47), (1.0, 0.6), (1.0, 0.86), (0.75, 1.0), (0.25, 1.0),
                           (0.0, 0.88)], 2)]),
    "4": (0.58, [[(0.72, 1.0), (0.72, 0.0), (0.0, 0.7), (1.0, 0.7)]]),
    "5": (0.54, [[(0.95, 0.0), (0.05, 0.0), (0.0, 0.44)],
                 _chaikin([(0.0, 0.44), (0.3, 0.36), (0.78, 0.38), (1.0, 0.56), (1.0, 0.84),
                           (0.78, 1.0), (0.22, 1.0), (0.0, 0.88)], 2)]),
    "6": (0.54, _SIX),
    "7": (0.54, [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]]),
    "8": (0.56, [_rrect(0.06, 0.0, 0.94, 0.48, 0.6), _rrect(0.0, 0.48, 1.0, 1.0, 0.6)]),
    "9": (0.54, _flip(_SIX)),
}

# What differs between states' faces: an open-top 4, a 1 with a foot, a barred 7, a flat-top A;
# California's narrow face (about a third of the cars in the real validation photos) also has a W
# whose middle apex reaches the cap line, a deep M and a 4 whose stem runs the full height; its W
# is the widest glyph (half as wide again as a digit: real ones narrower were read as M).
VARIANTS: dict[str, dict[str, Glyph]] = {
    "PlateGothic": {},
    "PlateGothicOpen": {
        "4": (0.58, [[(0.3, 0.0), (0.0, 0.7), (1.0, 0.7)], [(0.72, 0.35), (0.72, 1.0)]]),
        "1": (0.4, [[(0.05, 0.22), (0.55, 0.0), (0.55, 1.0)], [(0.0, 1.0), (1.0, 1.0)]]),
        "7": (0.54, [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)], [(0.3, 0.52), (0.85, 0.52)]]),
        "I": (0.14, [[(0.5, 0.0), (0.5, 1.0)]]),
    },
    "PlateGothicCA": {
        "4": (0.58, [[(0.45, 0.0), (0.0, 0.68), (1.0, 0.68)], [(0.74, 0.0), (0.74, 1.0)]]),
        "W": (0.86, [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.0), (0.75, 1.0), (1.0, 0.0)]]),
        "M": (0.64, [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.78), (1.0, 0.0), (1.0, 1.0)]]),
        "I": (0.26, [[(0.5, 0.0), (0.5, 1.0)], [(0.0, 0.0), (1.0, 0.0)], [(0.0, 1.0), (1.0, 1.0)]]),
    },
}
NARROW = {"PlateGothicCA": 0.86}  # glyph width factor of a face

# Other shapes real plates give the characters the faces above draw one way, where the real
# crops show a reader keyed on those few shapes: a 1 whose flag is a short tick (Louisiana) or
# that is a bare bar (Connecticut, Massachusetts, New Hampshire: read as I between digits, at
# 0.95 and more, by an OCR that never saw one: v18 in OCR_HISTORY.md), a narrow W whose middle
# apex reaches the cap line or half-way (North Carolina, Colorado: read as M, N or H), an M
# whose middle vertex stops high or whose legs splay, a plain-bar I, a D with a round back
# (read as O or 0), a 9 whose tail is straight, slanted or upright (Illinois, New York: read
# as 7 by v19, which saw only the faces' curved 9). Only the training data draws them
# (`plate_render.ALT_GLYPH_SHARE`): the held-out sets keep the faces as they were. OCRs
# fine-tuned with them fixed their targets and broke as many other real reads (v12, v13, v18
# in OCR_HISTORY.md: not shipped); models trained with them from scratch read more real crops
# (v15, v16, v19 in OCR_HISTORY.md) but, so far, not more real scenes.
ALTERNATES: dict[str, list[Glyph]] = {
    "1": [(0.3, [[(0.1, 0.1), (0.6, 0.0), (0.6, 1.0)]]),
          (0.26, [[(0.2, 0.06), (0.6, 0.0), (0.6, 1.0)]]),
          (0.3, [[(0.6, 0.0), (0.6, 1.0)]])],  # a bare bar: only its cell tells it from an I
    "I": [(0.14, [[(0.5, 0.0), (0.5, 1.0)]])],
    "W": [(0.62, [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.0), (0.75, 1.0), (1.0, 0.0)]]),
          (0.6, [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.45), (0.75, 1.0), (1.0, 0.0)]])],
    "M": [(0.6, [[(0.0, 1.0), (0.0, 0.0), (0.5, 0.5), (1.0, 0.0), (1.0, 1.0)]]),
          (0.66, [[(0.0, 1.0), (0.12, 0.0), (0.5, 0.72), (0.88, 0.0), (1.0, 1.0)]])],
    "9": [(0.54, [_rrect(0.0, 0.0, 1.0, 0.56, 0.6), [(1.0, 0.3), (0.42, 1.0)]]),  # Illinois
          (0.54, [_rrect(0.0, 0.0, 1.0, 0.56, 0.6), [(1.0, 0.28), (1.0, 1.0)]])],
    "D": [(0.58, [[(0.0, 0.0), (0.0, 1.0)],
                  _chaikin([(0.0, 0.0), (0.45, 0.0), (1.0, 0.3), (1.0, 0.7), (0.45, 1.0),
                            (0.0, 1.0)], 3)])],
}


class StrokeFont:
    """A monoline plate face: `render_text` like `truetype.Font`, drawn from centre lines."""

    def __init__(self, name: str, weight: float) -> None:
        if name not in VARIANTS:
            raise KeyError(name)
        self.name = f"{name}-{'Bold' if weight >= 0.15 else 'Regular'}"
        self.own = frozenset(VARIANTS[name])  # the characters this face draws its own way
        self.weight = weight  # stroke width as a fraction of the cap height
        k = self.width_factor = NARROW.get(name, 1.0)
        self.glyphs = {ch: (w * k, p) for ch, (w, p) in {**BASE, **VARIANTS[name]}.items()}

    def varied(self, rng: np.random.Generator, share: float = 0.5) -> StrokeFont:
        """This face with each character of `ALTERNATES`, at `share`, drawn one of its other
        shapes instead (one draw per character, whatever the face), except the characters the
        face draws its own way (`VARIANTS`: California's wide W and deep M stay California's;
        v12, trained with them replaced, read California's W as H)."""
        out = copy.copy(self)
        out.glyphs = dict(self.glyphs)
        for ch, alts in ALTERNATES.items():
            pick, use = int(rng.integers(len(alts))), rng.random() < share
            if use and ch not in self.own:
                w, paths = alts[pick]
                out.glyphs[ch] = (w * self.width_factor, paths)
        return out

    def render_text(self, text: str, height_px: int, tracking: float = 0.05) -> npt.NDArray[Any]:
        """A 0/255 mask of `text`, cap height about `height_px`, tight to the glyphs."""
        th = max(1.0, self.weight * height_px)
        inner = height_px - th
        pad = int(th) + 2
        x = float(pad)
        lines: list[npt.NDArray[np.int32]] = []
        for ch in text:
            if ch not in self.glyphs:
                x += 0.4 * height_px
                continue
            width, paths = self.glyphs[ch]
            gw = max(width * height_px - th, 1.0)
            for p in paths:
                pts = np.array([(x + th / 2 + px * gw, pad + th / 2 + py * inner) for px, py in p])
                lines.append(np.round(pts * 16).astype(np.int32))
            x += gw + th + tracking * height_px
        w = int(x) + pad
        mask = np.zeros((height_px + 2 * pad + int(0.1 * height_px), max(w, 1)), np.uint8)
        if lines:
            cv2.polylines(mask, lines, False, 255, thickness=round(th), lineType=cv2.LINE_AA,
                          shift=4)
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            return mask
        return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def stroke_fonts() -> list[StrokeFont]:
    """The plate faces, most common look first."""
    return [StrokeFont("PlateGothic", 0.16), StrokeFont("PlateGothicCA", 0.13),
            StrokeFont("PlateGothicOpen", 0.13), StrokeFont("PlateGothic", 0.12),
            StrokeFont("PlateGothicCA", 0.11), StrokeFont("PlateGothicOpen", 0.18)]
