"""`lanectl plate read IMAGE... [--json]`: read licence plates in image files (a folder: the
images in it, by name).

With `--json`, one object per image and line:
`{"image": ..., "plates": [{"text": ..., "confidence": ..., "box": [x, y, w, h]}]}`
(an unreadable image gives `{"image": ..., "plates": [], "error": {"code": ..., ...}}`).
Exit status: 0 all images read (with or without plates), 1 some image unreadable,
2 the model could not be loaded or the usage is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import cv2

from edge.models.plate_reader import PlateError, PlateImageError, PlateReader, PlateText

EXIT_OK, EXIT_IMAGE, EXIT_SETUP = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lanectl plate read", description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image files (JPEG, PNG, ...), or folders of them (a camera's saved frames)")
    p.add_argument("--json", action="store_true", help="one JSON object per image and line")
    p.add_argument("--model", default=None, help="OCR model (.onnx); default: the shipped one")
    p.add_argument("--detector", default=None, help="plate detector (.onnx); default: the shipped one")
    p.add_argument("--min-confidence", type=float, default=0.5, help="drop reads below this (0..1)")
    return p


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _plate_json(p: PlateText) -> dict[str, Any]:
    return {"text": p.text, "confidence": p.confidence, "box": list(p.box)}


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def _images(paths: list[str]) -> list[str]:
    """The paths, each folder replaced by the images in it (sorted by name; not recursive)."""
    out: list[str] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            out += sorted(str(f) for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
        else:
            out.append(path)
    return out


def _read_one(reader: PlateReader, path: str) -> list[PlateText]:
    cv2.setNumThreads(1)
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise PlateImageError("image cannot be read", image=path)
    return reader.read(image)


def main(argv: list[str]) -> int:
    """Entry point for `lanectl plate read`: `argv` holds the words after those, as lanectl hands
    them over (`["car.jpg", "--json"]`; a leading `read` is ok, as in `python -m edge.plate_cli
    read car.jpg`). Returns the exit status."""
    if argv[:1] == ["read"]:
        argv = argv[1:]
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code) if isinstance(exc.code, int) else EXIT_SETUP
    try:
        reader = PlateReader(args.model, min_confidence=args.min_confidence, detector_model=args.detector)
    except PlateError as err:
        sys.stderr.write(f"lanectl plate: {err}\n")
        return EXIT_SETUP
    status = EXIT_OK
    for path in _images(args.images):
        try:
            plates = _read_one(reader, path)
        except PlateError as err:
            status = EXIT_IMAGE
            if args.json:
                _out(json.dumps({"image": path, "plates": [], "error": err.to_dict()}))
            else:
                sys.stderr.write(f"{path}: error {err}\n")
            continue
        if args.json:
            _out(json.dumps({"image": path, "plates": [_plate_json(p) for p in plates]}))
        elif not plates:
            _out(f"{path}: no plate")
        else:
            for p in plates:
                x, y, w, h = p.box
                _out(f"{path}: {p.text} confidence {p.confidence:.2f} box {x},{y},{w},{h}")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
