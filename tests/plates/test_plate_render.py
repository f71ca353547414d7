"""The synthetic plate and scene renderer."""

import dataclasses

import numpy as np
import pytest

from edge.sim import plate_render
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


def test_side_logos_change_only_their_own_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logos draw from their own generator: with or without them a seed renders the same plates
    (same draws after each plate), and where a plate has one only the logo's corner differs."""
    import edge.sim.plate_render as pr

    def plates(share: float) -> tuple[list[np.ndarray], int]:
        monkeypatch.setattr(pr, "SIDE_LOGO_SHARE", share)
        rng = np.random.default_rng(11)
        out = [pr.render_plate(rng, random_plate_text(rng)) for _ in range(60)]
        return out, int(rng.integers(1 << 30))

    with_logos, after_a = plates(1.0)
    without, after_b = plates(0.0)
    assert after_a == after_b
    pairs = enumerate(zip(with_logos, without, strict=True))
    changed = [i for i, (a, b) in pairs if not np.array_equal(a, b)]
    assert 5 <= len(changed) < 60  # about a third of plates carry a graphic beside the text
    for i in changed:
        cols = np.flatnonzero((with_logos[i] != without[i]).any(axis=(0, 2)))
        assert cols.max() - cols.min() < PLATE_W // 2  # one side, not the characters


def test_rare_serial_rates_default_to_the_earlier_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """The defaults draw serials from the pool of earlier versions (the held-out bench set stays
    the same plates); raising I's rate for training data gives more I's in serials."""
    import edge.sim.plate_render as pr

    assert pr._serial_letters() == "ABCDEFGHJKLMNPRSTUVWXYZ" * 4 + "IOQ"

    def serial_is(n: int) -> int:
        rng = np.random.default_rng(5)
        texts = [random_plate_text(rng) for _ in range(n)]
        return sum(t.count("I") for t in texts)

    before = serial_is(3000)
    monkeypatch.setitem(pr.RARE_SERIAL_RATES, "I", 1.0)
    assert pr._serial_letters().count("I") == 4
    assert serial_is(3000) > 1.5 * before


def test_clean_crops_are_drawn_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """At CLEAN_SHARE 1 every crop is a sharp photograph: its strongest edges are steeper, for
    its contrast, than those of the default (blurred, shrunk, noisy) crops of the same seed."""
    import edge.sim.plate_scene as ps

    def crops(share: float) -> list[np.ndarray]:
        monkeypatch.setattr(ps, "CLEAN_SHARE", share)
        rng = np.random.default_rng(21)
        return [degrade_crop(rng, random_plate_text(rng), (96, 384)) for _ in range(30)]

    def sharpness(img: np.ndarray) -> float:
        steps = np.abs(np.diff(img.astype(np.float32), axis=1))
        contrast = np.percentile(img, 99) - np.percentile(img, 1)
        return float(np.percentile(steps, 99.5) / max(contrast, 1.0))

    default, clean = crops(0.0), crops(1.0)
    assert np.median([sharpness(c) for c in clean]) > 1.2 * np.median([sharpness(c) for c in default])


def test_textured_scenes_are_as_busy_as_real_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    from edge.sim import plate_scene

    def busy(img: np.ndarray) -> float:
        grey = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (800, 450), interpolation=cv2.INTER_AREA)
        return float(np.percentile(np.abs(cv2.Sobel(grey, cv2.CV_16S, 1, 0, ksize=3)), 95))

    flat, _box = render_scene(np.random.default_rng(102), "7KXR529")
    monkeypatch.setattr(plate_scene, "TEXTURE_SHARE", 1.0)
    textured, _tbox = render_scene(np.random.default_rng(102), "7KXR529")
    assert busy(textured) > 2 * busy(flat)
    assert busy(textured) > 30  # within what real frames show (32 to 255)


