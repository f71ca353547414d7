"""Train the lane's risk model on SYNTHETIC crossings and ship it as ONNX with its model card.

    python -m edge.models.risk.train_risk --seed 7 [--out models/risk] [--crossings 40000]

Data: `edge.sim.population` draws a population and labelled crossings whose label comes from
a hidden synthetic risk process; features are computed by the daemon's own code (reference data
loaded into a temporary SQLite file, `resolve`, `feature_matrix`), so training and serving
cannot drift apart. Model: L2-regularised logistic regression, numpy only (an officer can read
every weight; per-feature contributions are exact). Each crossing is one row: the element-wise
max of its travellers' rows (the aggregate row the scorer also scores). The ONNX graph outputs
`risk` (sigmoid) and `contrib` (weight x feature) per row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper

from edge.decision.facts import from_dict
from edge.decision.features import (
    FEATURE_NAMES,
    N_FEATURES,
    SCHEMA_VERSION,
    feature_matrix,
    schema_json,
)
from edge.decision.refdata import Change, RefData
from edge.decision.views import resolve
from edge.sim import population as popmod

MODEL_NAME = "risk-lr"
MODEL_VERSION = "1"
PLATE_MIN_CONFIDENCE = 0.6

F32 = npt.NDArray[np.float32]


def build_dataset(seed: int, crossings: int) -> tuple[F32, npt.NDArray[np.int8]]:
    cfg = popmod.PopulationConfig(seed=seed, members=8_000, travellers=8_000)
    pop = popmod.generate(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        ref = RefData(Path(tmp) / "ref.sqlite")
        ref.apply(
            [
                Change("roster", "snapshot", "train", map(popmod.member_record, pop.members)),
                Change("registry", "snapshot", "train", map(popmod.trader_record, pop.traders)),
                Change("lookouts", "snapshot", "train", map(popmod.lookout_record, pop.lookouts)),
                Change(
                    "manifests", "snapshot", "train", map(popmod.manifest_record, pop.manifests)
                ),
            ]
        )
        xs = np.zeros((crossings, N_FEATURES), dtype=np.float32)
        ys = np.zeros(crossings, dtype=np.int8)
        with ref.snapshot() as snap:
            for i, lc in enumerate(popmod.labelled_crossings(pop, crossings, seed)):
                view = resolve(snap, from_dict(lc.crossing))
                xs[i] = feature_matrix(view, PLATE_MIN_CONFIDENCE).max(axis=0)
                ys[i] = lc.should_refer
        ref.close()
    return xs, ys


def fit(x: F32, y: npt.NDArray[np.int8], l2: float = 1e-3, steps: int = 3_000) -> tuple[F32, float]:
    """Full-batch gradient descent with Adam on the logistic loss."""
    w = np.zeros(x.shape[1], dtype=np.float64)
    b = float(np.log(y.mean() / (1 - y.mean())))
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), 0.0, 0.0
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    for t in range(1, steps + 1):
        p = 1.0 / (1.0 + np.exp(-(xd @ w + b)))
        gw = xd.T @ (p - yd) / len(yd) + l2 * w
        gb = float(np.mean(p - yd))
        mw, vw = b1 * mw + (1 - b1) * gw, b2 * vw + (1 - b2) * gw * gw
        mb, vb = b1 * mb + (1 - b1) * gb, b2 * vb + (1 - b2) * gb * gb
        w -= lr * (mw / (1 - b1**t)) / (np.sqrt(vw / (1 - b2**t)) + eps)
        b -= lr * (mb / (1 - b1**t)) / (np.sqrt(vb / (1 - b2**t)) + eps)
    return w.astype(np.float32), b


def auc(scores: npt.NDArray[np.float64], y: npt.NDArray[np.int8]) -> float:
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks of ties
    for v in np.unique(scores):
        idx = scores == v
        if idx.sum() > 1:
            ranks[idx] = ranks[idx].mean()
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def metrics(w: F32, b: float, x: F32, y: npt.NDArray[np.int8]) -> dict[str, Any]:
    p = 1.0 / (1.0 + np.exp(-(x.astype(np.float64) @ w + b)))
    out: dict[str, Any] = {
        "rows": len(y),
        "base_rate": round(float(y.mean()), 4),
        "auc": round(auc(p, y), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
    }
    for thr in (0.3, 0.5):
        pred = p >= thr
        tp = int((pred & (y == 1)).sum())
        out[f"precision@{thr}"] = round(tp / max(1, int(pred.sum())), 4)
        out[f"recall@{thr}"] = round(tp / max(1, int((y == 1).sum())), 4)
        out[f"referral_rate@{thr}"] = round(float(pred.mean()), 4)
    return out


def to_onnx(w: F32, b: float, seed: int) -> onnx.ModelProto:
    n = len(w)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "W"], ["z0"]),
            helper.make_node("Add", ["z0", "B"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["risk"]),
            helper.make_node("Mul", ["features", "W_row"], ["contrib"]),
        ],
        "risk_lr",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", n])],
        [
            helper.make_tensor_value_info("risk", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("contrib", TensorProto.FLOAT, ["N", n]),
        ],
        [
            helper.make_tensor("W", TensorProto.FLOAT, [n, 1], w.tolist()),
            helper.make_tensor("B", TensorProto.FLOAT, [1], [b]),
            helper.make_tensor("W_row", TensorProto.FLOAT, [1, n], w.tolist()),
        ],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="lane-edge train_risk"
    )
    model.ir_version = 8
    meta = {
        "model_name": MODEL_NAME,
        "model_version": MODEL_VERSION,
        "feature_schema_version": SCHEMA_VERSION,
        "feature_names": json.dumps(FEATURE_NAMES),
        "training_seed": str(seed),
        "training_data": "synthetic (edge.sim.population)",
    }
    for k, v in meta.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    return model


CARD = """# Model card: lane risk model `{name}` v{version}

