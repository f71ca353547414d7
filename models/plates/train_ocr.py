"""Train the plate OCR (CRNN + CTC) on synthetic plates and export it to ONNX.

    python models/plates/train_ocr.py --seed 1 --out models/plates/plate_ocr_fp32.onnx
    python models/plates/quantize_ocr.py     # -> plate_ocr.onnx, the file the reader loads

Needs the `[train]` extra (torch, onnx). CPU only, one thread by default. Data comes only from
`edge.sim.plate_scene` (rendered from the seed); real photographs are never used.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from edge.models.plate_reader.detect import PlateDetector
from edge.models.plate_reader.locate import candidates, character_rows, refine
from edge.models.plate_reader.reader import AS_IS, INPUT_H, INPUT_W, VARIANTS, _crop_variant
from edge.models.plates.cpu import cpu_flags, read_cpuinfo
from edge.models.plates.onnx_export import save_onnx, write_record
from edge.sim import plate_render, plate_scene
from edge.sim.plate_render import ALPHABET, label_of, random_plate_text, render_scene
from edge.sim.plate_scene import degrade_crop, negative_crops

H, W = INPUT_H, INPUT_W  # the reader's input
BLANK = 0  # class 0 is the CTC blank; class i+1 is ALPHABET[i]
# Each scene box on the plate also cut as one of the reader's second-look crops (its margins
# shifted, `reader.VARIANTS`, chosen at random), since the reader votes over those crops
# (`--scene-looks`, tried for v11, not shipped: see OCR_HISTORY.md; off, no draw is made, so
# other sets render as they did)
SCENE_LOOKS = False
# The learned detector's boxes (and their refined boxes) also cut from each scene, since the
# reader reads them beside the edge search's (`--scene-detector`; off: the detector is not
# loaded and the sets render as they did)
SCENE_DETECTOR: PlateDetector | None = None


# Architectures by name: conv channels of the five blocks, the projection's width, the GRU's
# hidden size per direction. "base" is every shipped file to v10 (438,597 parameters); "wide"
# has room for more glyph shapes (alternates, states' own faces) at about 1.45x the
# multiply-adds; `--arch wide --init base.onnx` starts from a base file widened so that it
# computes exactly what the file does (`widen`).
ARCHS: dict[str, tuple[tuple[int, int, int, int, int], int, int]] = {
    "base": ((32, 64, 96, 96, 128), 128, 96),
    "wide": ((32, 64, 128, 128, 160), 160, 128),
}


class CRNN(nn.Module):
    """Conv feature extractor -> BiGRU over columns -> per-column class scores."""

    def __init__(self, n_classes: int = len(ALPHABET) + 1, arch: str = "base") -> None:
        super().__init__()
        (c1, c2, c3, c4, c5), proj, hidden = ARCHS[arch]
        self.arch = arch

        def block(i: int, o: int) -> list[nn.Module]:
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(True)]

        self.cnn = nn.Sequential(
            *block(1, c1),
            nn.MaxPool2d(2),  # 16x64
            *block(c1, c2),
            nn.MaxPool2d(2),  # 8x32
            *block(c2, c3),
            *block(c3, c4),
            nn.MaxPool2d((2, 1)),  # 4x32
            *block(c4, c5),
            nn.MaxPool2d((2, 1)),  # 2x32
        )
        self.proj = nn.Linear(c5 * 2, proj)
        self.rnn = nn.GRU(proj, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x 1 x 32 x 128 grey in 0..255 -> N x 32 x classes log-probabilities."""
        x = (x - 127.5) / 64.0
        f = self.cnn(x)  # N C 2 32
        n, c, h, w = f.shape
        f = f.permute(0, 3, 1, 2).reshape(n, w, c * h)
        f = torch.relu(self.proj(f))
        f, _ = self.rnn(f)
        return torch.log_softmax(self.head(f), dim=-1)


