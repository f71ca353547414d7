"""Train the plate detector (plate / not plate for each 4x4 block of a shrunk frame) on
rendered scenes and export it to ONNX.

    python models/plates/train_detector.py --seed 3 --out models/plates/plate_detector.onnx

Needs the `[train]` extra (torch, onnx). CPU only. Data comes only from `edge.sim.plate_scene`
(rendered from the seed: half the scenes textured, a tenth without a plate, a fifth at night);
real photographs are never used. The frames are kept grey at 512 pixels wide and each batch is
shrunk to a random width around the reader's (`detect.WORK_W`), often from a random window
and mirrored, so the net sees plates from a tenth to a third of the frame's width. Half the
frames get wheels and a shadow drawn on them (`--wheels`), two in five are shrunk onto
another frame (`--paste`): small vehicles, two plates in a frame. `--clutter` draws lamps and
lettering on a share of them (tried, not shipped: DETECTOR_CARD.md). `--wheels 0 --paste 0
--minutes 25` trains the first detector (see DETECTOR_CARD.md).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from edge.models.plate_reader.detect import ALIGN, STRIDE, WORK_W, boxes_of, prepare
from edge.models.plate_reader.locate import Box, _iou
from edge.models.plates.onnx_export import save_onnx, write_record
from edge.sim import plate_render, plate_scene
from edge.sim.plate_render import SCENE_H, SCENE_W, label_of, random_plate_text, render_scene

KEEP_W = 512  # frames are kept grey at this width (1280x720 -> 512x288)
KEEP_H = SCENE_H * KEEP_W // SCENE_W
TEXTURE_SHARE, STACKED_SHARE = 0.5, 0.15
NO_PLATE, NIGHT = 0.1, 0.2


class Detector(nn.Module):
    """Three halvings to 1/8 with dilated convolutions there (context: a plate is up to ~100
    pixels wide at the working width), then back up to 1/4 with a skip connection."""

    def __init__(self) -> None:
        super().__init__()

        def conv(i: int, o: int, stride: int = 1, dil: int = 1) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(i, o, 3, stride=stride, padding=dil, dilation=dil, bias=False),
                nn.BatchNorm2d(o),
                nn.ReLU(True),
            )

        self.down = nn.Sequential(conv(1, 12, 2), conv(12, 24, 2), conv(24, 24))  # 1/4
        self.deep = nn.Sequential(conv(24, 32, 2), conv(32, 32, dil=2), conv(32, 32, dil=4))  # 1/8
        self.skip = nn.Conv2d(24, 32, 1)
        self.head = nn.Sequential(conv(32, 16), nn.Conv2d(16, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x 1 x H x W grey 0..255 (H, W multiples of 8) -> N x 1 x H/4 x W/4 logits."""
        x = (x - 127.5) / 64.0
        f4 = self.down(x)
        f8 = self.deep(f4)
        up = nn.functional.interpolate(f8, scale_factor=2.0, mode="nearest")
        logits: torch.Tensor = self.head(torch.relu(up + self.skip(f4)))
        return logits


class Exported(nn.Module):
    """The detector as shipped: probabilities, not logits."""

    def __init__(self, net: Detector) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))


