"""Greedy CTC decoding with a per-read confidence (pure numpy)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BLANK = 0
# Letters that plates print with the same glyph as a digit, or nearly. Serials keep letters and
# digits in groups, and states leave I and O out of them, so a lone O or I among digits is
# almost always the digit: read it so when the model gave the digit at least TWIN_FLOOR
# (a letter the model is sure of stays a letter, as vanity plates need). Only this way round:
# a 0 or 1 beside letters is as often a real digit (0JW695, 1WG011).
TWINS = {"O": "0", "I": "1"}
TWIN_FLOOR = 0.01
_TWIN_CLASS = {ALPHABET.index(a) + 1: ALPHABET.index(b) + 1 for a, b in TWINS.items()}


def decode(logprobs: npt.NDArray[Any], twin_floor: float = TWIN_FLOOR) -> tuple[str, float]:
    """Best path of one T x C log-probability matrix -> (text, confidence in 0..1).

    The confidence is the probability of the weakest kept character (and of the blank
    stretches between them), so one doubtful character makes the whole read doubtful; a twin
    read as its digit (`by_neighbours`) keeps its glyph's confidence.
    """
    best = logprobs.argmax(axis=1)
    best_p = np.exp(logprobs[np.arange(len(best)), best])
    chars: list[str] = []
    twin_p: list[float] = []
    conf = 1.0
    prev = BLANK
    run_max = 0.0
    for t, (k, p) in enumerate(zip(best.tolist(), best_p.tolist(), strict=True)):
        if k == BLANK:
            conf = min(conf, p)  # a hesitant blank may hide a missed character
            prev = k
            continue
        twin = _TWIN_CLASS.get(k)
        tp = float(np.exp(logprobs[t, twin])) if twin else 0.0
        if k != prev:
            if chars:
                conf = min(conf, run_max)
            chars.append(ALPHABET[k - 1])
            twin_p.append(tp)
            run_max = p
        else:
            run_max = max(run_max, p)
            twin_p[-1] = max(twin_p[-1], tp)
        prev = k
    if chars:
        conf = min(conf, run_max)
    return by_neighbours("".join(chars), twin_p, twin_floor), float(conf)


def by_neighbours(text: str, twin_p: list[float], floor: float) -> str:
    """`text` with each twin letter (`TWINS`) whose neighbours that are not twins are all
    digits read as its digit, when the model gave the digit at least `floor` (`twin_p[i]`, the
    digit's best probability over the letter's frames): 3O4SZT -> 304SZT, 54I245 -> 541245."""
    out = list(text)
    for i, ch in enumerate(text):
        twin = TWINS.get(ch)
        if twin is None or twin_p[i] < floor:
            continue
        firm = [c for c in text[max(0, i - 1) : i] + text[i + 1 : i + 2] if c not in TWINS]
        if firm and all(c.isdigit() for c in firm):
            out[i] = twin
    return "".join(out)
