"""OCR confusion repair: which single substitutions a field of a known type allows.

Scanners confuse `0/O`, `1/I`, `2/Z`, `5/S` and `8/B`. A substitution is only applied when the
check digit confirms exactly one candidate (see `parse.check_field`); this module only says which
candidates exist, so the rule "never guess silently" lives in one visible place.
"""

from __future__ import annotations

from enum import StrEnum

DIGIT_FOR_LETTER: dict[str, str] = {"O": "0", "I": "1", "Z": "2", "S": "5", "B": "8"}
LETTER_FOR_DIGIT: dict[str, str] = {digit: letter for letter, digit in DIGIT_FOR_LETTER.items()}


class FieldKind(StrEnum):
    """What a checked field may hold: digits only (dates, check digits) or letters and digits."""

    NUMERIC = "numeric"
    ALNUM = "alnum"


def alternatives(char: str, kind: FieldKind) -> tuple[str, ...]:
    """Characters an OCR engine may have misread as `char` in a field of this kind."""
    if char in DIGIT_FOR_LETTER:
        return (DIGIT_FOR_LETTER[char],)
    if kind is FieldKind.ALNUM and char in LETTER_FOR_DIGIT:
        return (LETTER_FOR_DIGIT[char],)
    return ()