def widen(small: CRNN, big: CRNN) -> None:
    """Copy a trained `small` into the first units of every layer of `big` (Net2Net style), so
    that `big` in eval mode computes what `small` does and training goes on from there.

    Each new unit keeps its random initial weights in (so it computes something and learns),
    while its weights out to the next layer start at zero (so the old units see none of it).
    Conv features reach `proj` as channel * 2 + row: the old channels keep their indices."""
    with torch.no_grad():
        s_convs = [m for m in small.cnn if isinstance(m, nn.Conv2d)]
        b_convs = [m for m in big.cnn if isinstance(m, nn.Conv2d)]
        s_bns = [m for m in small.cnn if isinstance(m, nn.BatchNorm2d)]
        b_bns = [m for m in big.cnn if isinstance(m, nn.BatchNorm2d)]
        for sc, bc, sb, bb in zip(s_convs, b_convs, s_bns, b_bns, strict=True):
            o, i = sc.weight.shape[:2]
            bc.weight[:o, :i] = sc.weight
            bc.weight[:o, i:] = 0.0
            for name in ("weight", "bias", "running_mean", "running_var"):
                getattr(bb, name)[:o] = getattr(sb, name)
        o, i = small.proj.weight.shape
        big.proj.weight[:o, :i] = small.proj.weight
        big.proj.weight[:o, i:] = 0.0
        big.proj.bias[:o] = small.proj.bias
        big.proj.bias[o:] = 0.0
        hs, hb = small.rnn.hidden_size, big.rnn.hidden_size
        for sfx in ("", "_reverse"):
            for kind in ("ih", "hh"):
                sw = getattr(small.rnn, f"weight_{kind}_l0{sfx}")
                bw = getattr(big.rnn, f"weight_{kind}_l0{sfx}")
                sbias = getattr(small.rnn, f"bias_{kind}_l0{sfx}")
                bbias = getattr(big.rnn, f"bias_{kind}_l0{sfx}")
                cols = sw.shape[1]
                for g in range(3):  # gates r, z, n: blocks of hidden_size rows
                    bw[g * hb : g * hb + hs, :cols] = sw[g * hs : (g + 1) * hs]
                    bw[g * hb : g * hb + hs, cols:] = 0.0
                    bbias[g * hb : g * hb + hs] = sbias[g * hs : (g + 1) * hs]
        big.head.weight.zero_()
        big.head.weight[:, :hs] = small.head.weight[:, :hs]  # forward direction
        big.head.weight[:, hb : hb + hs] = small.head.weight[:, hs:]  # backward
        big.head.bias.copy_(small.head.bias)


def _cover(c: tuple[int, int, int, int], g: tuple[int, int, int, int]) -> float:
    cx, cy, cw, ch = c
    gx, gy, gw, gh = g
    ix = max(0, min(cx + cw, gx + gw) - max(cx, gx))
    iy = max(0, min(cy + ch, gy + gh) - max(cy, gy))
    return ix * iy / max(gw * gh, 1) if cw * ch < 4 * gw * gh else 0.0


def pipeline_crops(rng: np.random.Generator) -> list[tuple[np.ndarray, str]]:
    """Crops exactly as the runtime cuts them from a rendered scene: the candidate on the
    plate and its refined box (labelled with its text, when they cover most of the plate) and up
    to two other candidates (labelled empty: hard negatives such as lettering, lamps, grilles)."""
    text = random_plate_text(rng) if rng.random() < 0.85 else None
    frame, box = render_scene(rng, text, night=bool(rng.random() < 0.2))
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    out: list[tuple[np.ndarray, str]] = []

    def positive(b: tuple[int, int, int, int], label: str) -> None:
        out.append((_crop_variant(grey, b, AS_IS), label))
        if SCENE_LOOKS:
            out.append((_crop_variant(grey, b, VARIANTS[int(rng.integers(len(VARIANTS)))]), label))

    negs = 0
    boxes = candidates(grey)
    if SCENE_DETECTOR is not None:
        boxes += SCENE_DETECTOR.boxes(grey)
    for cand, _score in boxes:
        cov = _cover(cand, box) if text else 0.0
        better = refine(grey, cand)
        if text and better is not None and _cover(better, box) > 0.8:
            positive(better, label_of(text))
        if cov > 0.8 and text:
            positive(cand, label_of(text))
        elif cov == 0.0 and negs < 2:
            # the reader also reads the refined box of a candidate that is not a plate
            out.append((_crop_variant(grey, better or cand, AS_IS), ""))
            negs += 1
    # the rows of characters the reader falls back on (their boxes sit around the characters
    # with the refinement's margins): the one on the plate, and one that is not
    row_neg = False
    for row, _score in character_rows(grey):
        cov = _cover(row, box) if text else 0.0
        if text and cov > 0.8:
            positive(row, label_of(text))
        elif cov == 0.0 and not row_neg:
            out.append((_crop_variant(grey, row, AS_IS), ""))
            row_neg = True
    return out


