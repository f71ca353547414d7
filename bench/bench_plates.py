"""Plate recognition figures for `make bench`.

- synthetic: a held-out set of 1280x720 scenes (fixed seed, never used in training; 2000 by
  default, `PLATES_BENCH_N` to change) read by the whole pipeline: exact plates, characters;
  and 300 scenes whose plates all have stacked characters; 300 textured scenes (as busy as
  real frames); 200 plateless scenes (speed and false reads).
- real: `../shared/plates/us-crops` (OCR of each crop) and `us-photos` (whole pipeline on each
  scene, a read counts when its text is right and its box overlaps the labelled box); skipped
  with a note when the folder is absent. Validation only. Each also as the lane matches plates
  (confusable characters folded, `edge.decision.matching.plate_key`).
- speed: whole pipeline frames per second on 1280x720 scenes, one thread; the learned
  detector alone on a frame; where a frame's time goes (stages, in a separate pass); RSS with
  the models loaded (measured in a fresh interpreter).
`PLATES_MODEL=path.onnx` evaluates another model than the shipped one (RSS uses the shipped one).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from edge.decision.matching import plate_key
from edge.drivers.camera.aim import GOOD_PLATE_WIDTH
from edge.drivers.camera.vehicles import distance
from edge.models.plate_reader import PlateReader, PlateText
from edge.models.plate_reader import reader as reader_module
from edge.models.plates.cpu import cpu_flags, cpu_name, read_cpuinfo
from edge.sim import plate_render, plate_scene
from edge.sim.plate_render import label_of, random_plate_text, render_scene

HELD_OUT_SEED = 20_261_125  # training uses seeds 1 and 10_001 (see MODEL_CARD.md)
STACKED_SEED, STACKED_N = 777, 300  # scenes whose plates all have stacked characters
TEXTURED_SEED, TEXTURED_N = 20_261_126, 300  # scenes as busy as real frames (tuning: 4545)
PLATELESS_SEED, PLATELESS_N = 999, 200  # scenes with a vehicle and no plate on it
STAGES_N = 300  # held-out scenes (the first of HELD_OUT_SEED's) timed stage by stage
SHARED = Path(
    os.environ.get("PLATES_SHARED", Path(__file__).resolve().parents[1] / "../shared/plates")
)
if not SHARED.is_dir():
    SHARED = Path("/work/shared/plates")


# The lane compares plates with lookouts and registered plates through
# `edge.decision.matching.plate_key`, which folds the characters plates and OCR confuse (O/0,
# I/1, Z/2, S/5, B/8): these figures count a read as the lane would match it. The real labels
# write 0 for every O (C0NNMAN, M0000SE), which exact reads count as errors.
_MATCH_NOTE = "; counted as the lane matches plates (O/0, I/1, Z/2, S/5, B/8 folded)"

_edit = distance  # Levenshtein distance, the camera's own (character accuracy)


def _cpu() -> str:
    """The CPU the speed figures were measured on: its name, and whether it has VNNI (int8
    dot products in one instruction; without it the int8 OCR costs 2 to 3 times as much a
    crop, MODEL_CARD.md)."""
    cpuinfo = read_cpuinfo()
    name, flags = cpu_name(cpuinfo), cpu_flags(cpuinfo)
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    vnni = "with VNNI" if flags & {"avx512_vnni", "avx_vnni"} else "without VNNI"
    return f"{name} ({isa}, {vnni})"


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _best(plates: list[PlateText], box: tuple[int, int, int, int]) -> str:
    near = [p for p in plates if _overlaps(p.box, box)]
    return near[0].text if near else ""


def _scenes(seed: int, n: int) -> Iterator[tuple[str, np.ndarray, tuple[int, int, int, int]]]:
    """The n scenes of a seed, every fifth at night: (plate text, BGR frame, plate box)."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        text = label_of(random_plate_text(rng))
        img, box = render_scene(rng, text, night=i % 5 == 4)
        yield text, img, box


