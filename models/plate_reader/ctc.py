"""Greedy CTC decoding with a per-read confidence (pure numpy)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from edge.models.plate_reader.formats import KINDS, KINDS_BY_LENGTH, kind

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BLANK = 0
# Letters that plates print with the same glyph as a digit, or nearly. Serials keep letters and
# digits in groups, and states leave I and O out of them, so a lone O or I among digits is
# almost always the digit: read it so when the model gave the digit at least TWIN_FLOOR
# (a letter the model is sure of stays a letter, as vanity plates need). Only this way round:
# a 0 or 1 beside letters is as often a real digit (0JW695, 1WG011).
TWINS = {"O": "0", "I": "1"}
TWIN_FLOOR = 0.01
# A read that fits no serial format and is at most FORMAT_CHANGES letter-for-digit (or
# digit-for-letter) changes from one, each change the model's own best reading of the other
# kind with at least FORMAT_FLOOR, is read as that format (`by_format`). Chosen on 1,000
# scenes of the tuning seed 4242: 927 right without it; 1 change at 0.01: 931; 2 at 0.003,
# 0.01, 0.03, 0.1: 928, 931, 932, 930; 3 at 0.03: 932
FORMAT_FLOOR = 0.03
FORMAT_CHANGES = 2
_LETTERS = (1, 27)  # classes of A..Z
_DIGITS = (27, 37)  # classes of 0..9


def decode(
    logprobs: npt.NDArray[Any], twin_floor: float = TWIN_FLOOR, format_floor: float | None = FORMAT_FLOOR
) -> tuple[str, float]:
    """Best path of one T x C log-probability matrix -> (text, confidence in 0..1).

    The confidence is the probability of the weakest kept character (and of the blank
    stretches between them), so one doubtful character makes the whole read doubtful; a twin
    read as its digit (`by_neighbours`) or a character changed to fit a serial format
    (`by_format`, off with `format_floor=None`) keeps its glyph's confidence.
    """
    best = logprobs.argmax(axis=1)
    best_p = np.exp(logprobs[np.arange(len(best)), best])
    chars: list[str] = []
    spans: list[list[int]] = []  # each character's frames
    conf = 1.0
    prev = BLANK
    run_max = 0.0
    for t, (k, p) in enumerate(zip(best.tolist(), best_p.tolist(), strict=True)):
        if k == BLANK:
            conf = min(conf, p)  # a hesitant blank may hide a missed character
            prev = k
            continue
        if k != prev:
            if chars:
                conf = min(conf, run_max)
            chars.append(ALPHABET[k - 1])
            spans.append([t])
            run_max = p
        else:
            run_max = max(run_max, p)
            spans[-1].append(t)
        prev = k
    if chars:
        conf = min(conf, run_max)
    # each twin letter's digit: its best probability over the letter's frames
    twin_p = [
        float(np.exp(logprobs[frames, ALPHABET.index(TWINS[ch]) + 1].max())) if ch in TWINS else 0.0
        for ch, frames in zip(chars, spans, strict=True)
    ]
    text = by_neighbours("".join(chars), twin_p, twin_floor)
    if format_floor is not None and text and kind(text) not in KINDS:
        text = by_format(text, _other_kind(logprobs, text, spans), format_floor)
    return text, float(conf)


def _other_kind(logprobs: npt.NDArray[Any], text: str, spans: list[list[int]]) -> list[tuple[str, float]]:
    """For each character, the model's best character of the other kind (a digit for a letter,
    a letter for a digit) over the character's frames, with its probability."""
    out = []
    for ch, frames in zip(text, spans, strict=True):
        lo, hi = (_LETTERS if ch.isdigit() else _DIGITS)
        p = np.exp(logprobs[frames, lo:hi].max(axis=0))
        j = int(p.argmax())
        out.append((ALPHABET[lo - 1 + j], float(p[j])))
    return out


def by_format(text: str, other: list[tuple[str, float]], floor: float) -> str:
    """`text`, which fits no serial format (`formats.KINDS`), changed to fit the one format it
    is nearest to: at most `FORMAT_CHANGES` characters read as the other kind, each the model's
    best of that kind with at least `floor` probability; the most probable change wins. A text
    that no such change fits is left as it is (vanity plates)."""
    best: tuple[float, str] | None = None
    have = kind(text)
    for want in KINDS_BY_LENGTH.get(len(text), ()):
        diff = [i for i, (a, b) in enumerate(zip(have, want, strict=True)) if a != b]
        if len(diff) > FORMAT_CHANGES or any(other[i][1] < floor for i in diff):
            continue
        score = float(np.prod([other[i][1] for i in diff]))
        if best is None or score > best[0]:
            out = list(text)
            for i in diff:
                out[i] = other[i][0]
            best = (score, "".join(out))
    return text if best is None else best[1]


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