def make_set(
    seed: int, n: int, neg_frac: float, scene_frac: float = 0.0
) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    xs = np.empty((n, 1, H, W), np.uint8)
    ys: list[str] = []
    pool: list[np.ndarray] = []
    scene_pool: list[tuple[np.ndarray, str]] = []
    for i in range(n):
        if rng.random() < scene_frac:
            while not scene_pool:
                scene_pool = pipeline_crops(rng)
            crop, label = scene_pool.pop()
            xs[i, 0] = crop
            ys.append(label)
        elif rng.random() < neg_frac:
            if not pool:
                pool = negative_crops(rng, 16, (H, W))
            xs[i, 0] = pool.pop()
            ys.append("")
        else:
            text = random_plate_text(rng)
            xs[i, 0] = degrade_crop(rng, text, (H, W))
            ys.append(label_of(text))
    return xs, ys


def load_onnx_weights(model: CRNN, path: str, probe: np.ndarray) -> None:
    """Start from a shipped `.onnx` (when its torch state is gone): copy its weights back.

    The exporter fused each BatchNorm into its conv; we load the fused conv and give each BN the
    batch statistics of `probe` as running stats and gamma/beta that undo them, so the model in
    eval mode computes exactly what the ONNX file computes (checked below) and training resumes
    from there. GRU gates are z,r,h in ONNX and r,z,n in torch."""
    import onnx
    from onnx import numpy_helper

    # copies: torch will not share read-only arrays
    init = {i.name: numpy_helper.to_array(i).copy() for i in onnx.load(path).graph.initializer}
    conv_w = sorted((k for k in init if k.startswith("onnx::Conv_")), key=lambda k: int(k[11:]))
    convs = [m for m in model.cnn if isinstance(m, nn.Conv2d)]
    bns = [m for m in model.cnn if isinstance(m, nn.BatchNorm2d)]
    fused_b = []
    with torch.no_grad():
        for conv, bn, (kw, kb) in zip(convs, bns, zip(conv_w[::2], conv_w[1::2], strict=True), strict=True):
            conv.weight.copy_(torch.from_numpy(init[kw]))
            fused_b.append(torch.from_numpy(init[kb]))
            assert bn.running_mean is not None and bn.running_var is not None
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(fused_b[-1])
        mats = sorted((k for k in init if k.startswith("onnx::MatMul_")), key=lambda k: int(k[13:]))
        model.proj.weight.copy_(torch.from_numpy(init[mats[0]].T))
        model.proj.bias.copy_(torch.from_numpy(init["proj.bias"]))
        model.head.weight.copy_(torch.from_numpy(init[mats[1]].T))
        model.head.bias.copy_(torch.from_numpy(init["head.bias"]))
        gru = sorted((k for k in init if k.startswith("onnx::GRU_")), key=lambda k: int(k[10:]))
        b, w, r = (init[k] for k in gru)  # B [2, 6h], W [2, 3h, in], R [2, 3h, h]
        hd = model.rnn.hidden_size

        def reorder(a: np.ndarray) -> torch.Tensor:  # z r h -> r z n
            return torch.from_numpy(np.concatenate([a[hd : 2 * hd], a[:hd], a[2 * hd :]]))

        for d, sfx in ((0, ""), (1, "_reverse")):
            getattr(model.rnn, "weight_ih_l0" + sfx).copy_(reorder(w[d]))
            getattr(model.rnn, "weight_hh_l0" + sfx).copy_(reorder(r[d]))
            getattr(model.rnn, "bias_ih_l0" + sfx).copy_(reorder(b[d][: 3 * hd]))
            getattr(model.rnn, "bias_hh_l0" + sfx).copy_(reorder(b[d][3 * hd :]))
        # data-dependent BN: capture each conv's output on the probe, make BN an identity on it
        seen: list[torch.Tensor] = []
        hooks = [bn.register_forward_hook(lambda _m, i, _o: seen.append(i[0])) for bn in bns]
        model.eval()
        x = torch.from_numpy(probe).float()
        want = model(x)
        for h in hooks:
            h.remove()
        for bn, out, fb in zip(bns, seen, fused_b, strict=True):
            mean = out.mean(dim=(0, 2, 3))
            var = out.var(dim=(0, 2, 3), unbiased=False)
            assert bn.running_mean is not None and bn.running_var is not None
            bn.running_mean.copy_(mean)
            bn.running_var.copy_(var)
            bn.weight.copy_(torch.sqrt(var + bn.eps))
            bn.bias.copy_(mean + fb)
        got = model(x)
    import onnxruntime as ort

    ref = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    onnx_out = ref.run(None, {"image": probe.astype(np.float32)})[0]
    err = float(np.abs(got.numpy() - onnx_out).max())
    refit = float((want - got).abs().max())
    print(f"loaded {path}: max |torch - onnx| = {err:.2e} (BN refit moved it {refit:.2e})")
    if err > 1e-3:
        raise SystemExit("weights recovered from ONNX do not reproduce it")


