"""Plates as a camera sees them: degraded crops (OCR training) and whole 1280x720 scenes.

Deterministic from the `numpy.random.Generator` passed in.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.sim.plate_render import (
    PLATE_H,
    PLATE_W,
    SCENE_H,
    SCENE_W,
    Box,
    Image,
    render_plate_with_box,
)

Quad = npt.NDArray[Any]
# Share of OCR training crops drawn as a sharp photograph (little noise or blur, full
# resolution). Real plate crops are mostly such photographs, and v7, trained on degraded crops
# only, read them better blurred; how later models' shares of clean crops changed that is in
# models/plates/MODEL_CARD.md.
# 0 here (the held-out sets and the simulator); the training script sets it.
CLEAN_SHARE = 0.0
# Share of scenes whose background and vehicle body carry texture (asphalt, foliage and grain
# at several scales, a mesh grille): real frames are far busier than the flat ones drawn
# otherwise (95th percentile of the horizontal gradient at 800 px: 32 to 255 on the real
# validation scenes, 4 to 42 on flat synthetic ones). 0 here (the held-out sets, the
# simulator); the bench's textured set and the training script (--texture-share) set it. At 0
# no random number is drawn for it, so the flat scenes stay exactly as they were.
TEXTURE_SHARE = 0.0
# The plate's width in a scene: a share of the vehicle's width, clipped to these pixels. The
# real validation scenes' plates are 50 to 227 px wide (median 89), these 60 to 274 (median
# 143); the training script can draw them smaller (--scene-plate-width). The same random
# numbers are drawn whatever the range, so the held-out sets stay exactly as they were.
PLATE_WIDTH_RANGE = (60.0, 260.0)


def _rand_quad(rng: np.random.Generator, w: float, h: float, tilt: float) -> Quad:
    """Plate corners after a mild perspective / rotation, relative to (0, 0)."""
    j = rng.uniform(-tilt, tilt, size=(4, 2)) * np.array([w, h])
    ang = np.deg2rad(rng.uniform(-6, 6))
    yaw = rng.uniform(-0.12, 0.12)  # one side nearer than the other
    pts = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    pts[:, 1] += np.array([-1, 1, -1, 1]) * yaw * h * np.array([1, 1, -1, -1]) * 0.5
    pts += j
    c, s = np.cos(ang), np.sin(ang)
    pts = pts @ np.array([[c, s], [-s, c]])
    pts -= pts.min(axis=0)
    out: Quad = pts.astype(np.float32)
    return out


def _lighting(rng: np.random.Generator, img: Image, night: bool) -> Image:
    f: npt.NDArray[Any] = img.astype(np.float32)
    if night:
        f = f * rng.uniform(0.15, 0.45) + rng.uniform(0, 15)
        if rng.random() < 0.5:  # IR illuminator: grey, contrasty
            g = f.mean(axis=2, keepdims=True)
            f = np.repeat(g, 3, axis=2) * rng.uniform(1.2, 2.2)
    else:
        f = f * rng.uniform(0.55, 1.25) + rng.uniform(-35, 35)
        f = f * (1 + rng.uniform(-0.15, 0.15, size=3))  # white balance
    out: Image = np.clip(f, 0, 255).astype(np.uint8)
    return out


def _glare(rng: np.random.Generator, img: Image) -> Image:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    r = rng.uniform(0.15, 0.5) * w
    g = np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 1.5) ** 2) / (r * r))) * rng.uniform(60, 170)
    out: Image = np.clip(img.astype(np.float32) + g[..., None], 0, 255).astype(np.uint8)
    return out


def _dirt(rng: np.random.Generator, img: Image) -> Image:
    h, w = img.shape[:2]
    n = cv2.resize(rng.random((6, 12)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    k = rng.uniform(0.2, 0.55)
    shade = 1 - k * np.clip(n - 0.4, 0, 1)
    brown = np.array([40, 70, 100], np.float32)
    f = img.astype(np.float32) * shade[..., None] + brown * (1 - shade[..., None]) * 0.5
    out: Image = np.clip(f, 0, 255).astype(np.uint8)
    return out


def _sensor(rng: np.random.Generator, img: Image, night: bool) -> Image:
    out = img
    if rng.random() < 0.6:
        k = float(rng.uniform(0.3, 1.6 if min(out.shape[:2]) > 60 else 0.9))
        out = cv2.GaussianBlur(out, (0, 0), k)
    if rng.random() < 0.2:  # motion blur
        n = int(rng.integers(3, 8))
        kern = np.zeros((n, n), np.float32)
        kern[n // 2, :] = 1.0 / n
        out = cv2.filter2D(out, -1, kern)
    out = _noise(rng, out, rng.uniform(2, 18 if night else 9))
    if rng.random() < 0.7:
        out = _jpeg(out, int(rng.integers(25, 90)))
    return out


def _noise(rng: np.random.Generator, img: Image, sigma: float) -> Image:
    """`img` with Gaussian sensor noise of `sigma` grey levels."""
    noisy = img.astype(np.float32) + rng.normal(0, sigma, img.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _jpeg(img: Image, quality: int) -> Image:
    """`img` after a JPEG round trip at `quality` (unchanged if encoding fails)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    dec = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    return img if dec is None else dec