**Decision support on synthetic data.** This model was trained only on crossings drawn by
`edge.sim.population` from a hidden, synthetic risk process. It has never seen a real traveller
and says nothing about real risk. It ranks crossings for an officer's attention; the officer
decides. Lane rules (lookouts, card status, eligibility) act independently of it, and any model
fault refers the crossing (`model_unavailable`).

- File: `risk.onnx`, sha256 `{sha}`
- Type: L2-regularised logistic regression (numpy), exported to ONNX opset 13 with the `onnx`
  helper API. Input `features` float32 [N, {n}]; outputs `risk` [N, 1] and `contrib` [N, {n}]
  (weight x feature, used for reasons: the features that raised the score most).
- Feature schema: `{schema}` (`feature_schema.json`). Every feature is 0 when nothing is wrong.
  No protected attribute (sex, nationality, age, ethnicity, religion) is a feature.
- Training: `python -m edge.models.risk.train_risk --seed {seed}`: {train_rows} training rows,
  one per crossing (element-wise max over its travellers), seed {seed}, {seconds:.1f} s.

## Held-out metrics (synthetic, {test_rows} crossings never used in training)

| metric | value |
|---|---|
{metric_rows}

## Weights

| feature | weight |
|---|---|
{weight_rows}
| (bias) | {bias:.4f} |

## Limits
Synthetic labels; indicator rates are invented. Frequency of recent crossings is supplied by
the lane's store. Re-train and re-validate on governed data before any operational use.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=7, help="population and split seed")
    ap.add_argument("--crossings", type=int, default=40_000, help="labelled crossings to draw")
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder for risk.onnx, MODEL_CARD.md, feature_schema.json",
    )
    args = ap.parse_args(argv)
    start = time.perf_counter()
    x, y = build_dataset(args.seed, args.crossings)
    rng = np.random.default_rng(args.seed)
    test = rng.random(len(y)) < 0.25
    w, b = fit(x[~test], y[~test])
    seconds = time.perf_counter() - start
    held = metrics(w, b, x[test], y[test])
    model = to_onnx(w, b, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    data = model.SerializeToString()
    (args.out / "risk.onnx").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    (args.out / "feature_schema.json").write_text(json.dumps(schema_json(), indent=2) + "\n")
    (args.out / "MODEL_CARD.md").write_text(
        CARD.format(
            name=MODEL_NAME,
            version=MODEL_VERSION,
            sha=sha,
            n=N_FEATURES,
            schema=SCHEMA_VERSION,
            seed=args.seed,
            train_rows=int((~test).sum()),
            test_rows=int(test.sum()),
            seconds=seconds,
            metric_rows="\n".join(f"| {k} | {v} |" for k, v in held.items()),
            weight_rows="\n".join(
                f"| `{n}` | {float(v):.4f} |" for n, v in zip(FEATURE_NAMES, w, strict=True)
            ),
            bias=b,
        )
    )
    print(json.dumps({"sha256": sha, "held_out": held, "seconds": round(seconds, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
