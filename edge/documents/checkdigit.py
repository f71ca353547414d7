"""ICAO 9303 check digits (part 3, section 4.9): weights 7, 3, 1 repeating, sum modulo 10.

Digits count as their value, letters A-Z as 10-35, the filler `<` as 0. Kept separate so the
parser, the simulator's document generator and the tests all share one implementation.
"""

from __future__ import annotations

ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")


def char_value(char: str) -> int:
    """Value of one MRZ character in the check-digit sum; ValueError outside the alphabet."""
    if "0" <= char <= "9":
        return ord(char) - 48
    if "A" <= char <= "Z":
        return ord(char) - 55
    if char == "<":
        return 0
    raise ValueError("character outside the MRZ alphabet")


_VALUES = {char: char_value(char) for char in ALPHABET}


def compute(text: str) -> int:
    """The check digit (0-9) of `text`; ValueError on a character outside the alphabet."""
    values = _VALUES
    try:
        total = sum(values[c] for c in text[0::3]) * 7
        total += sum(values[c] for c in text[1::3]) * 3
        total += sum(values[c] for c in text[2::3])
    except KeyError as err:
        raise ValueError("character outside the MRZ alphabet") from err
    return total % 10


def compute_char(text: str) -> str:
    """The check digit of `text` as the character written in the MRZ."""
    return str(compute(text))


def verifies(text: str, check: str) -> bool:
    """True when `check` is the digit that `text` computes to."""
    return len(check) == 1 and check.isdigit() and compute(text) == int(check)
