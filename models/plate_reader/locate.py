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

    # frames are shrunk to this width before the edge search: 800 rather than 960 (500 scenes
    # of the tuning seed 4242: 461 right instead of 458, 29 frames/s instead of 25 on one core)
    work_width: int = 800
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
    # the second source (`character_rows`): rows of character-like shapes, found by a local
    # threshold, for plates whose edges a frame-wide gradient threshold loses (a textured
    # bumper, a grille, a grainy sensor)
    row_candidates: int = 4
    char_min_h: int = 7
    char_max_h: int = 48


def _blobs(edges: Grey, kernel: tuple[int, int]) -> list[Box]:
    k = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, k)
    closed = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [tuple(int(v) for v in cv2.boundingRect(c)) for c in contours]  # type: ignore[misc]


Shrunk = tuple[Grey, float]  # a frame at the working width, and the scale it was shrunk by


def shrink(grey: Grey, params: LocateParams = LocateParams()) -> Shrunk:
    """The frame at the working width (never enlarged) and the scale it was shrunk by. Both
    searches work on it: a reader that runs both shrinks the frame once and hands it to each
    (the shrink is a third of the edge search)."""
    h0, w0 = grey.shape[:2]
    scale = min(1.0, params.work_width / w0)
    if scale == 1.0:
        return grey, scale
    return cv2.resize(grey, (int(w0 * scale), int(h0 * scale)), interpolation=cv2.INTER_AREA), scale


def _best(found: list[tuple[Box, float]], n: int, scale: float) -> list[tuple[Box, float]]:
    """The n best-scored boxes, none overlapping a better one much, back in frame pixels."""
    out: list[tuple[Box, float]] = []
    for box, score in sorted(found, key=lambda t: -t[1]):
        if any(_iou(box, b) > 0.5 for b, _ in out):
            continue
        out.append((box, score))
        if len(out) >= n:
            break
    inv = 1.0 / scale
    return [
        ((max(0, int(x * inv)), max(0, int(y * inv)), int(w * inv), int(h * inv)), s)
        for (x, y, w, h), s in out
    ]


def candidates(
    grey: Grey, params: LocateParams = LocateParams(), shrunk: Shrunk | None = None
) -> list[tuple[Box, float]]:
    """Plate-like regions of a grey frame, best first: [((x, y, w, h), score)] in frame pixels.
    `shrunk` is the frame's `shrink`, when the caller has it already."""
    small, scale = shrunk if shrunk is not None else shrink(grey, params)
    # |d/dx| up to 4 x 255, kept whole: saturated at 255, a grainy frame's percentile reached
    # the top and no edge at all was left above it (a grainy real scene had no candidate)
    mag = np.abs(cv2.Sobel(small, cv2.CV_16S, 1, 0, ksize=3))
    thr = max(params.min_edge, float(np.percentile(mag[::4, ::4], params.edge_percentile)))
    # 255 where mag > thr (OpenCV takes a scalar here, which its stubs do not say)
    edges = cv2.compare(mag, thr, cv2.CMP_GT)  # type: ignore[call-overload]
    seen: list[tuple[Box, float]] = []
    for kernel in params.kernels:
        for x, y, w, h in _blobs(edges, kernel):
            if not (params.min_w <= w <= params.max_w and params.min_h <= h <= params.max_h):
                continue
            aspect = w / h
            if not params.min_aspect <= aspect <= params.max_aspect:
                continue
            # counted in the few blobs that get here: cheaper than a whole-frame integral image
            density = cv2.countNonZero(edges[y : y + h, x : x + w]) / (w * h)
            if density < params.min_density:
                continue
            score = density * min(1.0, aspect / 2.0) * np.sqrt(w * h)
            seen.append(((x, y, w, h), float(score)))
    return _best(seen, params.max_candidates, scale)


