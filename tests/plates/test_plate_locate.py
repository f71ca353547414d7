"""The localiser's box refinement: from an edge blob that takes in more than the plate, back to
the plate around its row of characters."""

import cv2
import numpy as np

from edge.models.plate_reader.locate import _chars, _iou, refine
from edge.sim.plate_render import render_scene


def _scene() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    img, box = render_scene(np.random.default_rng(104), "7KXR529")
    return img.mean(axis=2).astype(np.uint8), box


def test_a_blob_wider_than_the_plate_is_refined_to_the_plate() -> None:
    grey, (x, y, w, h) = _scene()
    blob = (x - w // 2, y + h // 4, 2 * w, h // 2)  # reaches half a plate left and right
    got = refine(grey, blob)
    assert got is not None
    assert _iou(got, (x, y, w, h)) > 0.5, (got, (x, y, w, h))
    assert _iou(blob, (x, y, w, h)) < 0.5  # the test starts from a box that needed it


def test_the_characters_box_lies_inside_the_plate() -> None:
    grey, (x, y, w, h) = _scene()
    cx, cy, cw, ch = _chars(grey, (x, y, w, h)) or (0, 0, 0, 0)
    assert x <= cx and cx + cw <= x + w and y <= cy and cy + ch <= y + h
    assert cw > w / 2  # all seven characters, not one group


def test_no_row_of_characters_gives_none() -> None:
    flat = np.full((720, 1280), 128, np.uint8)
    assert refine(flat, (500, 300, 120, 40)) is None
    noise = np.random.default_rng(1).integers(0, 256, (720, 1280), dtype=np.uint8)
    assert refine(noise, (500, 300, 120, 40)) is None
    assert refine(flat, (0, 0, 3, 3)) is None  # a box too small to look into


def test_a_tilted_row_is_followed_and_other_shapes_left_out() -> None:
    from edge.models.plate_reader.locate import _row

    # seven 20 px characters, each 4 px lower than the last (a plate tilted about 10 degrees):
    # the first and last differ by 24 px, more than a character's height
    chars = [(10 + 16 * i, 40 + 4 * i, 12, 20) for i in range(7)]
    bolt = (80, 5, 8, 8)  # too small
    slogan = [(10 + 9 * i, 80, 6, 9) for i in range(8)]  # half the height
    far = (10 + 16 * 6 + 12 + 60, 64, 12, 20)  # level, but three characters' width away
    comps = [*chars, bolt, *slogan, far]
    for seed in (chars[0], chars[3], chars[6]):
        assert sorted(_row(comps, seed)) == chars


def test_a_grainy_frame_still_has_a_candidate_on_its_plate() -> None:
    from edge.models.plate_reader.locate import candidates

    grey, box = _scene()
    # fine grain all over (a cheap sensor, high gain): most horizontal gradients are large
    grain = np.random.default_rng(2).normal(0, 45, grey.shape)
    noisy = np.clip(grey + grain, 0, 255).astype(np.uint8)
    assert any(_iou(b, box) > 0.4 for b, _ in candidates(noisy)), box


def test_character_rows_find_the_plate_and_nothing_in_flat_or_noise() -> None:
    from edge.models.plate_reader.locate import character_rows

    grey, box = _scene()
    assert any(_iou(b, box) > 0.4 for b, _ in character_rows(grey)), box
    assert character_rows(np.full((720, 1280), 128, np.uint8)) == []
    noise = np.random.default_rng(1).integers(0, 256, (720, 1280), dtype=np.uint8)
    assert all(_iou(b, box) < 0.1 for b, _ in character_rows(noise))


def test_a_row_of_bars_is_a_grille_not_characters() -> None:
    from edge.models.plate_reader.locate import _bars

    fence = [(10 + 14 * i, 40, 4, 30) for i in range(9)]  # thin upright bars, evenly spaced
    assert _bars(fence)
    plate = [(10 + 16 * i, 40, 12, 20) for i in range(7)]
    assert not _bars(plate)
    ones = [(10, 40, 4, 20), (26, 40, 4, 20), (42, 40, 12, 20), (58, 40, 12, 20)]  # 11AB
    assert not _bars(ones)  # half bars: still a plate's characters


def test_a_grille_beside_the_plate_does_not_become_its_box() -> None:
    grey, (x, y, w, h) = _scene()
    # a fence of twelve dark bars, as tall as the plate, left of it: rounded (a solid
    # rectangle fills its box too well for a character) and 9 px wide (a shape thinner than
    # 8% of its height is not one either); without `_bars` the box lands on the fence
    for i in range(12):
        centre = (x - 210 + 16 * i, y + h // 2)
        cv2.ellipse(grey, centre, (4, h // 2), 0, 0, 360, 20, -1)
    blob = (x - 230, y, w + 230, h)  # the edge blob takes in the fence and the plate
    got = refine(grey, blob)
    assert got is not None
    assert _iou(got, (x, y, w, h)) > 0.5, (got, (x, y, w, h))
