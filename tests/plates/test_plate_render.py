"""The synthetic plate and scene renderer."""

import numpy as np
import pytest

from edge.sim.plate_fonts import find_fonts
from edge.sim.plate_render import (
    ALPHABET,
    PLATE_H,
    PLATE_W,
    label_of,
    random_plate_text,
    render_plate,
    render_scene,
)
from edge.sim.plate_scene import degrade_crop


def test_fonts_are_found_and_draw_every_character() -> None:
    fonts = find_fonts()
    assert fonts, "no TrueType font on this machine"
    for ch in ALPHABET:
        assert fonts[0].render_text(ch, 32).sum() > 0, ch


def test_plate_text_is_a_north_american_plate() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        text = random_plate_text(rng)
        assert set(text) <= set(ALPHABET + " -")
        assert 2 <= len(label_of(text)) <= 8


def test_label_drops_spaces_and_dashes() -> None:
    assert label_of("abc-12 3") == "ABC123"


def test_render_is_deterministic_from_the_seed() -> None:
    a = render_plate(np.random.default_rng(7), "ABC 123")
    b = render_plate(np.random.default_rng(7), "ABC 123")
    c = render_plate(np.random.default_rng(8), "ABC 123")
    assert a.shape == (PLATE_H, PLATE_W, 3)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("night", [False, True])
def test_scene_has_the_plate_inside_the_frame(night: bool) -> None:
    img, (x, y, w, h) = render_scene(np.random.default_rng(11), "XYZ 789", night=night)
    assert img.shape == (720, 1280, 3)
    assert img.dtype == np.uint8
    assert 0 <= x
    assert 0 <= y
    assert x + w <= 1280
    assert y + h <= 720
    assert w > h > 10


def test_scene_without_plate_has_an_empty_box() -> None:
    assert render_scene(np.random.default_rng(1), None)[1] == (0, 0, 0, 0)


def test_degraded_crop_is_an_ocr_input() -> None:
    crop = degrade_crop(np.random.default_rng(2), "AB-1234")
    assert crop.shape == (32, 128)
    assert crop.dtype == np.uint8
