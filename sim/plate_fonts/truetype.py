"""A minimal TrueType reader: enough of `cmap`/`glyf`/`hmtx` to draw plate characters.

opencv-python-headless has no FreeType module and PIL is not a dependency, so the plate
renderer reads glyph outlines itself (simple glyphs only, quadratic curves flattened to
polygons) and fills them with `cv2.fillPoly`. Only the font files found on the machine are
used; none are shipped.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/share/fonts/opentype", "/usr/local/share/fonts")

# Condensed/bold sans faces look most like plate lettering; the rest add variety.
PREFERRED = (
    "LiberationSansNarrow-Bold",
    "LiberationSansNarrow-Regular",
    "RobotoCondensed-Bold",
    "RobotoCondensed-Medium",
    "RobotoCondensed-Regular",
    "DejaVuSansCondensed-Bold",
    "DejaVuSansCondensed",
    "DejaVuSans-Bold",
    "DejaVuSansMono-Bold",
    "LiberationSans-Bold",
    "LiberationMono-Bold",
    "DejaVuSerifCondensed-Bold",
    "LiberationSerif-Bold",
    "RobotoCondensed-Light",
)

Contour = npt.NDArray[Any]


class Font:
    """Glyph outlines of one TrueType file, in font units (y up)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.name = Path(path).stem
        data = Path(path).read_bytes()
        self._data = data
        num_tables = struct.unpack_from(">H", data, 4)[0]
        self._tables: dict[str, int] = {}
        for i in range(num_tables):
            tag, _sum, off, _len = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            self._tables[tag.decode("latin-1")] = off
        head = self._tables["head"]
        self.units_per_em = struct.unpack_from(">H", data, head + 18)[0]
        self._long_loca = struct.unpack_from(">h", data, head + 50)[0] == 1
        hhea = self._tables["hhea"]
        self.ascent, self.descent = struct.unpack_from(">hh", data, hhea + 4)
        self._num_hmetrics = struct.unpack_from(">H", data, hhea + 34)[0]
        self._cmap = self._read_cmap()

    def _read_cmap(self) -> dict[int, int]:
        data, base = self._data, self._tables["cmap"]
        count = struct.unpack_from(">H", data, base + 2)[0]
        sub = None
        for i in range(count):
            plat, enc, off = struct.unpack_from(">HHI", data, base + 4 + 8 * i)
            if (plat, enc) in ((3, 1), (0, 3), (0, 4), (3, 10)):
                if struct.unpack_from(">H", data, base + off)[0] == 4:
                    sub = base + off
                    break
        if sub is None:
            raise ValueError(f"{self.name}: no format-4 cmap")
        seg2 = struct.unpack_from(">H", data, sub + 6)[0]
        n = seg2 // 2
        ends = struct.unpack_from(f">{n}H", data, sub + 14)
        starts = struct.unpack_from(f">{n}H", data, sub + 16 + seg2)
        deltas = struct.unpack_from(f">{n}h", data, sub + 16 + 2 * seg2)
        ro_base = sub + 16 + 3 * seg2
        ranges = struct.unpack_from(f">{n}H", data, ro_base)
        out: dict[int, int] = {}
        for ch in range(32, 127):
            for i in range(n):
                if starts[i] <= ch <= ends[i]:
                    if ranges[i] == 0:
                        gid = (ch + deltas[i]) & 0xFFFF
                    else:
                        addr = ro_base + 2 * i + ranges[i] + 2 * (ch - starts[i])
                        gid = struct.unpack_from(">H", data, addr)[0]
                        gid = (gid + deltas[i]) & 0xFFFF if gid else 0
                    out[ch] = gid
                    break
        return out

    def advance(self, ch: str) -> int:
        gid = self._cmap.get(ord(ch), 0)
        idx = min(gid, self._num_hmetrics - 1)
        return int(struct.unpack_from(">H", self._data, self._tables["hmtx"] + 4 * idx)[0])

    def contours(self, ch: str) -> list[Contour]:
        """Flattened outline polygons of `ch` in font units (y up); [] for a space."""
        return _contours_cached(self, ch)

    def _glyph_contours(self, ch: str) -> list[Contour]:
        gid = self._cmap.get(ord(ch), 0)
        data, loca = self._data, self._tables["loca"]
        if self._long_loca:
            start, end = struct.unpack_from(">II", data, loca + 4 * gid)
        else:
            s, e = struct.unpack_from(">HH", data, loca + 2 * gid)
            start, end = 2 * s, 2 * e
        if end <= start:
            return []
        g = self._tables["glyf"] + start
        ncont = struct.unpack_from(">h", data, g)[0]
        if ncont <= 0:
            return []  # composite glyphs are not needed for A-Z 0-9
        end_pts = struct.unpack_from(f">{ncont}H", data, g + 10)
        npts = end_pts[-1] + 1
        p = g + 10 + 2 * ncont
        ilen = struct.unpack_from(">H", data, p)[0]
        p += 2 + ilen
        flags: list[int] = []
        while len(flags) < npts:
            f = data[p]
            p += 1
            flags.append(f)
            if f & 8:
                flags.extend([f] * data[p])
                p += 1
        xs, p = _coords(data, p, flags, 2, 16)
        ys, p = _coords(data, p, flags, 4, 32)
        out: list[Contour] = []
        first = 0
        for last in end_pts:
            pts = [(xs[i], ys[i], bool(flags[i] & 1)) for i in range(first, last + 1)]
            first = last + 1
            out.append(_flatten(pts))
        return out

    def render_text(self, text: str, height_px: int, tracking: float = 0.05) -> npt.NDArray[Any]:
        """A 0/255 mask of `text`, cap height about `height_px`, tight to the glyphs."""
        cap = self._cap_height()
        scale = height_px / cap
        pad = max(2, height_px // 8)
        x = 0.0
        polys: list[npt.NDArray[np.int32]] = []
        for ch in text:
            for c in self.contours(ch):
                pts = np.empty_like(c)
                pts[:, 0] = (c[:, 0] + x) * scale + pad
                pts[:, 1] = (cap - c[:, 1]) * scale + pad
                polys.append(np.round(pts * 16).astype(np.int32))
            x += self.advance(ch) + tracking * self.units_per_em
        width = int(x * scale) + 2 * pad
        mask = np.zeros((height_px + 2 * pad + int(height_px * 0.3), max(width, 1)), np.uint8)
        if polys:
            cv2.fillPoly(mask, polys, 255, lineType=cv2.LINE_AA, shift=4)
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            return mask[:, :1] * 0 if width <= 0 else mask
        return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]

    def _cap_height(self) -> float:
        cs = self.contours("H")
        if not cs:
            return float(self.units_per_em) * 0.7
        return float(max(c[:, 1].max() for c in cs))


