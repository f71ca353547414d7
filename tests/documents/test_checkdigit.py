"""Check digits: the ICAO worked examples and a naive reference implementation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.documents import checkdigit


@pytest.mark.parametrize(
    ("text", "digit"),
    [("520727", 3), ("L898902C3", 6), ("740812", 2), ("120415", 9), ("ZE184226B<<<<<", 1),
     ("D23145890", 7), ("<<<<<<<<<", 0), ("", 0)],
)  # fmt: skip
def test_known_values(text, digit):
    assert checkdigit.compute(text) == digit


@given(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", max_size=60))
def test_matches_the_textbook_definition(text):
    weights = (7, 3, 1)
    expected = sum(checkdigit.char_value(c) * weights[i % 3] for i, c in enumerate(text)) % 10
    assert checkdigit.compute(text) == expected
    assert checkdigit.verifies(text, str(expected))


def test_rejects_characters_outside_the_alphabet():
    with pytest.raises(ValueError, match="alphabet"):
        checkdigit.compute("ab")
