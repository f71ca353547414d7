"""What both training scripts do with a trained net: export it to ONNX and write its record
(`<model>.json` beside it, with the file's sha256, which the model cards and tests check).
Needs the `[train]` extra (torch)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from torch import nn


def save_onnx(
    module: nn.Module, example: torch.Tensor, out: Path, output_name: str, dynamic_axes: dict[str, Any]
) -> None:
    """`module` (in eval mode) as ONNX opset 17 at `out`; input `image`, one output."""
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        module,
        (example,),
        str(out),
        opset_version=17,
        input_names=["image"],
        output_names=[output_name],
        dynamic_axes=dynamic_axes,
        dynamo=False,
    )


def write_record(out: Path, meta: dict[str, Any]) -> None:
    """`meta` and the exported file's sha256 as `out` with a .json suffix, and on stdout."""
    meta = {**meta, "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    print("done", json.dumps(meta), flush=True)  # noqa: T201 - a training script's last word
