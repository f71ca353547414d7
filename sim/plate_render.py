"""Synthetic North American licence plates and the scenes they sit in.

Used to train the plate OCR model (`models/plates/train_ocr.py`), to build the held-out bench
set and by the simulated camera. Pure numpy/OpenCV; every image is a deterministic function of
the `numpy.random.Generator` passed in. `render_plate` draws a flat plate, `degrade_crop` turns
it into what a localiser would hand to the OCR, `render_scene` puts it on a vehicle in a
1280x720 frame.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.models.plate_reader.formats import PATTERNS
from edge.sim.plate_art import (
    ACCENT,
    DARK_INK,
    DARK_PAPER,
    LIGHT,
    color,
    emblem_mask,
    paint,
)
from edge.sim.plate_fonts import Face, StrokeFont, find_fonts, stroke_fonts
from edge.sim.plate_regions import REGIONS, SLOGANS

Image = npt.NDArray[Any]
Box = tuple[int, int, int, int]

PLATE_W, PLATE_H = 320, 160
SCENE_W, SCENE_H = 1280, 720
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# Most serial formats avoid I, O and Q, but several states' do not (California's 7CID930,
# Illinois, Florida, Idaho) and the simulator's population uses every letter: a reader that
# seldom saw an I read real ones as T. So serials draw from every letter, with I, O and Q at a
# quarter of the others' rate. RARE_SERIAL_RATES names those rates; the training script raises
# I's for training data only (real I's with serifs were still read as T: 9 of 23 real crops).
RARE_SERIAL_RATES = {"I": 0.25, "O": 0.25, "Q": 0.25}
_COMMON = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _serial_letters() -> str:
    """The pool serial letters are drawn from: each common letter four times, each rare one
    four times its rate (the defaults give the pool, and so the draws, of earlier versions)."""
    return _COMMON * 4 + "".join(c * round(4 * r) for c, r in RARE_SERIAL_RATES.items())


_LONE_LETTERS = _COMMON  # a letter among digits: never I, O or Q
_DIGITS = "0123456789"
# Share of plate designs with two small characters stacked before the rest (vanity and
# specialty series). The training script raises it for data that teaches stacked reads; the
# held-out bench set and the simulator keep this value.
STACKED_SHARE = 0.06
# Share of the graphics beside the characters that are a logo with lettering of its own (a
# panel with a word over a big number, as Alaska's "50"; a ring seal around one big letter, as
# a team's or university's plate): real readers take such a logo for an extra first character.
SIDE_LOGO_SHARE = 0.5
# Largest displacement of the main characters' strokes by a smooth random warp, as a fraction
# of their height (each plate draws its own, up to this). Real plates' faces differ from the
# few drawn here in the details a reader keys on (where a W's middle apex ends, how round a
# D's back is): a reader trained on exact glyphs read clear real ones wrong at 0.97 (WC6DX as
# MC6DX, DELIGRL as OELIGRL). 0 here (held-out sets, simulator); the training script sets it.
# At 0 no random number is drawn for it, so other sets stay exactly as they were.
GLYPH_JITTER = 0.0
# Share of plates drawn in a stroke face whose characters take the other shapes real plates give
# them (`plate_fonts.stroke.ALTERNATES`: a 1 with a short flag or none, a narrow W, a round-backed D).
# 0 here (held-out sets, simulator; no random number drawn); the training script sets it.
ALT_GLYPH_SHARE = 0.0
_PATTERNS = PATTERNS  # shared with the reader's decoder

_FONTS: list[Face] | None = None


def fonts() -> list[Face]:
    """Faces used for plate characters (found once per process): the stroke-drawn plate
    gothics first (the renderer favours the first faces), then the TrueType faces found."""
    global _FONTS
    if _FONTS is None:
        found = find_fonts()
        if not found:
            raise RuntimeError("no TrueType fonts found (install fonts-dejavu-core)")
        _FONTS = [*stroke_fonts(), *found]
    return _FONTS


def face_names() -> list[str]:
    """The faces `fonts` draws from, in order. They depend on the machine: without Debian's
    fonts-liberation (which chromium brings) the Liberation faces are missing and every seed,
    the held-out and tuning ones too, renders other plates (the bench, training and the
    quantiser record these names beside their figures)."""
    return [f.name for f in fonts()]


def label_of(text: str) -> str:
    """The comparison form of a plate: upper case, spaces and dashes removed."""
    return "".join(c for c in text.upper() if c in ALPHABET)


def random_plate_text(rng: np.random.Generator) -> str:
    """A plate string in a common North American pattern, or a vanity plate (2-8 chars)."""
    if rng.random() < 0.2:
        n = int(rng.integers(2, 9))
        chars = rng.choice(list(ALPHABET), size=n)
        s = "".join(chars)
        if n >= 4 and rng.random() < 0.3:
            k = int(rng.integers(1, n))
            s = s[:k] + str(rng.choice([" ", "-"])) + s[k:]
        return s
    pat = str(_PATTERNS[int(rng.integers(len(_PATTERNS)))])
    serial = _serial_letters()
    out = []
    for i, c in enumerate(pat):
        if c == "L":
            lone = pat[i - 1 : i] != "L" and pat[i + 1 : i + 2] != "L"
            out.append(str(rng.choice(list(_LONE_LETTERS if lone else serial))))
        elif c == "N":
            out.append(str(rng.choice(list(_DIGITS))))
        else:
            out.append(c)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class PlateStyle:
    """How one plate looks: fonts, colours, decorations."""

    font: int
    ink: tuple[int, int, int]
    paper: tuple[int, int, int]
    paper2: tuple[int, int, int]
    background: str  # plain | gradient | scenic | bands
    region: str
    region_font: int
    region_color: tuple[int, int, int]
    region_on_top: bool
    slogan: str
    text_height: float  # fraction of plate height
    stretch: float
    separator: str  # gap | dash | dot | emblem
    stacked: bool
    stickers: int
    bolts: bool
    frame: str  # none | thin | dealer
    frame_color: tuple[int, int, int]
    embossed: bool
    weight: int = 0  # pixels of stroke growth (+) or thinning (-) at plate scale
    slant: float = 0.0  # horizontal shear of the characters
    tracking: float = 0.05  # extra letter spacing, in em


def _luma(c: tuple[int, int, int]) -> float:
    return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]


def random_style(rng: np.random.Generator) -> PlateStyle:
    """A random plate design."""
    n_fonts = len(fonts())
    dark = rng.random() < 0.1
    paper = color(rng, DARK_PAPER if dark else LIGHT)
    ink = (240, 240, 240) if dark and rng.random() < 0.6 else color(rng, DARK_INK)
    if dark and ink[0] < 200:
        ink = (60, 220, 240)
    if abs(_luma(ink) - _luma(paper)) < 90:  # keep the characters legible
        ink = (20, 20, 20) if _luma(paper) > 128 else (240, 240, 240)
    region, _ = REGIONS[int(rng.integers(len(REGIONS)))]
    main_font = int(min(rng.integers(n_fonts), rng.integers(n_fonts)))  # favour condensed faces
    return PlateStyle(
        font=main_font,
        ink=ink,
        paper=paper,
        paper2=color(rng, LIGHT + ACCENT),
        background=str(
            rng.choice(["plain", "gradient", "scenic", "bands"], p=[0.3, 0.25, 0.3, 0.15])
        ),
        region=region.upper() if rng.random() < 0.6 else region,
        region_font=int(rng.integers(n_fonts)),
        region_color=color(rng, ACCENT + DARK_INK),
        region_on_top=bool(rng.random() < 0.85),
        slogan=str(SLOGANS[int(rng.integers(len(SLOGANS)))]),
        text_height=float(rng.uniform(0.38, 0.6)),
        stretch=float(rng.uniform(0.8, 1.3)),
        separator=str(rng.choice(["gap", "dash", "dot", "emblem"], p=[0.4, 0.3, 0.1, 0.2])),
        stacked=bool(rng.random() < STACKED_SHARE),
        stickers=int(rng.choice([0, 1, 2], p=[0.4, 0.35, 0.25])),
        bolts=bool(rng.random() < 0.7),
        frame=str(rng.choice(["none", "thin", "dealer"], p=[0.5, 0.25, 0.25])),
        frame_color=color(rng, [(20, 20, 20), (200, 200, 200), (40, 40, 40), (160, 160, 170)]),
        embossed=bool(rng.random() < 0.4),
        weight=int(rng.choice([-2, -1, 0, 0, 1, 2, 3])),
        slant=float(rng.uniform(-0.12, 0.12)) if rng.random() < 0.25 else 0.0,
        tracking=float(rng.uniform(0.0, 0.25)),
    )


def _text_mask(
    font: Face, text: str, height: int, width: int | None = None, tracking: float = 0.05
) -> Image:
    m = font.render_text(text, 64, tracking)
    w = int(m.shape[1] * height / max(m.shape[0], 1)) if width is None else width
    return cv2.resize(m, (max(w, 1), max(height, 1)), interpolation=cv2.INTER_AREA)


def warp_glyphs(rng: np.random.Generator, mask: Image, height: int, amount: float) -> Image:
    """`mask` bent by a smooth random displacement field (control points half
    `height` apart, each moved up to `amount * height` pixels in x and y, bicubic between):
    every plate's lettering a slightly different face of the same design."""
    h, w = mask.shape
    step = max(height / 2, 2.0)
    gh, gw = int(h / step) + 2, int(w / step) + 2
    fields = rng.uniform(-1.0, 1.0, (2, gh, gw)).astype(np.float32) * amount * height
    dx = cv2.resize(fields[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(fields[1], (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0)


def _fit_width(mask: Image, max_w: int) -> Image:
    """Squeeze a text mask to at most max_w pixels wide (a long state name, slogan or word)."""
    if mask.shape[1] <= max_w:
        return mask
    return cv2.resize(mask, (max(1, max_w), mask.shape[0]))


def _background(rng: np.random.Generator, s: PlateStyle) -> Image:
    img = np.empty((PLATE_H, PLATE_W, 3), np.uint8)
    img[:] = s.paper
    if s.background == "gradient":
        t = np.linspace(0, 1, PLATE_H, dtype=np.float32)[:, None, None]
        if rng.random() < 0.5:
            t = t[::-1]
        mix = (
            np.array(s.paper, np.float32) * (1 - t * 0.6) + np.array(s.paper2, np.float32) * t * 0.6
        )
        img[:] = np.broadcast_to(mix, img.shape).astype(np.uint8)
    elif s.background == "scenic":
        noise = rng.random((4, 8, 3)).astype(np.float32)
        blob = cv2.resize(noise, (PLATE_W, PLATE_H), interpolation=cv2.INTER_CUBIC)
        tint = np.array(s.paper2, np.float32) - np.array(s.paper, np.float32)
        tinted = np.array(s.paper, np.float32) + blob * tint * 0.35
        img[:] = np.clip(tinted, 0, 255).astype(np.uint8)
        if rng.random() < 0.5:  # a faint silhouette (mountains, skyline) behind the characters
            xs = np.linspace(0, PLATE_W, 9)
            ys = PLATE_H * rng.uniform(0.45, 0.85, size=9)
            poly = np.array([[0, PLATE_H], *zip(xs, ys, strict=True), [PLATE_W, PLATE_H]], np.int32)
            over = img.copy()
            cv2.fillPoly(over, [poly], s.paper2)
            img[:] = cv2.addWeighted(img, 0.6, over, 0.4, 0)
    elif s.background == "bands":
        h1 = int(PLATE_H * rng.uniform(0.12, 0.25))
        img[:h1] = s.paper2
        if rng.random() < 0.6:
            img[PLATE_H - int(PLATE_H * rng.uniform(0.1, 0.2)) :] = s.paper2
    return img


def _paint_emblem(
    rng: np.random.Generator, img: Image, x: int, y: int, size: int, alpha: float
) -> None:
    """A coloured graphic (seal, fruit, flag, star...) that is not part of the plate text."""
    size = max(size, 6)
    cols = [color(rng, ACCENT + DARK_INK + LIGHT) for _ in range(3)]
    outer = emblem_mask(rng, size)
    paint(img, (outer * alpha).astype(np.uint8), x, y, cols[0])
    if rng.random() < 0.6:
        inner = emblem_mask(rng, max(4, int(size * rng.uniform(0.3, 0.7))))
        off = (size - inner.shape[0]) // 2
        paint(img, (inner * alpha).astype(np.uint8), x + off, y + off, cols[1])
    if rng.random() < 0.15:  # small digits or letters inside the graphic
        word = "".join(rng.choice(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), size=2))
        tm = _text_mask(fonts()[int(rng.integers(len(fonts())))], word, max(4, size // 3))
        paint(
            img,
            (tm * alpha).astype(np.uint8),
            x + (size - tm.shape[1]) // 2,
            y + size // 3,
            cols[2],
        )


def _paint_side_logo(
    rng: np.random.Generator, img: Image, x: int, y: int, size: int, th: int, s: PlateStyle
) -> None:
    """A logo with lettering beside the plate's characters: a coloured panel with a small word
    over a two-digit number, or a ring seal around one big letter. Its characters are smaller
    than the plate's (at most 0.45 of their height) and it is never part of the plate text."""
    fl = fonts()
    font = fl[int(rng.integers(len(fl)))]
    fill = color(rng, ACCENT + DARK_PAPER)
    ink = (245, 245, 245) if _luma(fill) < 128 else (20, 20, 20)
    if rng.random() < 0.5:  # panel: ALASKA over 50
        w, h = size, int(th * rng.uniform(0.9, 1.25))
        top = y + (size - h) // 2
        cv2.rectangle(img, (x, top), (x + w, top + h), fill, -1)
        word = str(REGIONS[int(rng.integers(len(REGIONS)))][0]).upper()
        wm = _fit_width(_text_mask(font, word, max(4, h // 7)), w - 4)
        paint(img, wm, x + (w - wm.shape[1]) // 2, top + h // 10, ink)
        num = str(int(rng.integers(10, 100)))
        nh = int(th * rng.uniform(0.3, 0.45))
        nm = _fit_width(_text_mask(font, num, nh), w - 4)
        paint(img, nm, x + (w - nm.shape[1]) // 2, top + h - nh - h // 8, ink)
    else:  # seal: a ring around one big letter, a thin word along its lower edge
        c, r = (x + size // 2, y + size // 2), max(3, size // 2)
        cv2.circle(img, c, r, fill, -1, cv2.LINE_AA)
        cv2.circle(img, c, int(r * 0.72), s.paper, -1, cv2.LINE_AA)
        letter = str(rng.choice(list("ABCDEFGHKLMNPRSTUVW")))
        lh = int(r * rng.uniform(0.8, 1.1))
        lm = _text_mask(font, letter, lh)
        paint(img, lm, c[0] - lm.shape[1] // 2, c[1] - lh // 2, fill)
        if rng.random() < 0.6:
            word = str(rng.choice(SLOGANS)).upper()[:10]
            wm = _fit_width(_text_mask(font, word, max(3, r // 5)), int(r * 1.2))
            paint(img, wm, c[0] - wm.shape[1] // 2, c[1] + int(r * 0.74), ink)


def render_plate_with_box(
    rng: np.random.Generator, text: str, style: PlateStyle | None = None
) -> tuple[Image, Box]:
    """A flat PLATE_W x PLATE_H BGR plate and the box of its main characters."""
    s = style if style is not None else random_style(rng)
    fl = fonts()
    img = _background(rng, s)
    # main characters: groups separated by space/dash
    groups = [g for g in text.replace("-", " ").split(" ") if g]
    seps = [c for c in text if c in " -"]
    th = int(PLATE_H * s.text_height)
    font = fl[s.font % len(fl)]
    if ALT_GLYPH_SHARE and isinstance(font, StrokeFont) and rng.random() < ALT_GLYPH_SHARE:
        font = font.varied(rng)
    stacked = ""
    if s.stacked and len(label_of(text)) >= 4 and groups and len(groups[0]) >= 3:
        stacked, groups[0] = groups[0][:2], groups[0][2:]
    masks: list[Image] = []
    slots: list[tuple[int, int]] = []  # (x, width) of coloured emblems inside the line
    for i, g in enumerate(groups):
        masks.append(_text_mask(font, g, th, tracking=s.tracking))
        if i < len(groups) - 1:
            gap = np.zeros((th, max(4, th // 4)), np.uint8)
            sep = s.separator if seps and seps[min(i, len(seps) - 1)] == " " else "dash"
            if sep == "dash":
                dash = np.zeros((th, max(6, th // 3)), np.uint8)
                dash[int(th * 0.45) : int(th * 0.58), 1:-1] = 255
                masks += [gap[:, : th // 8 + 1], dash, gap[:, : th // 8 + 1]]
            elif sep == "dot":
                dot = np.zeros((th, th // 4 + 2), np.uint8)
                cv2.circle(dot, (dot.shape[1] // 2, th // 2), max(2, th // 12), 255, -1)
                masks.append(dot)
            elif sep == "emblem":
                ew = int(th * rng.uniform(0.5, 1.0))
                slots.append((sum(m.shape[1] for m in masks), ew))
                masks.append(np.zeros((th, ew), np.uint8))
            else:
                masks.append(gap)
    line = np.hstack(masks) if masks else np.zeros((th, 8), np.uint8)
    sw = int(line.shape[1] * s.stretch)
    stack_w = int(th * 0.45) if stacked else 0
    side = int(rng.choice([0, 1, 2], p=[0.65, 0.2, 0.15]))  # graphic at the left / right end
    side_w = int(th * rng.uniform(0.5, 0.9)) if side else 0
    max_w = int(PLATE_W * 0.9) - stack_w - side_w
    line_w0 = line.shape[1]
    sw = min(max(sw, int(th * 0.8)), max_w)
    line = cv2.resize(line, (sw, th), interpolation=cv2.INTER_AREA)
    if GLYPH_JITTER:
        line = warp_glyphs(rng, line, th, float(rng.uniform(0.0, GLYPH_JITTER)))
    if s.weight:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(s.weight) + 1,) * 2)
        if s.weight > 0:
            line = cv2.dilate(line, disk)
            line = cv2.erode(line, np.ones((1, 2 * s.weight + 1), np.uint8))  # keep gaps open
        else:
            line = cv2.erode(line, disk)
    if s.slant:
        pad = int(abs(s.slant) * th) + 1
        shear = np.array([[1, -s.slant, max(s.slant, 0.0) * th], [0, 1, 0]], np.float32)
        line = cv2.warpAffine(line, shear, (sw + pad, th))
        if line.shape[1] > max_w:
            line = cv2.resize(line, (max_w, th), interpolation=cv2.INTER_AREA)
        sw = line.shape[1]
    total_w = sw + stack_w
    x0 = (PLATE_W - total_w + (side_w if side == 1 else -side_w)) // 2 + int(rng.integers(-6, 7))
    x0 = int(
        np.clip(
            x0,
            side_w + 6 if side == 1 else 3,
            PLATE_W - total_w - 3 - (side_w + 8 if side == 2 else 0),
        )
    )
    y0 = int(PLATE_H * 0.52 - th / 2 + rng.integers(-6, 7))
    if rng.random() < 0.25:  # a faint seal or silhouette behind the characters
        big = int(th * rng.uniform(0.9, 1.4))
        _paint_emblem(
            rng, img, int(rng.integers(0, PLATE_W - big)), y0 + (th - big) // 2, big, 0.35
        )
    if s.embossed:  # a dark shadow and a light rim read as raised metal
        paint(img, line, x0 + stack_w + 2, y0 + 2, (90, 90, 90))
        if rng.random() < 0.5:
            paint(img, line, x0 + stack_w - 1, y0 - 1, (250, 250, 250))
    if stacked:
        for k, ch in enumerate(stacked):
            m = _text_mask(font, ch, th // 2 - 2, int(th * 0.38))
            paint(img, m, x0, y0 + k * (th // 2) + 1, s.ink)
    paint(img, line, x0 + stack_w, y0, s.ink)
    fx = sw / max(line_w0, 1)
    for sx, ew in slots:
        size = int(min(ew * fx, th) * rng.uniform(0.8, 1.15))
        ex = x0 + stack_w + int((sx + ew / 2) * fx) - size // 2
        _paint_emblem(rng, img, ex, y0 + (th - size) // 2, size, 1.0)
    if side:
        size = int(side_w * rng.uniform(0.8, 1.0))
        ex = x0 - side_w - 4 if side == 1 else x0 + total_w + 6
        ey = y0 + (th - size) // 2 + int(rng.integers(-4, 5))
        # the logo draws from its own generator, and the plain emblem's draws are made either
        # way, so that adding logos left every other plate of a seed as it was
        art = np.random.default_rng(zlib.crc32(f"{text}:{ex}:{ey}:{size}".encode()))
        logo = bool(art.random() < SIDE_LOGO_SHARE)
        _paint_emblem(rng, img.copy() if logo else img, ex, ey, size, 1.0)
        if logo:
            _paint_side_logo(art, img, ex, ey, size, th, s)
    text_box = (x0, y0, total_w, th)
    # region name and slogan
    rf = fl[s.region_font % len(fl)]
    rh = int(PLATE_H * rng.uniform(0.11, 0.19))
    rmask = _fit_width(_text_mask(rf, s.region, rh), int(PLATE_W * 0.8))
    sh = int(PLATE_H * rng.uniform(0.06, 0.1))
    smask = _fit_width(_text_mask(fl[int(rng.integers(len(fl)))], s.slogan, sh), int(PLATE_W * 0.85))
    top_y, bot_y = int(PLATE_H * 0.06), int(PLATE_H * 0.93) - sh
    ry, sy = (top_y, bot_y) if s.region_on_top else (bot_y - rh + sh, top_y)
    paint(img, rmask, (PLATE_W - rmask.shape[1]) // 2, ry, s.region_color)
    paint(img, smask, (PLATE_W - smask.shape[1]) // 2, sy, s.region_color)
    for k in range(s.stickers):
        w, h = int(PLATE_W * rng.uniform(0.08, 0.14)), int(PLATE_H * rng.uniform(0.1, 0.16))
        x = 6 if k == 0 else PLATE_W - w - 6
        y = 6 if rng.random() < 0.7 else PLATE_H - h - 6
        col = color(rng, ACCENT + LIGHT)
        cv2.rectangle(img, (x, y), (x + w, y + h), col, -1)
        digits = str(int(rng.integers(10, 99)))
        dm = _text_mask(fl[0], digits, int(h * 0.6))
        paint(img, dm, x + 2, y + int(h * 0.2), (20, 20, 20) if sum(col) > 300 else (240, 240, 240))
    if s.bolts:
        for bx in (int(PLATE_W * 0.22), int(PLATE_W * 0.78)):
            by = int(PLATE_H * rng.uniform(0.08, 0.14))
            cv2.circle(img, (bx, by), 6, (150, 150, 150), -1, cv2.LINE_AA)
            cv2.circle(img, (bx, by), 2, (60, 60, 60), -1, cv2.LINE_AA)
    if s.frame == "thin":
        cv2.rectangle(img, (0, 0), (PLATE_W - 1, PLATE_H - 1), s.frame_color, 5)
    elif s.frame == "dealer":
        cv2.rectangle(img, (0, 0), (PLATE_W - 1, PLATE_H - 1), s.frame_color, 7)
        bh = int(PLATE_H * rng.uniform(0.1, 0.16))
        img[PLATE_H - bh :] = s.frame_color
        fc = (230, 230, 230) if sum(s.frame_color) < 300 else (30, 30, 30)
        dm = _text_mask(fl[int(rng.integers(len(fl)))], str(rng.choice(SLOGANS)), int(bh * 0.6))
        dm = dm[:, : int(PLATE_W * 0.8)]
        paint(img, dm, (PLATE_W - dm.shape[1]) // 2, PLATE_H - bh + int(bh * 0.2), fc)
    return img, text_box


def render_plate(rng: np.random.Generator, text: str, style: PlateStyle | None = None) -> Image:
    """A flat 320x160 BGR plate showing `text` (random style when `style` is None)."""
    return render_plate_with_box(rng, text, style)[0]


def render_scene(
    rng: np.random.Generator, text: str | None, night: bool = False, *, sensor: bool = True
) -> tuple[Image, Box]:
    """A 1280x720 BGR frame with a vehicle carrying plate `text`, and the plate's (x, y, w, h).

    Thin wrapper over `edge.sim.plate_scene.render_scene` (kept here for callers of this module).
    """
    from edge.sim.plate_scene import render_scene as _render_scene

    return _render_scene(rng, text, night, sensor=sensor)