def _render(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Scenes [start, start+n) of a seed: grey KEEP_W frames and plate boxes (zeros: none)."""
    seed, start, n = job
    plate_scene.TEXTURE_SHARE = TEXTURE_SHARE
    plate_render.STACKED_SHARE = STACKED_SHARE
    xs = np.empty((n, KEEP_H, KEEP_W), np.uint8)
    bs = np.zeros((n, 4), np.float32)
    for i in range(n):
        rng = np.random.default_rng([seed, start + i])
        text = None if rng.random() < NO_PLATE else label_of(random_plate_text(rng))
        frame, box = render_scene(rng, text, night=bool(rng.random() < NIGHT))
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        xs[i] = cv2.resize(grey, (KEEP_W, KEEP_H), interpolation=cv2.INTER_AREA)
        if text is not None:
            bs[i] = np.array(box, np.float32) * (KEEP_W / SCENE_W)
    return xs, bs


def make_set(seed: int, n: int, workers: int) -> tuple[np.ndarray, np.ndarray]:
    chunk = 250
    jobs = [(seed, s, min(chunk, n - s)) for s in range(0, n, chunk)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        parts = pool.map(_render, jobs)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _wheels(gen: np.random.Generator, img: np.ndarray, box: np.ndarray) -> None:
    """Two dark tyres with lighter hubs, often a shadow, where a vehicle's wheels would be (or
    anywhere, without a plate): the rendered vehicles have none, and on real frames the first
    detector took wheels and the shadow under a vehicle for plates. The plate stays visible."""
    bx, by, bw, bh = (int(v) for v in box)
    plate = img[by : by + bh, bx : bx + bw].copy() if bw > 0 else None
    if bw > 0:
        px, py, size = bx + bw / 2, by + bh / 2, float(bw)
    else:
        px, py = gen.uniform(0.2, 0.8) * KEEP_W, gen.uniform(0.3, 0.8) * KEEP_H
        size = float(gen.uniform(20, 80))
    r = size * gen.uniform(0.35, 0.7)
    wy = py + size * gen.uniform(0.2, 0.9)
    spread = size * gen.uniform(1.5, 3.5)
    if gen.random() < 0.7:
        y0, y1 = max(0, int(wy + 0.6 * r)), max(0, int(wy + r * gen.uniform(0.9, 1.6)))
        x0, x1 = max(0, int(px - spread - r)), max(0, int(px + spread + r))
        img[y0:y1, x0:x1] = (img[y0:y1, x0:x1] * gen.uniform(0.3, 0.7)).astype(np.uint8)
    for side in (-1, 1):
        c = (int(px + side * spread), int(wy))
        tyre, hub = int(gen.integers(5, 50)), int(gen.integers(90, 220))
        axes = (max(2, int(r * gen.uniform(0.55, 0.9))), max(2, int(r)))
        cv2.ellipse(img, c, axes, 0, 0, 360, tyre, -1)
        cv2.ellipse(img, c, (axes[0] * 5 // 9, axes[1] * 5 // 9), 0, 0, 360, hub, -1)
        for k in range(int(gen.integers(0, 7))):  # spokes
            a = 2 * np.pi * k / 6
            end = (int(c[0] + 0.5 * axes[0] * np.cos(a)), int(c[1] + 0.5 * axes[1] * np.sin(a)))
            cv2.line(img, c, end, tyre, 2)
    if plate is not None:
        img[by : by + bh, bx : bx + bw] = plate


WORDS = ("TOYOTA", "FORD", "HONDA", "CHEVROLET", "NISSAN", "HYBRID", "4X4", "LIMITED", "SPORT",
         "AWD", "CAMRY", "F-150", "SIERRA", "DEALER", "AUTO MALL", "V6", "TACOMA", "LX 350")


def _lamps_and_lettering(gen: np.random.Generator, img: np.ndarray, box: np.ndarray) -> None:
    """Lamps either side of the plate and a model name or dealer's word on the body (or
    anywhere, without a plate): on real frames the detector's boxes fell on lamps and on
    lettering, which the rendered vehicles seldom have. The plate stays visible."""
    bx, by, bw, bh = (int(v) for v in box)
    plate = img[by : by + bh, bx : bx + bw].copy() if bw > 0 else None
    if bw > 0:
        px, py, ph = bx + bw / 2, by + bh / 2, float(max(bh, 4))
    else:
        px, py = gen.uniform(0.2, 0.8) * KEEP_W, gen.uniform(0.3, 0.8) * KEEP_H
        ph = float(gen.uniform(6, 20))
    if gen.random() < 0.7:  # a pair of lamps, lit or dark, level with the plate or above it
        lw, lh = ph * gen.uniform(1.0, 3.5), ph * gen.uniform(0.5, 1.6)
        ly = py - ph * gen.uniform(-0.5, 2.5)
        spread = ph * gen.uniform(3.0, 7.0)
        shade = int(gen.integers(170, 256)) if gen.random() < 0.6 else int(gen.integers(10, 70))
        for side in (-1, 1):
            c = (int(px + side * spread), int(ly))
            if gen.random() < 0.5:
                cv2.ellipse(img, c, (max(2, int(lw / 2)), max(2, int(lh / 2))), 0, 0, 360, shade, -1)
            else:
                cv2.rectangle(img, (int(c[0] - lw / 2), int(c[1] - lh / 2)),
                              (int(c[0] + lw / 2), int(c[1] + lh / 2)), shade, -1)  # fmt: skip
    if gen.random() < 0.7:  # lettering with no plate around it
        faces = plate_render.fonts()
        word = str(WORDS[int(gen.integers(len(WORDS)))])
        th = max(4, int(ph * gen.uniform(0.3, 0.9)))
        mask = plate_render._text_mask(faces[int(gen.integers(len(faces)))], word, th)
        mh, mw = mask.shape
        tx = int(np.clip(px + gen.uniform(-4, 4) * ph - mw / 2, 0, max(0, KEEP_W - mw)))
        ty = int(np.clip(py + gen.choice([-1, 1]) * ph * gen.uniform(1.2, 3.0), 0, max(0, KEEP_H - mh)))
        region = img[ty : ty + mh, tx : tx + mw]
        ink = float(gen.integers(0, 60)) if region.mean() > 110 else float(gen.integers(190, 256))
        a = mask[: region.shape[0], : region.shape[1]].astype(np.float32) / 255.0
        region[:] = (region * (1 - a) + ink * a).astype(np.uint8)
    if plate is not None:
        img[by : by + bh, bx : bx + bw] = plate


def _sample(
    gen: np.random.Generator,
    xs: np.ndarray,
    bs: np.ndarray,
    i: int,
    wheels: float,
    paste: float,
    clutter: float = 0.0,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Frame i (a copy) and its plate boxes: with wheels drawn on it (share `wheels`), and
    shrunk onto another frame (share `paste`: small vehicles, two plates in one frame)."""
    img = xs[i].copy()
    if gen.random() < wheels:
        _wheels(gen, img, bs[i])
    if clutter and gen.random() < clutter:
        _lamps_and_lettering(gen, img, bs[i])
    boxes = [bs[i].copy()] if bs[i][2] > 0 else []
    if gen.random() >= paste:
        return img, boxes
    j = int(gen.integers(len(xs)))
    canvas, cb = xs[j].copy(), bs[j]
    s = float(gen.uniform(0.35, 0.8))
    sw, sh = int(KEEP_W * s), int(KEEP_H * s)
    ox, oy = int(gen.integers(0, KEEP_W - sw + 1)), int(gen.integers(0, KEEP_H - sh + 1))
    canvas[oy : oy + sh, ox : ox + sw] = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA)
    out = [b * s + np.array([ox, oy, 0, 0], np.float32) for b in boxes]
    covered = cb[0] < ox + sw and ox < cb[0] + cb[2] and cb[1] < oy + sh and oy < cb[1] + cb[3]
    if cb[2] > 0 and not covered:
        out.append(cb.copy())
    return canvas, out


