"""Learned plate localisation: a small fully convolutional ONNX net marks plate pixels.

The frame is shrunk to `WORK_W` pixels wide and the net gives, for each 4x4 block of it, the
probability that the block lies on a plate (`models/plates/train_detector.py` trains it on
rendered scenes). Blocks above `THRESHOLD` that touch make one plate; its box goes back to
frame pixels. It finds plates the edge search loses among a busy background (a grille, a
textured bumper), where edges alone cannot tell characters from bars; the reader reads its
boxes beside the edge search's, unless the edge search's reads settle the frame already
(`PlateReader.read`, `reader.settled`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.models.plate_reader.locate import Box
from edge.models.plate_reader.session import open_session

WORK_W = 384  # the width frames are shrunk to (a 1280x720 frame: 384x216)
STRIDE = 4  # one output cell per 4x4 input pixels
ALIGN = 8  # the net halves the image three times: sides are padded to a multiple of 8
# the three below were set before any measurement and not tuned (DETECTOR_CARD.md: keeping
# only boxes scoring 0.9 or more read the tuning seeds alike, 280 -> 279 textured)
THRESHOLD = 0.5  # cells at or above this probability are plate
MIN_CELLS = 3  # a smaller group of cells is noise
MAX_BOXES = 4  # a frame's most probable groups; each costs OCR runs


def default_detector_path() -> Path:
    """The detector shipped in `edge.models.plates`."""
    return Path(str(resources.files("edge.models.plates").joinpath("plate_detector.onnx")))


def prepare(grey: npt.NDArray[Any], width: int = WORK_W) -> tuple[npt.NDArray[np.float32], float]:
    """The net's input for a grey frame (1 x 1 x H x W, 0..255, sides padded to a multiple of
    `ALIGN` with the edge's pixels) and the scale the frame was shrunk by."""
    h0, w0 = grey.shape[:2]
    scale = width / w0
    w, h = width, max(ALIGN, round(h0 * scale))
    small = cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    ph, pw = -h % ALIGN, -w % ALIGN
    if ph or pw:
        small = cv2.copyMakeBorder(small, 0, ph, 0, pw, cv2.BORDER_REPLICATE)
    return small[None, None].astype(np.float32), scale


def boxes_of(prob: npt.NDArray[Any], scale: float, threshold: float = THRESHOLD) -> list[tuple[Box, float]]:
    """Groups of plate cells in a probability map (H/4 x W/4) as frame boxes, best first:
    [((x, y, w, h), score)], the score being the group's highest probability."""
    mask = (prob >= threshold).astype(np.uint8)
    n, labels, stats, _c = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found: list[tuple[Box, float]] = []
    k = STRIDE / scale
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < MIN_CELLS:
            continue
        score = float(prob[labels == i].max())
        found.append(((int(x * k), int(y * k), int(np.ceil(w * k)), int(np.ceil(h * k))), score))
    found.sort(key=lambda t: -t[1])
    return found[:MAX_BOXES]


class PlateDetector:
    """One onnxruntime session of the detector, warmed at construction."""

    def __init__(self, model_path: str | Path | None = None, intra_op_threads: int = 1) -> None:
        path = Path(model_path) if model_path is not None else default_detector_path()
        blank = prepare(np.zeros((72, 128), np.uint8))[0]
        self._session = open_session(path, intra_op_threads, "plate detector", blank)
        self._input = self._session.get_inputs()[0].name
        self.model_path = path

    def probabilities(self, grey: npt.NDArray[Any]) -> tuple[npt.NDArray[np.float32], float]:
        """The plate probability of each 4x4 block of the shrunk frame, and the shrink scale."""
        x, scale = prepare(grey)
        prob = self._session.run(None, {self._input: x})[0][0, 0]
        return prob, scale

    def boxes(self, grey: npt.NDArray[Any]) -> list[tuple[Box, float]]:
        """Plates in a grey frame, best first: [((x, y, w, h), score)] in frame pixels."""
        prob, scale = self.probabilities(grey)
        return boxes_of(prob, scale)