def character_rows(
    grey: Grey, params: LocateParams = LocateParams(), shrunk: Shrunk | None = None
) -> list[tuple[Box, float]]:
    """Rows of three or more dark character-like shapes of one height, best first, as
    plate-like boxes in frame pixels: [((x, y, w, h), score)].

    The frame is thresholded against each pixel's neighbourhood, the connected components
    shaped like a character are kept, and each is drawn as a band through its middle, widened
    by a third of its height on both sides: the characters of one row touch, those of the rows
    above and below do not. A band of 3 to 10 shapes whose heights agree is a row; the plate is
    the row's box with `REFINE_MARGIN`. Dark characters on a light plate only: the reverse
    polarity as well found fewer real plates among the first `row_candidates` (71 of 99 real
    scenes instead of 74) at twice the cost. `shrunk` as in `candidates`.
    """
    small, scale = shrunk if shrunk is not None else shrink(grey, params)
    bw = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 8)
    _n, _lab, stats, _c = cv2.connectedComponentsWithStats(bw, connectivity=8)
    cx, cy, cw, ch, area = (stats[1:, k].astype(np.int64) for k in range(5))
    keep = (
        (ch >= params.char_min_h) & (ch <= params.char_max_h)
        & (cw >= 0.12 * ch) & (cw <= 1.1 * ch)
        & (area >= 0.2 * cw * ch) & (area <= 0.85 * cw * ch)
    )  # fmt: skip
    xs, ys, ws, hs = cx[keep], cy[keep], cw[keep], ch[keep]
    bands = np.zeros_like(small)
    for x, y, w, h in zip(xs, ys, ws, hs, strict=True):
        pad = h // 3
        cv2.rectangle(bands, (int(x - pad), int(y + pad)), (int(x + w + pad), int(y + 2 * pad)), 255, -1)
    n_rows, rows = cv2.connectedComponents(bands, connectivity=4)
    row_of = rows[ys + hs // 2, xs + ws // 2]  # the middle of each shape is in its band
    sizes = np.bincount(row_of, minlength=n_rows)
    found: list[tuple[Box, float]] = []
    mx, my = REFINE_MARGIN
    for r in np.flatnonzero((sizes >= 3) & (sizes <= 10)):
        member = row_of == r
        mh = float(np.median(hs[member]))
        ok = member & (np.abs(hs - mh) <= 0.25 * mh)
        if int(ok.sum()) < 3:
            continue
        x0, y0 = int(xs[ok].min()), int(ys[ok].min())
        x1, y1 = int((xs[ok] + ws[ok]).max()), int((ys[ok] + hs[ok]).max())
        if (x1 - x0) < 1.5 * (y1 - y0):
            continue
        cw_, ch_ = x1 - x0, y1 - y0
        box = (int(x0 - mx * cw_), int(y0 - my * ch_), int((1 + 2 * mx) * cw_), int((1 + 2 * my) * ch_))
        found.append((box, float(min(int(ok.sum()), 8) * mh)))  # longer rows of taller shapes first
    return _best(found, params.row_candidates, scale)


def _iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


# A candidate's box is the closed edge blob: it often takes in a bolt, a frame's lettering or the
# next emblem, and it sits on the characters rather than on the plate, while the OCR was trained
# mostly on whole-plate crops. `refine` finds the row of character-like shapes inside (both
# polarities) and returns the plate-like box around them: the characters' box widened by
# REFINE_MARGIN (fractions of its width and height on each side). The margin and the shape
# limits below were chosen on the real validation photos and 150 held-out synthetic scenes.
REFINE_MARGIN = (0.15, 0.45)


ROI_GROW = 0.4  # how far beyond the candidate's box (fraction of its width) the row may reach


def _row(comps: list[Box], seed: Box) -> list[Box]:
    """The shapes in line with `seed`: from the row's end, the nearest shape of about the seed's
    height, level with that end (so a tilted plate's row drifts), no further than an emblem
    between groups; first rightwards, then leftwards."""
    hs = seed[3]
    like = [c for c in comps if abs(c[3] - hs) < 0.25 * hs]
    row = [seed]
    for step in (1, -1):
        end = seed
        while True:
            best: tuple[float, Box] | None = None
            for c in like:
                gap = c[0] - (end[0] + end[2]) if step > 0 else end[0] - (c[0] + c[2])
                level = abs(c[1] + c[3] / 2 - end[1] - end[3] / 2) < 0.35 * hs
                if (
                    -0.3 * hs <= gap <= 2.5 * hs
                    and level
                    and c not in row
                    and (best is None or gap < best[0])
                ):
                    best = (gap, c)
            if best is None:
                break
            end = best[1]
            row.append(end)
    return row


# A grille, fence or ribbed bumper beside the plate makes a row of shapes too, often longer
# than the plate's: a row mostly of thin upright bars is not taken for characters (tuning
# seeds, 2026-11-27: textured scenes of seed 4545 243 -> 244 of 300, flat 4242 and stacked 778
# unchanged; an extra threshold at half the block size for candidates that take in a grille
# found more plates in textured scenes, 246, but lost flat 942 -> 925 and stacked 225 -> 214)
GRILLE_THIN = 0.25  # a shape narrower than this share of its height is a bar (or a 1 or an I)
GRILLE_SHARE = 0.6  # ... and a row of which more than this share are bars is a grille


def _bars(row: list[Box]) -> bool:
    """Whether a row of shapes is a grille or fence (mostly thin upright bars), not text."""
    thin = sum(1 for c in row if c[2] < GRILLE_THIN * c[3])
    return thin > GRILLE_SHARE * len(row)


@dataclass(frozen=True, slots=True)
class Row:
    """The row of character shapes found around a candidate, in frame pixels, and the smaller
    shapes of the same polarity beside it (where a plate's stacked characters are)."""

    shapes: tuple[Box, ...]
    small: tuple[Box, ...]

    @property
    def box(self) -> Box:
        """The box of the row's shapes."""
        x0 = min(c[0] for c in self.shapes)
        y0 = min(c[1] for c in self.shapes)
        x1 = max(c[0] + c[2] for c in self.shapes)
        y1 = max(c[1] + c[3] for c in self.shapes)
        return (x0, y0, x1 - x0, y1 - y0)


SMALL = (0.3, 0.65)  # heights, as shares of the row's, of the shapes kept in `Row.small`


def find_row(grey: Grey, box: Box) -> Row | None:
    """The longest row of character-like connected components around `box` (not a row of
    bars, `_bars`), with the smaller shapes beside it; None when no row of three is found."""
    x, y, w, h = box
    hh, ww = grey.shape[:2]
    x0, y0 = max(0, int(x - ROI_GROW * w)), max(0, int(y - 0.5 * h))
    x1, y1 = min(ww, int(x + (1 + ROI_GROW) * w)), min(hh, int(y + 1.5 * h))
    roi = grey[y0:y1, x0:x1]
    if roi.shape[0] < 8 or roi.shape[1] < 8:
        return None
    block = max(3, (h // 2) | 1)
    best: list[Box] = []
    best_stats: npt.NDArray[Any] | None = None
    for src in (roi, 255 - roi):
        bw = cv2.adaptiveThreshold(src, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 5)
        _n, _lab, stats, _c = cv2.connectedComponentsWithStats(bw, connectivity=8)
        cx, cy, cw, ch, area = (stats[1:, k].astype(np.int64) for k in range(5))
        keep = (
            (4 * ch >= h) & (ch <= 1.6 * h)
            & (cw >= 0.08 * ch) & (cw <= 2.5 * ch)  # two characters that touch: one component
            & (area >= 0.15 * cw * ch) & (area <= 0.9 * cw * ch)
            & (cx > 0) & (cy > 0) & (cx + cw < roi.shape[1]) & (cy + ch < roi.shape[0])
        )  # fmt: skip
        comps: list[Box] = [
            (int(a), int(b), int(c), int(d))
            for a, b, c, d in zip(cx[keep], cy[keep], cw[keep], ch[keep], strict=True)
        ]
        for a in comps:
            row = _row(comps, a)
            if not _bars(row) and len(row) > len(best):
                best, best_stats = row, stats
    if len(best) < 3 or best_stats is None:
        return None
    mh = float(np.median([c[3] for c in best]))
    cx, cy, cw, ch, area = (best_stats[1:, k].astype(np.int64) for k in range(5))
    small = (
        (ch >= SMALL[0] * mh) & (ch <= SMALL[1] * mh)
        & (cw >= 0.08 * ch) & (cw <= 1.5 * ch)
        & (area >= 0.15 * cw * ch) & (area <= 0.9 * cw * ch)
    )  # fmt: skip
    return Row(
        tuple((x0 + a, y0 + b, c, d) for a, b, c, d in best),
        tuple(
            (x0 + int(a), y0 + int(b), int(c), int(d))
            for a, b, c, d in zip(cx[small], cy[small], cw[small], ch[small], strict=True)
        ),
    )


def _chars(grey: Grey, box: Box) -> Box | None:
    """The box of the row of characters around `box` (`find_row`)."""
    row = find_row(grey, box)
    return None if row is None else row.box


def plate_box(grey: Grey, chars: Box) -> Box:
    """The plate-like box around a row of characters: `REFINE_MARGIN` on each side, within the
    frame."""
    cx, cy, cw, ch = chars
    mx, my = REFINE_MARGIN
    hh, ww = grey.shape[:2]
    x0, y0 = max(0, int(cx - mx * cw)), max(0, int(cy - my * ch))
    x1, y1 = min(ww, int(cx + cw * (1 + mx))), min(hh, int(cy + ch * (1 + my)))
    return (x0, y0, x1 - x0, y1 - y0)


def refine(grey: Grey, box: Box) -> Box | None:
    """The plate-like box around the characters in a candidate `box`; None when no row of at
    least three character shapes is found there."""
    chars = _chars(grey, box)
    return None if chars is None else plate_box(grey, chars)
