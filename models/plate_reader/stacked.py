"""Two small characters stacked before a plate's row (HM over each other, then F092), laid
out in line for the OCR.

The OCR reads left to right: two characters one above the other, each half the row's height,
share the same columns of its input, and it often reads one of them or neither (H947PC read
47PC). When a row of characters has such a pair just before it, the reader also reads the
plate drawn again in one line: the upper character, the lower one, then the row, each at the
row's height.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.models.plate_reader.locate import REFINE_MARGIN, Box, Row

Grey = npt.NDArray[Any]

# how far before the row's first character the pair may end, in row heights
MAX_GAP = 1.0
# the pair reaches this close (share of the row's height) to the row's top and bottom
SPAN_SLACK = 0.2


def stacked_pair(row: Row) -> tuple[Box, Box] | None:
    """The pair of small shapes stacked just before the row's first character, upper first:
    each within the row's height, one in its upper half and one in its lower, together
    spanning most of it, overlapping horizontally; the pair nearest the row when there are
    several."""
    first = min(row.shapes, key=lambda c: c[0])
    _x, top, _w, height = row.box
    mid = top + height / 2
    slack = 0.15 * height
    near = [
        c
        for c in row.small
        if first[0] - MAX_GAP * height <= c[0] + c[2] <= first[0] + 0.1 * height
        and c[1] >= top - slack
        and c[1] + c[3] <= top + height + slack
    ]
    uppers = [c for c in near if c[1] + c[3] / 2 < mid]
    lowers = [c for c in near if c[1] + c[3] / 2 > mid]
    best: tuple[int, Box, Box] | None = None
    for u in uppers:
        for lo in lowers:
            overlap = min(u[0] + u[2], lo[0] + lo[2]) - max(u[0], lo[0])
            if overlap < 0.5 * min(u[2], lo[2]) or u[1] + u[3] > lo[1] + slack:
                continue
            if u[1] > top + SPAN_SLACK * height or lo[1] + lo[3] < top + (1 - SPAN_SLACK) * height:
                continue
            end = max(u[0] + u[2], lo[0] + lo[2])
            if best is None or end > best[0]:
                best = (end, u, lo)
    return None if best is None else (best[1], best[2])


def in_line(grey: Grey, row: Row, pair: tuple[Box, Box]) -> Grey:
    """The plate in one line: the pair's characters side by side before the row's, each
    scaled to the row's height, on the plate's own background, with the refinement's
    margins."""
    rx, ry, rw, rh = row.box
    start = max(rx, max(x + w for x, _y, w, _h in pair) + 1)  # the row after the pair
    pieces: list[Grey] = []
    for x, y, w, h in pair:
        piece = grey[y : y + h, x : x + w]
        pieces.append(cv2.resize(piece, (max(1, round(w * rh / h)), rh), interpolation=cv2.INTER_LINEAR))
    main = grey[ry : ry + rh, start : rx + rw]
    # the plate's background: most of a row's box is background, so its median is
    background = int(np.median(main))
    gap = np.full((rh, max(1, rh // 5)), background, np.uint8)
    line = np.hstack([pieces[0], gap, pieces[1], gap, main])
    mx, my = round(REFINE_MARGIN[0] * line.shape[1]), round(REFINE_MARGIN[1] * rh)
    return cv2.copyMakeBorder(line, my, my, mx, mx, cv2.BORDER_CONSTANT, value=background)
