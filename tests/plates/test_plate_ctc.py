"""Greedy CTC decoding and its confidence (pure)."""

import numpy as np

from edge.models.plate_reader.ctc import ALPHABET, decode


def _logp(path: list[int], p: float = 0.9, classes: int = 37) -> np.ndarray:
    m = np.full((len(path), classes), (1 - p) / (classes - 1), np.float32)
    m[np.arange(len(path)), path] = p
    return np.log(m)


def _k(ch: str) -> int:
    return ALPHABET.index(ch) + 1


def test_repeats_collapse_and_blanks_separate() -> None:
    path = [0, _k("A"), _k("A"), 0, _k("A"), _k("7"), 0, 0]
    text, conf = decode(_logp(path))
    assert text == "AA7"
    assert abs(conf - 0.9) < 1e-4


def test_all_blank_reads_nothing() -> None:
    assert decode(_logp([0] * 8))[0] == ""


def test_one_doubtful_character_lowers_the_confidence() -> None:
    m = _logp([_k("B"), 0, _k("C"), 0])
    m[2] = np.log(np.full(37, 0.6 / 36, np.float32))
    m[2, _k("C")] = np.log(0.4)
    text, conf = decode(m)
    assert text == "BC"
    assert abs(conf - 0.4) < 1e-4
