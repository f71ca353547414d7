"""Greedy CTC decoding and its confidence (pure)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from edge.models.plate_reader.ctc import ALPHABET, FORMAT_FLOOR, TWIN_FLOOR, by_format, by_neighbours, decode
from edge.models.plate_reader.formats import KINDS, kind


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


def test_a_read_one_letter_from_a_format_takes_the_digit_the_model_also_saw() -> None:
    # California's 9AAA999 read with its 4 as an L; the model gave the 4 a fifth
    path = [_k(c) for c in "6LKRL81"]
    spaced = [x for k in path for x in (k, 0)]
    m = _with_twin(spaced, 8, "4", 0.2)
    assert decode(m)[0] == "6LKR481"
    assert decode(m, format_floor=None)[0] == "6LKRL81"  # the rule off
    assert decode(_with_twin(spaced, 8, "4", FORMAT_FLOOR / 3))[0] == "6LKRL81"  # not seen as 4


def test_by_format_takes_the_most_probable_change_and_leaves_vanity_plates() -> None:
    other = [("X", 0.0)] * 7
    # NLLLLNN: the fifth (index 4) as a digit gives NLLLNNN, the second (index 1) as a
    # digit gives NNLLLNN, which is no format: only the first counts
    got = by_format("6LKRL81", [*other[:1], ("4", 0.5), *other[2:4], ("4", 0.1), *other[5:]], 0.03)
    assert got == "6LKR481"
    assert by_format("GOLFCAR", [("0", 0.5)] * 7, 0.03) == "GOLFCAR"  # 7 letters: too far
    assert by_format("AKS43Z9", [*other[:5], ("2", 0.02), other[6]], 0.03) == "AKS43Z9"  # below floor


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=8), st.floats(0.0, 1.0))
def test_by_format_changes_at_most_two_characters_into_a_format(text: str, p: float) -> None:
    other = [("7" if c.isalpha() else "T", p) for c in text]
    out = by_format(text, other, 0.03)
    changed = sum(a != b for a, b in zip(text, out, strict=True))
    assert len(out) == len(text)
    assert out == text or (kind(out) in KINDS and changed <= 2)
    if p < 0.03:
        assert out == text
