"""Greedy CTC decoding and its confidence (pure)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from edge.models.plate_reader.ctc import ALPHABET, TWIN_FLOOR, by_neighbours, decode


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


def _with_twin(path: list[int], at: int, twin: str, p: float) -> np.ndarray:
    """`_logp(path)` where frame `at` also gives `twin` probability `p`."""
    m = np.exp(_logp(path))
    m[at, _k(twin)] = p
    return np.log(m / m.sum(axis=1, keepdims=True))


def test_a_doubtful_o_among_digits_is_read_as_zero() -> None:
    path = [_k("3"), 0, _k("O"), 0, _k("4"), 0, _k("S")]
    assert decode(_with_twin(path, 2, "0", 0.05))[0] == "304S"
    assert decode(_with_twin(path, 2, "0", 0.05), twin_floor=1.0)[0] == "3O4S"


def test_a_letter_the_model_is_sure_of_stays_a_letter() -> None:
    path = [_k("3"), 0, _k("O"), 0, _k("4")]
    assert decode(_with_twin(path, 2, "0", TWIN_FLOOR / 10))[0] == "3O4"


def test_a_lone_i_at_the_end_of_digits_is_a_one() -> None:
    path = [_k("9"), 0, _k("9"), 0, _k("I")]
    assert decode(_with_twin(path, 4, "1", 0.2))[0] == "991"


def test_twins_among_letters_or_at_a_group_boundary_stay() -> None:
    assert by_neighbours("GOLF", [0.5] * 4, 0.01) == "GOLF"
    assert by_neighbours("ABO123", [0.5] * 6, 0.01) == "ABO123"  # O beside B and 1
    assert by_neighbours("0JW6I5", [0.5] * 6, 0.01) == "0JW615"
    assert by_neighbours("1WG0I1", [0.5] * 6, 0.01) == "1WG011"


@given(st.text(alphabet=ALPHABET, max_size=8), st.floats(0.0, 1.0))
def test_by_neighbours_only_turns_letters_into_their_digits(text: str, p: float) -> None:
    out = by_neighbours(text, [p] * len(text), 0.01)
    assert len(out) == len(text)
    for a, b in zip(text, out, strict=True):
        assert a == b or (a, b) in {("O", "0"), ("I", "1")}
    if p < 0.01:
        assert out == text
