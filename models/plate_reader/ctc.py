"""Greedy CTC decoding with a per-read confidence (pure numpy)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BLANK = 0


def decode(logprobs: npt.NDArray[Any]) -> tuple[str, float]:
    """Best path of one T x C log-probability matrix -> (text, confidence in 0..1).

    The confidence is the probability of the weakest kept character (and of the blank
    stretches between them), so one doubtful character makes the whole read doubtful.
    """
    best = logprobs.argmax(axis=1)
    best_p = np.exp(logprobs[np.arange(len(best)), best])
    chars: list[str] = []
    conf = 1.0
    prev = BLANK
    run_max = 0.0
    for k, p in zip(best.tolist(), best_p.tolist(), strict=True):
        if k == BLANK:
            conf = min(conf, p)  # a hesitant blank may hide a missed character
            prev = k
            continue
        if k != prev:
            if chars:
                conf = min(conf, run_max)
            chars.append(ALPHABET[k - 1])
            run_max = p
        else:
            run_max = max(run_max, p)
        prev = k
    if chars:
        conf = min(conf, run_max)
    return "".join(chars), float(conf)