def _coords(
    data: bytes, p: int, flags: list[int], short_bit: int, same_bit: int
) -> tuple[list[int], int]:
    vals: list[int] = []
    v = 0
    for f in flags:
        if f & short_bit:
            d = data[p]
            p += 1
            v += d if f & same_bit else -d
        elif not f & same_bit:
            v += struct.unpack_from(">h", data, p)[0]
            p += 2
        vals.append(v)
    return vals, p


def _flatten(pts: list[tuple[int, int, bool]], steps: int = 5) -> Contour:
    """Quadratic B-spline contour (TrueType on/off-curve points) to a closed polygon."""
    n = len(pts)
    # rotate so that we start at an on-curve point (or a synthetic midpoint)
    on_idx = next((i for i, q in enumerate(pts) if q[2]), None)
    if on_idx is None:
        a, b = pts[0], pts[1]
        start = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        seq = [*pts[1:], pts[0]]
    else:
        start = (float(pts[on_idx][0]), float(pts[on_idx][1]))
        seq = pts[on_idx + 1 :] + pts[: on_idx + 1]
    out = [start]
    cur = start
    ctrl: tuple[float, float] | None = None
    for x, y, on in seq:
        if on:
            if ctrl is None:
                out.append((x, y))
            else:
                out.extend(_quad(cur, ctrl, (x, y), steps))
                ctrl = None
            cur = (x, y)
        else:
            if ctrl is not None:
                mid = ((ctrl[0] + x) / 2, (ctrl[1] + y) / 2)
                out.extend(_quad(cur, ctrl, mid, steps))
                cur = mid
            ctrl = (x, y)
    if ctrl is not None:
        out.extend(_quad(cur, ctrl, start, steps))
    del n
    return np.asarray(out, dtype=np.float64)


def _quad(
    a: tuple[float, float], c: tuple[float, float], b: tuple[float, float], steps: int
) -> list[tuple[float, float]]:
    ts = np.linspace(0, 1, steps + 1)[1:]
    return [
        (
            (1 - t) ** 2 * a[0] + 2 * (1 - t) * t * c[0] + t * t * b[0],
            (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * c[1] + t * t * b[1],
        )
        for t in ts
    ]


@lru_cache(maxsize=4096)
def _contours_cached(font: Font, ch: str) -> list[Contour]:
    return font._glyph_contours(ch)


def find_fonts(dirs: tuple[str, ...] = FONT_DIRS) -> list[Font]:
    """Plate-like fonts found on this machine, in `PREFERRED` order (deterministic)."""
    found: dict[str, Path] = {}
    for d in dirs:
        base = Path(d)
        if base.is_dir():
            for f in sorted(base.rglob("*.ttf")):
                found.setdefault(f.stem, f)
    fonts: list[Font] = []
    for name in PREFERRED:
        if name in found:
            try:
                fonts.append(Font(found[name]))
            except (ValueError, KeyError, struct.error):
                continue
    return fonts