def _read_scenes(
    reader: PlateReader, seed: int, n: int, widths: list[tuple[int, bool]] | None = None
) -> tuple[int, int, int, float]:
    """Render n scenes from seed (`_scenes`) and read them: exact plates, right characters,
    characters, seconds spent reading; each plate's (width, read exactly) added to `widths`
    when given."""
    exact = chars = total_chars = 0
    t_read = 0.0
    for text, img, box in _scenes(seed, n):
        t0 = time.perf_counter()
        plates = reader.read(img)
        t_read += time.perf_counter() - t0
        got = _best(plates, box)
        exact += got == text
        if widths is not None:
            widths.append((box[2], got == text))
        chars += max(0, len(text) - _edit(got, text))
        total_chars += len(text)
    return exact, chars, total_chars, t_read


@contextmanager
def every_scene(module: object, share: str) -> Iterator[None]:
    """The renderer's `module.share` at 1 (every scene drawn so), restored afterwards."""
    before = getattr(module, share)
    setattr(module, share, 1.0)
    try:
        yield
    finally:
        setattr(module, share, before)


def _all_drawn(
    reader: PlateReader, key: str, module: object, share: str, seed: int, n: int, what: str
) -> dict[str, dict[str, float | str]]:
    """Exact reads of n scenes from seed with the renderer's `module.share` set to 1
    (`every_scene`), as the figure `key`."""
    with every_scene(module, share):
        exact, _chars, _total, _t = _read_scenes(reader, seed, n)
    note = f"{n} scenes (seed {seed}), {what}, whole pipeline"
    return {key: {"value": round(100 * exact / n, 2), "unit": "%", "note": note}}


def _stacked(reader: PlateReader) -> dict[str, dict[str, float | str]]:
    """Plates with two small characters stacked before the rest (6% of held-out designs):
    every plate that can be drawn so is, the rest of each scene as the seed draws it."""
    what = "stacked characters wherever a plate has room"
    return _all_drawn(
        reader, "plates_synthetic_stacked_exact", plate_render, "STACKED_SHARE", STACKED_SEED, STACKED_N, what
    )


def _textured(reader: PlateReader) -> dict[str, dict[str, float | str]]:
    """Scenes with textured backgrounds and vehicle bodies (`plate_scene.TEXTURE_SHARE`), whose
    gradients are as busy as real frames': where the edge search alone loses plates."""
    what = "held out, every one textured"
    return _all_drawn(
        reader, "plates_synthetic_textured_exact", plate_scene, "TEXTURE_SHARE", TEXTURED_SEED, TEXTURED_N, what
    )


def _by_width(key: str, widths: list[tuple[int, bool]], what: str) -> dict[str, dict[str, float | str]]:
    """Exact reads of plates at least `GOOD_PLATE_WIDTH` pixels wide and of narrower ones (the
    installer's aiming advice, `edge.drivers.camera.aim`)."""
    out: dict[str, dict[str, float | str]] = {}
    for name, wide in (("wide", True), ("narrow", False)):
        sel = [ok for w, ok in widths if (w >= GOOD_PLATE_WIDTH) == wide]
        side = f">= {GOOD_PLATE_WIDTH}" if wide else f"< {GOOD_PLATE_WIDTH}"
        out[f"{key}_{name}"] = {
            "value": round(100 * sum(sel) / len(sel), 2) if sel else float("nan"),
            "unit": "%",
            "note": f"{what}: the {len(sel)} plates {side} px wide in the 1280x720 frame",
        }
    return out


def _synthetic(reader: PlateReader, n: int) -> dict[str, dict[str, float | str]]:
    widths: list[tuple[int, bool]] = []
    exact, chars, total_chars, t_read = _read_scenes(reader, HELD_OUT_SEED, n, widths)
    nights = n // 5
    faces = plate_render.face_names()
    note = f"{n} held-out scenes (seed {HELD_OUT_SEED}, {nights} at night), whole pipeline"
    return _by_width("plates_synthetic_exact", widths, note) | {
        "plates_synthetic_exact": {"value": round(100 * exact / n, 2), "unit": "%", "note": note},
        "plates_synthetic_chars": {
            "value": round(100 * chars / total_chars, 2),
            "unit": "%",
            "note": note,
        },
        "plates_render_faces": {
            "value": len(faces),
            "unit": "faces",
            "note": "the renderer's faces (they depend on the fonts installed; other faces, other"
            " scenes from the same seeds): " + ", ".join(faces),
        },
        "plates_pipeline_fps": {
            "value": round(n / t_read, 1),
            "unit": "frames/s",
            "note": f"PlateReader.read on 1280x720 BGR scenes, cv2 and ORT one thread, {_cpu()}",
        },
    }