def _clean_sensor(rng: np.random.Generator, img: Image) -> Image:
    """A good camera close up: little noise, at most a trace of blur, light JPEG."""
    out = img
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.3, 0.8)))
    out = _noise(rng, out, rng.uniform(0.5, 3.0))
    if rng.random() < 0.5:
        out = _jpeg(out, int(rng.integers(70, 96)))
    return out


def _occlude(rng: np.random.Generator, img: Image, box: Box) -> None:
    """Cover a small part of the plate edge (tow hitch, frame clip, mud) without hiding text."""
    x, y, w, h = box
    ow, oh = int(w * rng.uniform(0.05, 0.15)), int(h * rng.uniform(0.2, 0.6))
    ox = x if rng.random() < 0.5 else x + w - ow
    oy = y + int(h * rng.uniform(0.5, 1.0)) - oh
    col = tuple(int(c) for c in rng.integers(0, 120, size=3))
    cv2.rectangle(img, (ox, oy), (ox + ow, oy + oh), col, -1)


def degrade_crop(
    rng: np.random.Generator, text: str, out_hw: tuple[int, int] = (32, 128)
) -> npt.NDArray[Any]:
    """A grey OCR input of plate `text` as a localiser would cut it from a camera frame."""
    night = bool(rng.random() < 0.2)
    plate, tbox = render_plate_with_box(rng, text)
    if rng.random() < 0.25:
        plate = _dirt(rng, plate)
    # place on a car-coloured surround with perspective
    car = tuple(int(c) for c in rng.integers(0, 256, size=3))
    scale = rng.uniform(0.5, 1.0)
    pw, ph = PLATE_W * scale, PLATE_H * scale * rng.uniform(0.9, 1.1)
    quad = _rand_quad(rng, pw, ph, 0.04)
    pad = 40
    quad += pad
    cw = int(quad[:, 0].max()) + pad
    ch = int(quad[:, 1].max()) + pad
    src = np.array([[0, 0], [PLATE_W, 0], [PLATE_W, PLATE_H], [0, PLATE_H]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    canvas = np.empty((ch, cw, 3), np.uint8)
    canvas[:] = car
    cv2.warpPerspective(plate, m, (cw, ch), dst=canvas, borderMode=cv2.BORDER_TRANSPARENT)
    # crop: the plate's box (usual), or the characters' box, with random margins
    if rng.random() < 0.75:
        x0, y0 = quad.min(axis=0)
        x1, y1 = quad.max(axis=0)
    else:
        tx, ty, tw, th = tbox
        tq = cv2.perspectiveTransform(
            np.array([[[tx, ty], [tx + tw, ty], [tx + tw, ty + th], [tx, ty + th]]], np.float32), m
        )[0]
        x0, y0 = tq.min(axis=0)
        x1, y1 = tq.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    mx = bw * rng.uniform(-0.03, 0.12, size=2)
    my = bh * rng.uniform(-0.05, 0.2, size=2)
    if rng.random() < 0.15:  # the localiser's box is sometimes much wider (emblems, frame)
        mx = bw * rng.uniform(-0.03, 0.35, size=2)
        my = bh * rng.uniform(-0.05, 0.35, size=2)
    cx0, cy0 = int(max(0, x0 - mx[0])), int(max(0, y0 - my[0]))
    cx1, cy1 = int(min(cw, x1 + mx[1])), int(min(ch, y1 + my[1]))
    crop: Image = canvas[cy0:cy1, cx0:cx1]
    if rng.random() < 0.15:
        _occlude(rng, crop, (0, 0, crop.shape[1], crop.shape[0]))
    crop = _lighting(rng, crop, night)
    if rng.random() < 0.15:
        crop = _glare(rng, crop)
    # a sharp photograph (a high-resolution camera's own crop): only for training
    # data that asks for it (CLEAN_SHARE), so other draws of a seed stay as they were
    if CLEAN_SHARE > 0 and rng.random() < CLEAN_SHARE:
        sharp = cv2.cvtColor(_clean_sensor(rng, crop), cv2.COLOR_BGR2GRAY)
        return cv2.resize(sharp, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_AREA)
    # low resolution: a far plate is only 50-120 px wide in the frame
    if rng.random() < 0.6:
        lw = int(rng.uniform(45, 130))
        lh = max(8, int(crop.shape[0] * lw / max(crop.shape[1], 1)))
        crop = cv2.resize(crop, (lw, lh), interpolation=cv2.INTER_AREA)
    crop = _sensor(rng, crop, night)
    grey: Image = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    if rng.random() < 0.1:
        grey = 255 - grey  # a few sensors/IR setups invert contrast
    return cv2.resize(grey, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_AREA)


def negative_crops(
    rng: np.random.Generator, n: int, out_hw: tuple[int, int] = (32, 128)
) -> list[npt.NDArray[Any]]:
    """`n` crops with no plate (car body, grille, road) from one plateless scene, for the
    OCR to learn to read nothing."""
    frame, _ = render_scene(rng, None, night=bool(rng.random() < 0.2))
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    out = []
    for _ in range(n):
        h = int(rng.uniform(20, 90))
        w = int(h * rng.uniform(1.5, 5))
        x = int(rng.integers(0, SCENE_W - w))
        y = int(rng.integers(0, SCENE_H - h))
        crop = grey[y : y + h, x : x + w]
        out.append(cv2.resize(crop, (out_hw[1], out_hw[0]), interpolation=cv2.INTER_AREA))
    return out


def _vehicle(rng: np.random.Generator, img: Image, night: bool) -> tuple[int, int, int]:
    """Draw a vehicle front; return (bumper centre x, bumper y, vehicle width)."""
    vw = int(rng.uniform(0.35, 0.75) * SCENE_W)
    cx = int(rng.uniform(0.3, 0.7) * SCENE_W)
    top = int(rng.uniform(0.05, 0.3) * SCENE_H)
    bottom = int(rng.uniform(0.8, 1.05) * SCENE_H)
    body = tuple(int(c) for c in rng.integers(10, 240, size=3))
    x0, x1 = cx - vw // 2, cx + vw // 2
    cv2.rectangle(img, (x0, top + (bottom - top) // 3), (x1, bottom), body, -1)
    wind = np.array(
        [
            [x0 + vw // 8, top + (bottom - top) // 3],
            [x1 - vw // 8, top + (bottom - top) // 3],
            [x1 - vw // 5, top],
            [x0 + vw // 5, top],
        ],
        np.int32,
    )
    cv2.fillPoly(img, [wind], tuple(int(c) for c in rng.integers(20, 90, size=3)))
    gy = top + int((bottom - top) * 0.5)
    gh = int((bottom - top) * 0.12)
    for k in range(int(rng.integers(3, 9))):  # grille slats: plate-like edges on purpose
        yy = gy + k * max(3, gh // 4)
        cv2.line(img, (cx - vw // 5, yy), (cx + vw // 5, yy), (30, 30, 30), 2)
    lamp = (255, 255, 255) if night else (200, 210, 220)
    lw = vw // 7
    for lx in (x0 + vw // 20, x1 - vw // 20 - lw):
        cv2.rectangle(img, (lx, gy - gh), (lx + lw, gy + gh // 2), lamp, -1)
    by = top + int((bottom - top) * 0.78)
    cv2.rectangle(
        img,
        (x0 - 5, by - 5),
        (x1 + 5, by + int((bottom - top) * 0.1)),
        tuple(max(0, c - 40) for c in body),
        -1,
    )
    return cx, by, vw


_WORDS = (
    "HEATING",
    "COOLING",
    "PLUMBING",
    "DELIVERY",
    "RENTAL",
    "EXPRESS",
    "LOGISTICS",
    "TOYOTA",
    "FORD",
    "HONDA",
    "CHEVROLET",
    "HYBRID",
    "4X4",
    "TAXI",
    "SCHOOL BUS",
)


def _distractors(rng: np.random.Generator, img: Image, cx: int, by: int, vw: int) -> None:
    """Text that is not a plate: camera timestamp, vehicle lettering, bumper stickers."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    if rng.random() < 0.5:  # the camera's on-screen timestamp
        d = rng.integers([2010, 1, 1, 0, 0, 0], [2031, 13, 29, 24, 60, 60])
        stamp = f"{d[0]}-{d[1]:02d}-{d[2]:02d} {d[3]:02d}:{d[4]:02d}:{d[5]:02d}"
        x, y = (8, 24) if rng.random() < 0.7 else (SCENE_W - 330, SCENE_H - 12)
        cv2.putText(img, stamp, (x, y), font, 0.6, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(img, stamp, (x, y), font, 0.6, (255, 255, 255), 1, cv2.LINE_AA)
    if rng.random() < 0.35:  # lettering on the vehicle body
        word = str(_WORDS[int(rng.integers(len(_WORDS)))])
        if rng.random() < 0.5:
            n = rng.integers(0, 10, size=10)
            word = f"{n[0]}{n[1]}{n[2]}-{n[3]}{n[4]}{n[5]}-{n[6]}{n[7]}{n[8]}{n[9]}"
        scale = float(rng.uniform(0.6, 1.6))
        x = int(cx - vw * rng.uniform(0.1, 0.45))
        y = int(by - vw * rng.uniform(0.12, 0.3))
        col = tuple(int(c) for c in rng.integers(0, 256, size=3))
        cv2.putText(img, word, (x, y), font, scale, col, int(rng.integers(1, 4)), cv2.LINE_AA)
    if rng.random() < 0.2:  # a bumper sticker beside the plate
        w, h = int(vw * rng.uniform(0.1, 0.2)), int(vw * rng.uniform(0.025, 0.05))
        x = int(cx + vw * rng.choice([-0.4, 0.25]))
        y = by - h // 2
        cv2.rectangle(img, (x, y), (x + w, y + h), (240, 240, 240), -1)
        word = str(_WORDS[int(rng.integers(len(_WORDS)))])
        cv2.putText(img, word[:8], (x + 3, y + h - 4), font, h / 40, (20, 20, 20), 1, cv2.LINE_AA)


def _texture(rng: np.random.Generator, img: Image, cx: int, by: int, vw: int) -> Image:
    """`img` (a scene before its plate is drawn) made busy: noise at several scales over the
    whole frame (asphalt, foliage, dirt), and often a mesh grille or ribbed bumper around
    where the plate will sit (the texture real plates are mounted on)."""
    h, w = img.shape[:2]
    field = np.zeros((h, w), np.float32)
    for cell in (2, 6, 20):  # grain, gravel and leaves, patches
        small = rng.normal(0, 1, (h // cell + 1, w // cell + 1)).astype(np.float32)
        interp = cv2.INTER_LINEAR if cell > 2 else cv2.INTER_NEAREST
        field += cv2.resize(small, (w, h), interpolation=interp) * float(rng.uniform(4, 22))
    out: Image = np.clip(img.astype(np.float32) + field[:, :, None], 0, 255).astype(np.uint8)
    if rng.random() < 0.6:  # a mesh grille or ribbed bumper beside and behind the plate
        gw, gh = int(vw * rng.uniform(0.3, 0.7)), int(vw * rng.uniform(0.08, 0.2))
        x0, y0 = max(0, cx - gw // 2), max(0, by - gh)
        step = int(rng.integers(5, 15))
        dark = tuple(int(c) for c in rng.integers(0, 60, 3))
        for x in range(x0, min(w, x0 + gw), step):
            cv2.line(out, (x, y0), (x, min(h - 1, y0 + gh)), dark, int(rng.integers(1, 3)))
        if rng.random() < 0.5:
            for y in range(y0, min(h, y0 + gh), step):
                cv2.line(out, (x0, y), (min(w - 1, x0 + gw), y), dark, 1)
    return out


def render_scene(
    rng: np.random.Generator, text: str | None, night: bool = False, *, sensor: bool = True
) -> tuple[Image, Box]:
    """A 1280x720 BGR frame with a vehicle carrying plate `text`, and the plate's box.

    `text=None` draws a vehicle without a plate; its box is (0, 0, 0, 0). About 0.1 s per
    frame; `sensor=False` skips the (slowest) blur/noise/JPEG stage, for a caller that
    encodes frames itself.
    """
    img = np.empty((SCENE_H, SCENE_W, 3), np.uint8)
    sky = rng.integers(60, 230, size=3).astype(np.float32)
    road = rng.integers(40, 140, size=1).astype(np.float32)
    t = np.linspace(0, 1, SCENE_H, dtype=np.float32)[:, None, None]
    horizon = rng.uniform(0.3, 0.55)
    grad = np.where(t < horizon, sky * (1 - 0.4 * t), road * (0.8 + 0.4 * t))
    img[:] = np.broadcast_to(grad, img.shape).astype(np.uint8)
    for _ in range(int(rng.integers(2, 6))):  # buildings/signs in the background
        bx, bw = int(rng.integers(0, SCENE_W)), int(rng.integers(40, 300))
        bh = int(rng.integers(40, 300))
        by = int(horizon * SCENE_H) - bh
        cv2.rectangle(
            img, (bx, by), (bx + bw, by + bh), tuple(int(c) for c in rng.integers(40, 220, 3)), -1
        )
    cx, by, vw = _vehicle(rng, img, night)
    if TEXTURE_SHARE and rng.random() < TEXTURE_SHARE:
        img = _texture(rng, img, cx, by, vw)
    _distractors(rng, img, cx, by, vw)
    box: Box = (0, 0, 0, 0)
    if text is not None:
        plate, _ = render_plate_with_box(rng, text)
        if rng.random() < 0.2:
            plate = _dirt(rng, plate)
        pw = float(np.clip(vw * rng.uniform(0.12, 0.3), *PLATE_WIDTH_RANGE))
        ph = pw / 2 * rng.uniform(0.9, 1.1)
        quad = _rand_quad(rng, pw, ph, 0.03)
        ox = cx - pw / 2 + rng.uniform(-0.1, 0.1) * vw
        oy = by - ph * rng.uniform(0.2, 0.8)
        quad += np.array([ox, oy], np.float32)
        src = np.array([[0, 0], [PLATE_W, 0], [PLATE_W, PLATE_H], [0, PLATE_H]], np.float32)
        m = cv2.getPerspectiveTransform(src, quad)
        cv2.warpPerspective(
            plate, m, (SCENE_W, SCENE_H), dst=img, borderMode=cv2.BORDER_TRANSPARENT
        )
        x0, y0 = np.floor(quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int)
        box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
    img = _lighting(rng, img, night)
    if night and text is not None and rng.random() < 0.7:  # the plate lamp lights the plate
        x, y, w, h = box
        roi = img[max(y, 0) : y + h, max(x, 0) : x + w].astype(np.float32)
        img[max(y, 0) : y + h, max(x, 0) : x + w] = np.clip(
            roi * rng.uniform(1.5, 3.0), 0, 255
        ).astype(np.uint8)
    if rng.random() < 0.1:
        img = _glare(rng, img)
    return (_sensor(rng, img, night) if sensor else img), box
