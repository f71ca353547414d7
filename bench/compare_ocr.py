"""Compare plate OCR files on the reader's tuning sets and the real sets, the way every OCR in
models/plates/OCR_HISTORY.md was judged (the sessions before this script rebuilt it in /tmp).

    python bench/compare_ocr.py models/plates/plate_ocr.onnx candidate.onnx [--misses DIR]

For each file, with the shipped reader (one thread, as in `make bench`), counts of:
- flat: 1,000 scenes of tuning seed 4,242; stacked: 300 of seed 778, every plate stacked;
  textured: 300 of seed 4,545, every scene textured (held-out seeds are the bench's, not these);
- crops: the 356 real crops (`read_crops`); scenes: the 99 real scenes, whole pipeline, text
  right on a box overlapping the labelled one (as `bench_plates._real`);
- looks: the real scenes' labelled boxes read by the OCR alone in the reader's five crops
  (as is and `VARIANTS`), right of 495: the OCR on real plates without the localiser's boxes
  and votes, which move the scene count by several plates between files of equal OCR.
About 4 minutes a file on one core; run two files as two processes to use two cores.
`--misses DIR` writes each file's misses as JSON there, to diff two files' errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_plates as bp  # the bench's scenes, box rule and real-set folder

from edge.models.plate_reader import PlateReader
from edge.models.plate_reader.reader import AS_IS, VARIANTS, _to_grey
from edge.sim import plate_render, plate_scene

Miss = list[str]


def _drawn(module: object, share: str, seed: int, n: int) -> Iterator[tuple[str, np.ndarray, tuple[int, int, int, int]]]:
    """`bp._scenes(seed, n)` with the renderer's `module.share` at 1 (`bp.every_scene`)."""
    with bp.every_scene(module, share):
        yield from bp._scenes(seed, n)


def _scenes(reader: PlateReader, scenes: Iterator[tuple[str, np.ndarray, tuple[int, int, int, int]]],
            misses: list[Miss]) -> int:
    ok = 0
    for text, img, box in scenes:
        got = bp._best(reader.read(img), box)
        ok += got == text
        if got != text:
            misses.append([text, got])
    return ok


def compare(model: str) -> tuple[dict[str, int], dict[str, list[Miss]]]:
    """One OCR file's counts on the five sets and the labelled-box looks, and its misses."""
    reader = PlateReader(model, intra_op_threads=1)
    counts: dict[str, int] = {}
    misses: dict[str, list[Miss]] = {k: [] for k in ("flat", "stacked", "textured", "crops", "scenes")}
    counts["flat"] = _scenes(reader, bp._scenes(4242, 1000), misses["flat"])
    counts["stacked"] = _scenes(reader, _drawn(plate_render, "STACKED_SHARE", 778, 300), misses["stacked"])
    counts["textured"] = _scenes(reader, _drawn(plate_scene, "TEXTURE_SHARE", 4545, 300), misses["textured"])
    folder = bp.SHARED / "us-crops"
    counts["crops"] = 0
    for row in csv.DictReader((folder / "labels.csv").open()):
        text, _conf = reader.read_crops([cv2.imread(str(folder / row["image"]))])[0]
        counts["crops"] += text == row["plate"]
        if text != row["plate"]:
            misses["crops"].append([row["image"], row["plate"], text])
    folder = bp.SHARED / "us-photos"
    counts["scenes"] = counts["looks"] = 0
    for row in csv.DictReader((folder / "labels.csv").open()):
        img = cv2.imread(str(folder / row["image"]))
        box = (int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
        got = bp._best(reader.read(img), box)
        counts["scenes"] += got == row["plate"]
        if got != row["plate"]:
            misses["scenes"].append([row["image"], row["plate"], got])
        looks = reader._looks([(_to_grey(img), box)], (AS_IS, *VARIANTS))[0]
        counts["looks"] += sum(text == row["plate"] for text, _conf in looks)
    return counts, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="OCR .onnx files")
    ap.add_argument("--misses", type=Path, default=None, help="write each file's misses here")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    print("| OCR | flat 4242 /1000 | stacked 778 /300 | textured 4545 /300 | real crops /356 "
          "| real scenes /99 | labelled-box looks /495 | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for model in args.models:
        t0 = time.perf_counter()
        counts, misses = compare(model)
        print(f"| {model} | " + " | ".join(str(counts[k]) for k in
              ("flat", "stacked", "textured", "crops", "scenes", "looks"))
              + f" | {time.perf_counter() - t0:.0f} |", flush=True)
        if args.misses:
            args.misses.mkdir(parents=True, exist_ok=True)
            (args.misses / f"{Path(model).stem}.json").write_text(json.dumps(misses, indent=0))


if __name__ == "__main__":
    main()
