"""The vote that combines reads of one vehicle (pure)."""

from hypothesis import given
from hypothesis import strategies as st

from edge.models.plate_reader import PlateText, PlateVote, vote

BOX = (0, 0, 10, 5)


def _r(text: str, conf: float) -> PlateText:
    return PlateText(text, conf, BOX)


def test_no_reads_is_low_confidence() -> None:
    assert vote([]) == PlateVote("", 0.0, True, 0)


def test_agreeing_reads_win_with_high_confidence() -> None:
    v = vote([_r("ABC123", 0.9), _r("ABC123", 0.95), _r("ABC123", 0.8)])
    assert v.text == "ABC123"
    assert not v.low_confidence
    assert v.confidence >= 0.8


def test_confident_reads_outweigh_many_weak_ones() -> None:
    v = vote([_r("ABC123", 0.95), _r("ABC123", 0.9), _r("ABC128", 0.2), _r("AB123", 0.3)])
    assert v.text == "ABC123"


def test_per_character_vote_repairs_a_misread_character() -> None:
    v = vote([_r("ABC123", 0.9), _r("ABC128", 0.7), _r("ABO123", 0.8)])
    assert v.text == "ABC123"


def test_disagreement_is_flagged_not_guessed() -> None:
    v = vote([_r("ABC123", 0.7), _r("XYZ789", 0.7)])
    assert v.low_confidence


def test_single_weak_read_is_flagged() -> None:
    assert vote([_r("ABC123", 0.4)]).low_confidence


def test_empty_texts_are_ignored() -> None:
    v = vote([_r("", 0.9), _r("KEY42", 0.9)])
    assert (v.text, v.reads) == ("KEY42", 1)


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=8),
    st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=1, max_size=10),
)
def test_unanimous_reads_give_that_text(text: str, confs: list[float]) -> None:
    v = vote([_r(text, c) for c in confs])
    assert v.text == text
    assert 0.0 <= v.confidence <= 1.0
    assert v.low_confidence == (v.confidence < 0.6)