def greedy(logp: np.ndarray) -> list[str]:
    out = []
    for row in logp.argmax(-1):
        s, prev = [], BLANK
        for k in row:
            if k != prev and k != BLANK:
                s.append(ALPHABET[k - 1])
            prev = k
        out.append("".join(s))
    return out


def evaluate(model: CRNN, xs: np.ndarray, ys: list[str]) -> dict[str, float]:
    model.eval()
    preds: list[str] = []
    with torch.no_grad():
        for i in range(0, len(xs), 256):
            preds += greedy(model(torch.from_numpy(xs[i : i + 256]).float()).numpy())
    exact = sum(p == y for p, y in zip(preds, ys, strict=True)) / len(ys)
    pos = [(p, y) for p, y in zip(preds, ys, strict=True) if y]
    return {"exact": exact, "exact_plates": sum(p == y for p, y in pos) / max(len(pos), 1)}


def train_step(
    model: CRNN,
    opt: torch.optim.Optimizer,
    ctc: nn.CTCLoss,
    x: torch.Tensor,
    targets: list[torch.Tensor],
    bf16: bool = False,
) -> float:
    """One optimiser step on a batch of crops and their label classes; the batch's CTC loss.
    With `bf16` the forward pass runs in bfloat16 where torch.autocast allows (convolutions,
    linear layers); the loss is taken in float32 and the weights stay float32."""
    lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
    flat = torch.cat(targets) if int(lengths.sum()) else torch.zeros(0, dtype=torch.long)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(x)
    logp = out.float().permute(1, 0, 2)  # T N C
    in_len = torch.full((x.shape[0],), logp.shape[0], dtype=torch.long)
    loss = ctc(logp, flat, in_len, lengths)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    return float(loss.item())


