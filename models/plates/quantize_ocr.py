"""Quantise the trained plate OCR to 8 bits: the file the reader ships.

    python models/plates/quantize_ocr.py        # plate_ocr_fp32.onnx -> plate_ocr.onnx

`train_ocr.py` writes the float model (`plate_ocr_fp32.onnx`, kept as the master that later
training starts from). This script runs onnxruntime's static quantisation on it: weights int8
per output channel, activations uint8, in QDQ form (onnxruntime's recommended format), their
ranges taken (min/max) from crops rendered from a fixed seed, so the same master gives the
same file on a machine with the same fonts and renderer (below). The weights use 7 of their 8
bits (`reduce_range`): x86 CPUs without VNNI (AVX2, AVX-512 before Cascade Lake) multiply
uint8 by int8 in pairs summed into int16 (vpmaddubsw), which saturates with full-range
weights; with |w| <= 64 two products stay below 2**15. onnxruntime's quantisation guide
advises it for those machines. On one core with VNNI an int8 crop reads in under half the time
of a float one; without, the gain depends on the CPU (none on one AVX2 machine, a third on
another: MODEL_CARD.md has what was measured). Needs the `[train]` extra.

The calibration crops are drawn here (`calibration_crops`), by the renderer at its defaults,
not by the training script's `make_set`: changing what training renders (options, scene
crops from the localiser) must not change the shipped file of an unchanged master.
They do depend on the fonts installed (`plate_render.face_names`, recorded in the JSON) and on
the renderer's code: the shipped master quantised with today's renderer gives another file than
the shipped one (with or without fonts-liberation, two others again), and such files read the
tuning scenes differently by a dozen (OCR_HISTORY.md, "Quantisation moves the figures").
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from edge.models.plate_reader.reader import INPUT_H, INPUT_W
from edge.ops.store_facts import file_sha256
from edge.sim.plate_render import face_names, random_plate_text
from edge.sim.plate_scene import degrade_crop, negative_crops

HERE = Path(__file__).resolve().parent
CALIBRATION_SEED = 5151  # not a training, validation, tuning or bench seed
NEGATIVE_SHARE = 0.05  # as in training: some crops with no plate
BATCH = 20


def calibration_crops(seed: int, n: int) -> np.ndarray:
    """n grey OCR inputs (N x 1 x INPUT_H x INPUT_W, uint8): plates as a camera's localiser
    cuts them, and a few with no plate, all from the renderer at its defaults."""
    rng = np.random.default_rng(seed)
    hw = (INPUT_H, INPUT_W)
    xs = np.empty((n, 1, *hw), np.uint8)
    pool: list[np.ndarray] = []
    for i in range(n):
        if rng.random() < NEGATIVE_SHARE:
            pool = pool or negative_crops(rng, 16, hw)
            xs[i, 0] = pool.pop()
        else:
            xs[i, 0] = degrade_crop(rng, random_plate_text(rng), hw)
    return xs


class _Crops(CalibrationDataReader):
    """Feeds the calibration crops to the quantiser, a batch at a time."""

    def __init__(self, xs: np.ndarray) -> None:
        self._xs = xs
        self._i = 0

    def get_next(self) -> dict[str, np.ndarray] | None:
        if self._i >= len(self._xs):
            return None
        batch = self._xs[self._i : self._i + BATCH].astype(np.float32)
        self._i += BATCH
        return {"image": batch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fp32", type=Path, default=HERE / "plate_ocr_fp32.onnx")
    ap.add_argument("--out", type=Path, default=HERE / "plate_ocr.onnx")
    ap.add_argument("--seed", type=int, default=CALIBRATION_SEED)
    ap.add_argument("--samples", type=int, default=600, help="calibration crops")
    args = ap.parse_args()
    xs = calibration_crops(args.seed, args.samples)
    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(args.fp32), str(pre))  # shapes and graph clean-up first, as advised
        quantize_static(
            str(pre),
            str(args.out),
            _Crops(xs),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            reduce_range=True,  # 7-bit weights: no int16 saturation on CPUs without VNNI
        )
    meta = {
        "from": args.fp32.name,
        "from_sha256": file_sha256(args.fp32),
        "quantisation": (
            "static, QDQ, int8 weights per channel in 7 bits (reduce_range), uint8 activations, min/max"
        ),
        "calibration": {"seed": args.seed, "samples": args.samples, "neg_frac": NEGATIVE_SHARE,
                        "faces": face_names()},  # the crops depend on the fonts installed
        "sha256": file_sha256(args.out),
    }
    args.out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    print("done", json.dumps(meta))


if __name__ == "__main__":
    main()
