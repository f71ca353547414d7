"""`PlateReader`: find plates in a BGR frame and read them with the ONNX OCR model."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.models.plate_reader.ctc import decode
from edge.models.plate_reader.errors import PlateImageError, PlateModelInvalid, PlateModelMissing
from edge.models.plate_reader.locate import Box, LocateParams, candidates
from edge.models.plate_reader.vote import PlateText

log = logging.getLogger(__name__)

INPUT_H, INPUT_W = 32, 128
MIN_LEN, MAX_LEN = 2, 8
SHORT_LEN, SHORT_MIN_CONFIDENCE = 4, 0.8  # 2-3 character reads are mostly not plates


def default_model_path() -> Path:
    """The OCR model shipped in `edge.models.plates`."""
    return Path(str(resources.files("edge.models.plates").joinpath("plate_ocr.onnx")))


def _to_grey(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        raise PlateImageError("image must be a non-empty uint8 array")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise PlateImageError("image must be grey, BGR or BGRA", shape=list(image.shape))


def _crop(grey: npt.NDArray[Any], box: Box, mx: float, my: float) -> npt.NDArray[Any]:
    x, y, w, h = box
    x0, y0 = max(0, int(x - w * mx)), max(0, int(y - h * my))
    x1 = min(grey.shape[1], int(x + w * (1 + mx)))
    y1 = min(grey.shape[0], int(y + h * (1 + my)))
    roi = grey[y0:y1, x0:x1]
    interp = cv2.INTER_AREA if roi.shape[1] > INPUT_W else cv2.INTER_LINEAR
    return cv2.resize(roi, (INPUT_W, INPUT_H), interpolation=interp)


class PlateReader:
    """Localise and read licence plates; one onnxruntime session, warmed at construction."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        intra_op_threads: int = 1,
        min_confidence: float = 0.5,
        locate: LocateParams | None = None,
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        if not path.is_file():
            raise PlateModelMissing("plate OCR model not found", path=str(path))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = intra_op_threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"]
            )
            self._input = self._session.get_inputs()[0].name
            self._ocr(np.zeros((1, 1, INPUT_H, INPUT_W), np.float32))  # warm-up
        except Exception as err:  # onnxruntime raises several unrelated types
            raise PlateModelInvalid("plate OCR model cannot be loaded", path=str(path)) from err
        self.model_path = path
        self.min_confidence = min_confidence
        self.locate = locate if locate is not None else LocateParams()

    def _ocr(self, batch: npt.NDArray[Any]) -> list[tuple[str, float]]:
        out = self._session.run(None, {self._input: batch})[0]
        return [decode(out[i]) for i in range(out.shape[0])]

    def read_crops(self, crops: list[npt.NDArray[Any]]) -> list[tuple[str, float]]:
        """OCR already-cut plate images (grey or BGR): [(text, confidence)] in order."""
        if not crops:
            return []
        batch = np.empty((len(crops), 1, INPUT_H, INPUT_W), np.float32)
        for i, c in enumerate(crops):
            g = _to_grey(c)
            batch[i, 0] = _crop(g, (0, 0, g.shape[1], g.shape[0]), 0.0, 0.0)
        return self._ocr(batch)

    def read(self, image: npt.NDArray[Any]) -> list[PlateText]:
        """Plates in a BGR (or grey) frame, most confident first; [] when there is none."""
        grey = _to_grey(image)
        boxes = [b for b, _ in candidates(grey, self.locate)]
        h, w = grey.shape
        if w <= 480 and 1.2 <= w / h <= 5.0:  # the image may itself be a plate crop
            boxes.append((0, 0, w, h))
        if not boxes:
            return []
        batch = np.empty((len(boxes), 1, INPUT_H, INPUT_W), np.float32)
        for i, b in enumerate(boxes):
            # the closed edge blob already spans the plate's characters and some border:
            # crop it as is (wider margins measurably hurt the OCR)
            batch[i, 0] = _crop(grey, b, 0.0, 0.0)
        reads = []
        for box, (text, conf) in zip(boxes, self._ocr(batch), strict=True):
            floor = SHORT_MIN_CONFIDENCE if len(text) < SHORT_LEN else 0.0
            if MIN_LEN <= len(text) <= MAX_LEN and conf >= max(self.min_confidence, floor):
                reads.append(PlateText(text, round(conf, 4), box))
        reads.sort(key=lambda r: -r.confidence)
        kept: list[PlateText] = []
        for r in reads:
            if not any(_overlap(r.box, k.box) for k in kept):
                kept.append(r)
        return kept


def _overlap(a: Box, b: Box) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy > 0.3 * min(aw * ah, bw * bh)