# CPU flags of native bfloat16 arithmetic (/proc/cpuinfo: x86 `flags`, Arm `Features`);
# without them torch emulates it. Base CRNN, batches of 64, two threads, random crops
# (2026-11-28): an EPYC with AVX-512 BF16 574-590 steps a minute in bfloat16, 321-351 in
# float32; an EPYC with AVX2 only 11 in bfloat16, 131 in float32.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def native_bf16(cpuinfo: str) -> bool:
    """Whether the CPU described by `cpuinfo` (the text of /proc/cpuinfo) computes bfloat16
    itself; an empty text (no /proc/cpuinfo) is given the benefit of the doubt."""
    return not cpuinfo or bool(cpu_flags(cpuinfo) & BF16_FLAGS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="models/plates/plate_ocr_fp32.onnx")
    ap.add_argument("--samples", type=int, default=42000)
    ap.add_argument("--val", type=int, default=2000)
    ap.add_argument(
        "--scene-frac",
        type=float,
        default=0.12,
        help="share of crops cut from rendered scenes by the runtime localiser",
    )
    ap.add_argument("--minutes", type=float, default=32.0, help="training time budget")
    ap.add_argument("--max-epochs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--init", default=None, help="start from this state_dict (.pt), fine-tune")
    ap.add_argument("--arch", choices=sorted(ARCHS), default="base", help="the model's size (ARCHS)")
    ap.add_argument(
        "--init-arch",
        choices=sorted(ARCHS),
        default=None,
        help="--init's size when it differs from --arch: it is widened into --arch (widen)",
    )
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    ap.add_argument(
        "--bf16",
        action="store_true",
        help="forward pass in bfloat16 (torch.autocast; weights, loss and the saved model stay float32):"
        " 1.7x the steps a minute on a CPU with AVX-512 BF16; refused on one without (native_bf16)",
    )
    ap.add_argument("--save-state", default=None, help="also save the torch state_dict here")
    ap.add_argument(
        "--render-only",
        default=None,
        help="render --samples crops from --seed into this .npz and stop (run several in parallel)",
    )
    ap.add_argument(
        "--stacked-share",
        type=float,
        default=None,
        help="share of plate designs with stacked characters (renderer default when unset)",
    )
    ap.add_argument(
        "--texture-share",
        type=float,
        default=None,
        help="share of scenes drawn textured (plate_scene.TEXTURE_SHARE; renderer default, 0, when unset)",
    )
    ap.add_argument(
        "--glyph-jitter",
        type=float,
        default=None,
        help="largest warp of the characters, share of their height (plate_render.GLYPH_JITTER; 0 if unset)",
    )
    ap.add_argument(
        "--alt-glyphs",
        type=float,
        default=None,
        help="share of stroke-face plates in real plates' other glyph shapes (plate_render.ALT_GLYPH_SHARE)",
    )
    ap.add_argument(
        "--clean-share",
        type=float,
        default=None,
        help="share of plate crops drawn sharp and clean (renderer default, 0, when unset)",
    )
    ap.add_argument(
        "--scene-looks",
        action="store_true",
        help="scene crops on the plate also cut as one of the reader's second-look crops (SCENE_LOOKS)",
    )
    ap.add_argument(
        "--scene-detector",
        action="store_true",
        help="scene crops also from the learned detector's boxes, as the reader reads them (SCENE_DETECTOR)",
    )
    ap.add_argument(
        "--scene-plate-width",
        default=None,
        metavar="MIN:MAX",
        help="scene plates' width in pixels (plate_scene.PLATE_WIDTH_RANGE; renderer default when unset)",
    )
    ap.add_argument(
        "--rare-rate",
        action="append",
        default=[],
        metavar="LETTER=RATE",
        help="serial rate of a rare letter (I, O, Q) against a common one, e.g. I=0.5",
    )
    ap.add_argument(
        "--data", nargs="*", default=[], help=".npz files from --render-only to train on"
    )
    args = ap.parse_args()
    if args.bf16 and not native_bf16(read_cpuinfo()):
        raise SystemExit(
            "--bf16: this CPU has no native bfloat16 (AVX-512 BF16, AMX or Arm BF16), torch would"
            " emulate it about 12 times slower than float32 (BF16_FLAGS): leave --bf16 out here"
        )
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t0 = time.time()
    if args.stacked_share is not None:
        plate_render.STACKED_SHARE = args.stacked_share
    if args.clean_share is not None:
        plate_scene.CLEAN_SHARE = args.clean_share
    if args.texture_share is not None:
        plate_scene.TEXTURE_SHARE = args.texture_share
    if args.glyph_jitter is not None:
        plate_render.GLYPH_JITTER = args.glyph_jitter
    if args.alt_glyphs is not None:
        plate_render.ALT_GLYPH_SHARE = args.alt_glyphs
    global SCENE_LOOKS, SCENE_DETECTOR
    if args.scene_looks:
        SCENE_LOOKS = True
    if args.scene_detector:
        SCENE_DETECTOR = PlateDetector()
    if args.scene_plate_width is not None:
        lo, _colon, hi = args.scene_plate_width.partition(":")
        plate_scene.PLATE_WIDTH_RANGE = (float(lo), float(hi))
    for item in args.rare_rate:
        letter, _eq, rate = item.partition("=")
        if letter not in plate_render.RARE_SERIAL_RATES or not rate.replace(".", "", 1).isdigit():
            raise SystemExit(f"--rare-rate {item}: want I, O or Q = a rate, e.g. I=0.5")
        plate_render.RARE_SERIAL_RATES[letter] = float(rate)
    if args.render_only:
        xs, ys = make_set(args.seed, args.samples, 0.05, args.scene_frac)
        np.savez_compressed(args.render_only, x=xs, y=np.array(ys, dtype=object))
        print(f"rendered {len(xs)} crops in {time.time() - t0:.0f}s -> {args.render_only}")
        return
    if args.data:
        parts = [np.load(f, allow_pickle=True) for f in args.data]
        xs = np.concatenate([p["x"] for p in parts])
        ys = [str(y) for p in parts for y in p["y"]]
        args.samples = len(xs)
    else:
        xs, ys = make_set(args.seed, args.samples, 0.05, args.scene_frac)
    vx, vy = make_set(args.seed + 10_000, args.val, 0.05, args.scene_frac)
    print(f"have {len(xs)}+{len(vx)} crops after {time.time() - t0:.0f}s", flush=True)
    targets = [torch.tensor([ALPHABET.index(c) + 1 for c in y], dtype=torch.long) for y in ys]
    model = CRNN(arch=args.arch)
    start = CRNN(arch=args.init_arch or args.arch)
    if args.init and args.init.endswith(".onnx"):
        load_onnx_weights(start, args.init, vx[:256].astype(np.float32))
        print("val of the start model", evaluate(start, vx, vy), flush=True)
    elif args.init:
        start.load_state_dict(torch.load(args.init, weights_only=True))
    if args.init and start.arch != model.arch:
        widen(start, model)
        start.eval()
        model.eval()
        probe = torch.from_numpy(vx[:256]).float()
        with torch.no_grad():
            err = float((model(probe) - start(probe)).abs().max())
        print(f"widened {start.arch} -> {model.arch}: max |wide - start| = {err:.2e}", flush=True)
        if err > 1e-4:
            raise SystemExit("the widened model does not compute what it started from")
    elif args.init:
        model = start
    print("params", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    gen = np.random.default_rng(args.seed + 1)
    steps_per_epoch = len(xs) // args.batch
    t_train = time.time()
    budget = args.minutes * 60
    step = 0
    total_est = steps_per_epoch * args.max_epochs
    for epoch in range(args.max_epochs):
        model.train()
        order = gen.permutation(len(xs))
        loss_sum = 0.0
        for b in range(steps_per_epoch):
            frac = min((time.time() - t_train) / budget, step / total_est)
            frac = max(frac, (time.time() - t_train) / budget)
            lr = args.lr * min(1.0, (step + 1) / 300) * (0.5 * (1 + np.cos(np.pi * min(frac, 1.0))))
            for g in opt.param_groups:
                g["lr"] = max(lr, 2e-5)
            idx = order[b * args.batch : (b + 1) * args.batch]
            x = torch.from_numpy(xs[idx]).float()
            if gen.random() < 0.5:  # cheap extra augmentation: contrast jitter
                x = (x - 127.5) * float(gen.uniform(0.6, 1.3)) + 127.5 + float(gen.uniform(-30, 30))
            loss_sum += train_step(model, opt, ctc, x, [targets[i] for i in idx], args.bf16)
            step += 1
            if time.time() - t_train > budget:
                break
        m = evaluate(model, vx, vy)
        print(
            f"epoch {epoch} step {step} loss {loss_sum / max(b + 1, 1):.4f} val {m} "
            f"t {time.time() - t_train:.0f}s",
            flush=True,
        )
        if time.time() - t_train > budget:
            break
    model.eval()
    if args.save_state:
        torch.save(model.state_dict(), args.save_state)
    out = Path(args.out)
    save_onnx(model, torch.zeros(1, 1, H, W), out, "logprobs", {"image": {0: "n"}, "logprobs": {0: "n"}})
    final = evaluate(model, vx, vy)
    meta = {
        "seed": args.seed,
        "arch": args.arch,
        "scene_frac": args.scene_frac,
        "init": Path(args.init).name if args.init else None,
        "data": [Path(f).name for f in args.data],
        "samples": args.samples,
        "val": args.val,
        "epochs": epoch + 1,
        "steps": step,
        "bf16": args.bf16,
        "train_seconds": round(time.time() - t_train),
        "val_crops": final,
        "faces": plate_render.face_names(),  # the crops depend on the fonts installed
        "input": [1, H, W],
        "alphabet": ALPHABET,
        "blank": BLANK,
    }
    write_record(out, meta)

if __name__ == "__main__":
    main()