# A frame's stages, each the reader's own function: the frame shrunk to the searches' working
# width (once, for both), the edge search, the learned detector,
# the box refinement around a row of characters, the row search of frames without a plate
# number, the OCR (onnxruntime and the CTC decoding). What is left of a frame's time
# ("other") is the grey conversion, cutting and resizing crops, voting.
_STAGES = ("shrink", "edges", "detector", "refine", "rows", "ocr")


class _Clock:
    """Seconds spent in each of `_STAGES`, and the crops the OCR read. (A plain class: bench/run.py
    loads this file without registering it in sys.modules, which dataclasses need.)"""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(_STAGES, 0.0)
        self.crops = 0


@contextmanager
def _stage_clock(reader: PlateReader) -> Iterator[_Clock]:
    """Where the reader's time goes while the block runs, by wrapping the functions it calls
    (restored afterwards); a few microseconds a frame of overhead."""
    clock = _Clock()
    spent = clock.seconds

    def timed(stage: str, fn: Callable[..., object]) -> Callable[..., object]:
        def run(*args: object, **kwargs: object) -> object:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[stage] += time.perf_counter() - t0

        return run

    names = {"shrink": "shrink", "edges": "candidates", "refine": "find_row", "rows": "character_rows"}
    saved = {name: getattr(reader_module, name) for name in names.values()}
    for stage, name in names.items():
        setattr(reader_module, name, timed(stage, saved[name]))
    ocr = timed("ocr", reader._ocr)

    def counted(batch: np.ndarray) -> object:
        clock.crops += batch.shape[0]
        return ocr(batch)

    reader._ocr = counted  # type: ignore[method-assign]
    if reader.detector is not None:
        reader.detector.boxes = timed("detector", reader.detector.boxes)  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        for name, fn in saved.items():
            setattr(reader_module, name, fn)
        del reader._ocr
        if reader.detector is not None:
            del reader.detector.boxes


def _stages(reader: PlateReader) -> dict[str, dict[str, float | str]]:
    """Where a frame's time goes: ms a frame in each stage, over the first `STAGES_N`
    held-out scenes (a pass of its own, so the wrapping does not touch the fps figures)."""
    frames = [img for _text, img, _box in _scenes(HELD_OUT_SEED, STAGES_N)]
    with _stage_clock(reader) as clock:
        t0 = time.perf_counter()
        for f in frames:
            reader.read(f)
        total = time.perf_counter() - t0
    spent = clock.seconds | {"other": total - sum(clock.seconds.values())}
    note = f"{STAGES_N} held-out scenes (seed {HELD_OUT_SEED}), PlateReader.read, one thread, {_cpu()}"
    out: dict[str, dict[str, float | str]] = {
        f"plates_stage_{stage}_ms": {
            "value": round(1000 * s / STAGES_N, 2),
            "unit": "ms/frame",
            "note": f"time in the stage '{stage}'; {note}",
        }
        for stage, s in spent.items()
    }
    out["plates_stage_ocr_crops"] = {
        "value": round(clock.crops / STAGES_N, 1),
        "unit": "crops/frame",
        "note": f"crops the OCR read a frame; {note}",
    }
    out["plates_stage_total_ms"] = {
        "value": round(1000 * total / STAGES_N, 2),
        "unit": "ms/frame",
        "note": f"the stages together; {note}",
    }
    return out


