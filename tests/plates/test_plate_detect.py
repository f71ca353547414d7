"""The learned plate detector: its pure decoding, the shipped model on rendered scenes."""

from pathlib import Path

import numpy as np
import pytest

from edge.models.plate_reader import PlateModelInvalid, PlateModelMissing
from edge.models.plate_reader.detect import (
    ALIGN,
    MIN_CELLS,
    STRIDE,
    WORK_W,
    PlateDetector,
    boxes_of,
    default_detector_path,
    prepare,
)
from edge.models.plate_reader.locate import _iou
from edge.sim import plate_scene
from edge.sim.plate_render import label_of, random_plate_text, render_scene


@pytest.fixture(scope="module")
def detector() -> PlateDetector:
    if not default_detector_path().is_file():
        pytest.fail("shipped model models/plates/plate_detector.onnx is missing")
    return PlateDetector()


def test_prepare_shrinks_to_the_working_width_and_pads_to_the_nets_steps() -> None:
    grey = np.full((720, 1280), 90, np.uint8)
    x, scale = prepare(grey, 384)
    assert x.shape == (1, 1, 216, 384) and x.dtype == np.float32
    assert scale == pytest.approx(0.3)
    odd = np.zeros((100, 130), np.uint8)
    y, s = prepare(odd, 100)  # 100 x 77, padded to 104 x 80
    assert y.shape == (1, 1, 80, 104)
    assert y.shape[2] % ALIGN == 0 and y.shape[3] % ALIGN == 0
    assert (y[0, 0, 77:] == y[0, 0, 76]).all()  # the edge's pixels, not black
    assert s == pytest.approx(100 / 130)


def test_groups_of_plate_cells_become_frame_boxes_best_first() -> None:
    prob = np.zeros((54, 96), np.float32)
    prob[10:13, 20:30] = 0.7  # a plate: 10 x 3 cells
    prob[40:42, 60:66] = 0.9  # a more certain one
    prob[5, 5] = 0.99  # a lone cell: noise
    prob[30:32, 80] = 0.4  # below the threshold
    got = boxes_of(prob, scale=0.3)
    k = STRIDE / 0.3
    assert [round(s, 2) for _b, s in got] == [0.9, 0.7]
    (x, y, w, h), _ = got[1]
    assert (x, y) == (int(20 * k), int(10 * k))
    assert w == pytest.approx(10 * k, abs=1) and h == pytest.approx(3 * k, abs=1)
    assert boxes_of(np.zeros((54, 96), np.float32), 0.3) == []
    assert MIN_CELLS > 1


def test_the_shipped_detector_finds_plates_in_rendered_scenes(detector: PlateDetector) -> None:
    rng = np.random.default_rng(31337)  # not a training seed (see MODEL_CARD.md)
    found = 0
    for i in range(20):
        img, box = render_scene(rng, label_of(random_plate_text(rng)), night=i % 5 == 4)
        grey = img.mean(axis=2).astype(np.uint8)
        found += any(_iou(b, box) >= 0.4 for b, _ in detector.boxes(grey))
    assert found >= 18


def test_the_shipped_detector_finds_a_plate_beside_a_grille(
    detector: PlateDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plate_scene, "TEXTURE_SHARE", 1.0)
    rng = np.random.default_rng(31338)
    found = 0
    for _ in range(10):
        img, box = render_scene(rng, label_of(random_plate_text(rng)))
        found += any(_iou(b, box) >= 0.4 for b, _ in detector.boxes(img.mean(axis=2).astype(np.uint8)))
    assert found >= 8


def test_a_blank_frame_has_no_plate(detector: PlateDetector) -> None:
    assert detector.boxes(np.full((720, 1280), 128, np.uint8)) == []
    assert detector.boxes(np.zeros((480, 640), np.uint8)) == []


def test_a_missing_or_broken_detector_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(PlateModelMissing):
        PlateDetector(tmp_path / "nope.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(PlateModelInvalid):
        PlateDetector(bad)


def test_the_shipped_detector_is_the_one_its_training_record_and_card_name() -> None:
    import json

    from edge.ops.store_facts import file_sha256

    path = default_detector_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["sha256"] == file_sha256(path)
    assert (meta["work_width"], meta["stride"]) == (WORK_W, STRIDE)  # what `prepare` feeds it
    assert meta["sha256"] in (path.parent / "DETECTOR_CARD.md").read_text()