def test_glyph_warp_bends_strokes_by_at_most_its_amount() -> None:
    import cv2

    from edge.sim.plate_fonts import stroke_fonts
    from edge.sim.plate_render import warp_glyphs

    mask = stroke_fonts()[0].render_text("WC6DX", 72)
    h = mask.shape[0]
    assert np.array_equal(warp_glyphs(np.random.default_rng(1), mask, h, 0.0), mask)
    bent = warp_glyphs(np.random.default_rng(1), mask, h, 0.05)
    assert not np.array_equal(bent, mask)
    # every bent ink pixel lies within the largest move of some original ink pixel
    far = cv2.distanceTransform(np.where(mask > 127, 0, 255).astype(np.uint8), cv2.DIST_L2, 5)
    assert far[bent > 127].max() <= 0.05 * h * np.sqrt(2) + 1.5
    assert 0.8 < (bent > 127).sum() / (mask > 127).sum() < 1.25  # the same strokes, moved


def test_glyph_jitter_is_drawn_only_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off (the held-out sets, the simulator), no warp and no random number is drawn, so the
    plates of a seed stay as they were; on, each plate's warp is at most the setting."""
    from edge.sim import plate_render

    plain = render_plate(np.random.default_rng(8), "WC6DX")
    amounts: list[float] = []
    real_warp = plate_render.warp_glyphs

    def spy(rng: np.random.Generator, mask: np.ndarray, height: int, amount: float) -> np.ndarray:
        amounts.append(amount)
        return real_warp(rng, mask, height, amount)

    monkeypatch.setattr(plate_render, "warp_glyphs", spy)
    assert np.array_equal(render_plate(np.random.default_rng(8), "WC6DX"), plain)
    assert amounts == []
    monkeypatch.setattr(plate_render, "GLYPH_JITTER", 0.05)
    bent = render_plate(np.random.default_rng(8), "WC6DX")
    assert len(amounts) == 1 and 0.0 <= amounts[0] <= 0.05
    assert not np.array_equal(bent, plain)


def test_alternate_glyphs_are_drawn_only_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Off (held-out sets, simulator), a seed's plates stay as they were and no face is varied;
    on, stroke faces are varied at the share and TrueType faces never."""
    from edge.sim import plate_render
    from edge.sim.plate_fonts import StrokeFont

    calls: list[str] = []
    real_varied = StrokeFont.varied

    def spy(self: StrokeFont, rng: np.random.Generator, share: float = 0.5) -> StrokeFont:
        calls.append(self.name)
        return real_varied(self, rng, share)

    monkeypatch.setattr(StrokeFont, "varied", spy)
    stroke = plate_render.random_style(np.random.default_rng(0))
    stroke = dataclasses.replace(stroke, font=0)
    plain = render_plate(np.random.default_rng(8), "WH0515", stroke)
    assert calls == []
    monkeypatch.setattr(plate_render, "ALT_GLYPH_SHARE", 1.0)
    varied = render_plate(np.random.default_rng(8), "WH0515", stroke)
    assert calls == [plate_render.fonts()[0].name]
    assert not np.array_equal(varied, plain)
    truetype = dataclasses.replace(stroke, font=len(plate_render.fonts()) - 1)
    render_plate(np.random.default_rng(8), "WH0515", truetype)
    assert len(calls) == 1


def test_scene_plate_width_follows_its_range(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training may draw smaller plates (`PLATE_WIDTH_RANGE`); the same numbers are drawn, so the
    rest of the scene is the one the default range gives."""
    from edge.sim import plate_scene

    default = [render_scene(np.random.default_rng(s), "ABC 123") for s in range(6)]
    assert all(60 <= box[2] <= 290 for _img, box in default)
    monkeypatch.setattr(plate_scene, "PLATE_WIDTH_RANGE", (45.0, 55.0))
    small = [render_scene(np.random.default_rng(s), "ABC 123") for s in range(6)]
    assert all(42 <= box[2] <= 62 for _img, box in small)
    for (img_a, box_a), (img_b, box_b) in zip(default, small, strict=True):
        assert box_a != box_b
        # the sky, drawn before the plate, is the same scene
        assert np.array_equal(img_a[:40], img_b[:40])


def test_face_names_are_the_faces_the_renderer_draws_from(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the bench, training and the quantiser record: the same seed renders other plates
    with other faces installed, so their figures are comparable only with the same names."""
    names = plate_render.face_names()
    assert names == [f.name for f in plate_render.fonts()]
    assert names[0].startswith("PlateGothic") and not names[-1].startswith("PlateGothic")
    monkeypatch.setattr(plate_render, "_FONTS", plate_render.fonts()[:3])
    assert plate_render.face_names() == names[:3]