def _plateless(reader: PlateReader) -> dict[str, dict[str, float | str]]:
    """Frames with no plate (an empty lane between vehicles): the reader's row fallback and
    its detector run on every one of them, so they cost more than frames with a plate. Speed
    and false reads."""
    rng = np.random.default_rng(PLATELESS_SEED)
    frames = [render_scene(rng, None, night=i % 5 == 4)[0] for i in range(PLATELESS_N)]
    t0 = time.perf_counter()
    false_reads = sum(len(reader.read(f)) for f in frames)
    dt = time.perf_counter() - t0
    note = f"{PLATELESS_N} plateless 1280x720 scenes (seed {PLATELESS_SEED}), cv2 and ORT one thread, {_cpu()}"
    out: dict[str, dict[str, float | str]] = {}
    if reader.detector is not None:  # what the learned detector adds to each of these frames
        greys = [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in frames]
        t0 = time.perf_counter()
        for g in greys:
            reader.detector.boxes(g)
        out["plates_detector_ms"] = {
            "value": round(1000 * (time.perf_counter() - t0) / len(greys), 2),
            "unit": "ms",
            "note": f"PlateDetector.boxes per plateless 1280x720 grey frame, one thread, {_cpu()}",
        }
    return out | {
        "plates_pipeline_fps_plateless": {"value": round(PLATELESS_N / dt, 1), "unit": "frames/s", "note": note},
        "plates_plateless_false_reads": {"value": false_reads, "unit": "plates", "note": note},
    }


def _real(reader: PlateReader) -> dict[str, dict[str, float | str]]:
    out: dict[str, dict[str, float | str]] = {}
    crops = SHARED / "us-crops" / "labels.csv"
    if crops.is_file():
        rows = list(csv.DictReader(crops.open()))
        ok = match = 0
        for r in rows:
            img = cv2.imread(str(crops.parent / r["image"]))
            text, _conf = reader.read_crops([img])[0]
            ok += text == r["plate"]
            match += plate_key(text) == plate_key(r["plate"])
        note = f"{len(rows)} real US plate crops (openalpr benchmarks), OCR only, validation"
        out["plates_real_crops_exact"] = {
            "value": round(100 * ok / len(rows), 2),
            "unit": "%",
            "note": note,
        }
        out["plates_real_crops_lane_match"] = {
            "value": round(100 * match / len(rows), 2),
            "unit": "%",
            "note": note + _MATCH_NOTE,
        }
    else:
        out["plates_real_crops_exact"] = {
            "value": float("nan"),
            "unit": "%",
            "note": f"skipped: {crops} absent",
        }
    photos = SHARED / "us-photos" / "labels.csv"
    if photos.is_file():
        rows = list(csv.DictReader(photos.open()))
        ok = match = 0
        widths: list[tuple[int, bool]] = []
        for r in rows:
            img = cv2.imread(str(photos.parent / r["image"]))
            box = (int(r["x"]), int(r["y"]), int(r["w"]), int(r["h"]))
            got = _best(reader.read(img), box)
            ok += got == r["plate"]
            widths.append((box[2], got == r["plate"]))
            match += bool(got) and plate_key(got) == plate_key(r["plate"])
        note = f"{len(rows)} real 1280x720 US scenes, whole pipeline, text and box must match"
        out["plates_real_scenes_exact"] = {
            "value": round(100 * ok / len(rows), 2),
            "unit": "%",
            "note": note,
        }
        out |= _by_width("plates_real_scenes_exact", widths, note)
        out["plates_real_scenes_lane_match"] = {
            "value": round(100 * match / len(rows), 2),
            "unit": "%",
            "note": note + _MATCH_NOTE,
        }
    else:
        out["plates_real_scenes_exact"] = {
            "value": float("nan"),
            "unit": "%",
            "note": f"skipped: {photos} absent",
        }
    return out


def _rss_mb() -> float:
    code = (
        "import cv2; cv2.setNumThreads(1)\n"
        "from edge.models.plate_reader import PlateReader\n"
        "r = PlateReader()\n"
        "print([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(res.stdout.strip()) / 1024


def run() -> dict[str, dict[str, float | str]]:
    cv2.setNumThreads(1)
    reader = PlateReader(os.environ.get("PLATES_MODEL") or None, intra_op_threads=1)
    n = int(os.environ.get("PLATES_BENCH_N", "2000"))
    res = _synthetic(reader, n)
    res.update(_stacked(reader))
    res.update(_textured(reader))
    res.update(_plateless(reader))
    res.update(_stages(reader))
    res.update(_real(reader))
    res["plates_rss_model_loaded"] = {
        "value": round(_rss_mb(), 1),
        "unit": "MB",
        "note": "fresh interpreter, PlateReader() loaded and warmed",
    }
    return res


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k:28s} {v['value']:>8} {v['unit']:9s} {v['note']}")