def batch(
    gen: np.random.Generator,
    xs: np.ndarray,
    bs: np.ndarray,
    idx: np.ndarray,
    wheels: float = 0.0,
    paste: float = 0.0,
    clutter: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images shrunk to one random width (a random window of each, sometimes mirrored) and
    their targets: 1 on the cells of each plate's box."""
    w = int(gen.integers(288 // ALIGN, 480 // ALIGN + 1)) * ALIGN
    h = round(w * KEEP_H / KEEP_W / ALIGN) * ALIGN
    x = np.empty((len(idx), 1, h, w), np.float32)
    y = np.zeros((len(idx), 1, h // STRIDE, w // STRIDE), np.float32)
    for j, i in enumerate(idx):
        if wheels or paste or clutter:
            img, boxes = _sample(gen, xs, bs, int(i), wheels, paste, clutter)
        else:  # no draw: the first detector's batches, as they were
            img, boxes = xs[i], [bs[i]] if bs[i][2] > 0 else []
        zoom = float(gen.uniform(0.55, 1.0)) if gen.random() < 0.5 else 1.0
        cw, ch = int(KEEP_W * zoom), int(KEEP_H * zoom)
        if boxes and zoom < 1.0:  # a window that holds the (first) plate
            bx, by, bw, bh = boxes[0]
            lo_x, hi_x = max(0, int(bx + bw) - cw), min(KEEP_W - cw, int(bx))
            lo_y, hi_y = max(0, int(by + bh) - ch), min(KEEP_H - ch, int(by))
            ox = int(gen.integers(lo_x, hi_x + 1)) if hi_x >= lo_x else (KEEP_W - cw) // 2
            oy = int(gen.integers(lo_y, hi_y + 1)) if hi_y >= lo_y else (KEEP_H - ch) // 2
        else:
            ox, oy = int(gen.integers(0, KEEP_W - cw + 1)), int(gen.integers(0, KEEP_H - ch + 1))
        win = img[oy : oy + ch, ox : ox + cw]
        sx, sy = w / cw, h / ch
        small = cv2.resize(win, (w, h), interpolation=cv2.INTER_AREA)
        flip = gen.random() < 0.5
        if flip:
            small = small[:, ::-1]
        x[j, 0] = small
        for bx, by, bw, bh in boxes:
            x0, x1 = (bx - ox) * sx / STRIDE, (bx + bw - ox) * sx / STRIDE
            y0, y1 = (by - oy) * sy / STRIDE, (by + bh - oy) * sy / STRIDE
            if flip:
                x0, x1 = w / STRIDE - x1, w / STRIDE - x0
            c0, c1 = max(0, round(float(x0))), min(w // STRIDE, round(float(x1)))
            r0, r1 = max(0, round(float(y0))), min(h // STRIDE, round(float(y1)))
            y[j, 0, r0:r1, c0:c1] = 1.0
    if gen.random() < 0.5:  # contrast and brightness
        x = (x - 127.5) * float(gen.uniform(0.6, 1.3)) + 127.5 + float(gen.uniform(-30, 30))
    return torch.from_numpy(x), torch.from_numpy(y)


def evaluate(model: Detector, xs: np.ndarray, bs: np.ndarray) -> dict[str, float]:
    """At the reader's width: share of plates found (a box with IoU >= 0.4), its mean IoU,
    boxes that are no plate per frame."""
    model.eval()
    found = plates = extra = 0
    ious: list[float] = []
    with torch.no_grad():
        for i in range(len(xs)):
            inp, scale = prepare(xs[i], WORK_W)
            prob = torch.sigmoid(model(torch.from_numpy(inp)))[0, 0].numpy()
            got = boxes_of(prob, scale)
            bx, by, bw, bh = (int(v) for v in bs[i])
            truth: Box = (bx, by, bw, bh)
            best = max((_iou(b, truth) for b, _ in got), default=0.0) if truth[2] else 0.0
            if truth[2]:
                plates += 1
                found += int(best >= 0.4)
                ious.append(best)
            extra += sum(1 for b, _ in got if not truth[2] or _iou(b, truth) < 0.1)
    model.train()
    return {
        "found": round(found / max(plates, 1), 4),
        "mean_iou": round(float(np.mean(ious)) if ious else 0.0, 4),
        "false_per_frame": round(extra / len(xs), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", default="models/plates/plate_detector.onnx")
    ap.add_argument("--scenes", type=int, default=6000)
    ap.add_argument("--val", type=int, default=400)
    ap.add_argument("--minutes", type=float, default=30.0, help="training time budget")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="processes rendering scenes")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--cache", default=None, help="keep the rendered scenes in this .npz")
    ap.add_argument("--wheels", type=float, default=0.5, help="share of frames given wheels")
    ap.add_argument("--paste", type=float, default=0.4, help="share shrunk onto another frame")
    ap.add_argument("--clutter", type=float, default=0.0, help="share given lamps and lettering")
    ap.add_argument("--init", default=None, help="start from this state_dict (.pt)")
    ap.add_argument("--save-state", default=None, help="also save the torch state_dict here")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        data = np.load(cache)
        xs, bs, vx, vb = data["xs"], data["bs"], data["vx"], data["vb"]
    else:
        xs, bs = make_set(args.seed, args.scenes, args.workers)
        vx, vb = make_set(args.seed + 10_000, args.val, args.workers)
        if cache is not None:
            np.savez(cache, xs=xs, bs=bs, vx=vx, vb=vb)
    print(f"have {len(xs)}+{len(vx)} scenes after {time.time() - t0:.0f}s", flush=True)
    model = Detector()
    if args.init:
        model.load_state_dict(torch.load(args.init, weights_only=True))
    print("params", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(4.0))
    gen = np.random.default_rng(args.seed + 1)
    t_train, budget, step, epoch = time.time(), args.minutes * 60, 0, 0
    done = False
    while not done:
        order = gen.permutation(len(xs))
        loss_sum, n_b = 0.0, 0
        for b in range(len(xs) // args.batch):
            frac = min((time.time() - t_train) / budget, 1.0)
            lr = args.lr * min(1.0, (step + 1) / 200) * 0.5 * (1 + np.cos(np.pi * frac))
            for g in opt.param_groups:
                g["lr"] = max(lr, 1e-5)
            x, y = batch(gen, xs, bs, order[b * args.batch : (b + 1) * args.batch], args.wheels, args.paste,
                     args.clutter)  # fmt: skip
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            n_b += 1
            step += 1
            if time.time() - t_train > budget:
                done = True
                break
        m = evaluate(model, vx, vb)
        print(f"epoch {epoch} step {step} loss {loss_sum / max(n_b, 1):.4f} val {m} "
              f"t {time.time() - t_train:.0f}s", flush=True)  # fmt: skip
        epoch += 1
    model.eval()
    if args.save_state:
        torch.save(model.state_dict(), args.save_state)
    out = Path(args.out)
    save_onnx(
        Exported(model),
        torch.zeros(1, 1, 216, WORK_W),
        out,
        "plate_probability",
        {"image": {2: "h", 3: "w"}, "plate_probability": {2: "h4", 3: "w4"}},
    )
    meta = {
        "seed": args.seed,
        "scenes": args.scenes,
        "val": args.val,
        "texture_share": TEXTURE_SHARE,
        "stacked_share": STACKED_SHARE,
        "no_plate": NO_PLATE,
        "night": NIGHT,
        "wheels": args.wheels,
        "paste": args.paste,
        "clutter": args.clutter,
        "init": Path(args.init).name if args.init else None,
        "epochs": epoch,
        "steps": step,
        "train_seconds": round(time.time() - t_train),
        "val_scenes": evaluate(model, vx, vb),
        "work_width": WORK_W,
        "stride": STRIDE,
    }
    write_record(out, meta)

if __name__ == "__main__":
    main()
