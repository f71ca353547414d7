"""Tolerant keys for matching names, documents and plates against lookouts and the roster.

Names reach the lane through MRZs (ASCII, truncated, ICAO transliterations such as MUELLER for
MÜLLER) and through headquarters lists (accents, apostrophes, hyphens). Both sides are folded to
the same key so that spelling variants meet; truncation is handled by prefix matching. Plates
and document numbers fold the characters OCR confuses (O/0, I/1, Z/2, S/5, B/8).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Letters that do not decompose into base + accent under NFKD.
_SPECIAL = str.maketrans(
    {
        "ß": "SS",
        "Æ": "AE",
        "æ": "AE",
        "Ø": "O",
        "ø": "O",
        "Œ": "OE",
        "œ": "OE",
        "Þ": "TH",
        "þ": "TH",
        "Ð": "D",
        "ð": "D",
        "Ł": "L",
        "ł": "L",
        "Đ": "D",
        "đ": "D",
    }
)
# ICAO 9303 allows Ä->AE / A, Ö->OE / O, Ü->UE / U, Å->AA / A; fold all to the short form.
_DIGRAPHS = (("AE", "A"), ("OE", "O"), ("UE", "U"), ("AA", "A"))
_NON_ALPHA = re.compile(r"[^A-Z]+")
_FILLER_WORDS = frozenset({"MR", "MRS", "MS", "DR", "JR", "SR", "II", "III"})
_CONFUSABLE = str.maketrans({"O": "0", "Q": "0", "I": "1", "Z": "2", "S": "5", "B": "8"})
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def name_tokens(text: str) -> tuple[str, ...]:
    """Fold a name into comparable tokens: no accents, A-Z only, ICAO digraphs folded."""
    text = text.translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = text.replace("<", " ")
    tokens = []
    for raw in _NON_ALPHA.split(text):
        if not raw or raw in _FILLER_WORDS:
            continue
        folded = None
        while folded != raw:
            folded = raw
            for long, short in _DIGRAPHS:
                raw = raw.replace(long, short)
        tokens.append(raw)
    return tuple(tokens)


@functools.lru_cache(maxsize=65_536)
def name_key(text: str) -> str:
    """One string key for a name part (surname or given names): folded tokens joined by spaces.

    Cached: names repeat heavily across a roster, and a 2,000,000-member load folds each."""
    return " ".join(name_tokens(text))


def surname_index_key(text: str) -> str:
    """Key stored in the lookout index: folded surname without spaces (D'ARCY == DARCY)."""
    return "".join(name_tokens(text))


MIN_PREFIX = 3  # a truncated (folded) surname shorter than this only matches exactly


def surname_matches(seen: str, listed: str) -> bool:
    """True if `seen` (from a document) is `listed` or a truncation of it."""
    if not seen or not listed:
        return False
    if seen == listed:
        return True
    return len(seen) >= MIN_PREFIX and listed.startswith(seen)


def given_matches(seen: str, listed: str) -> bool:
    """Given names match if the first tokens agree up to truncation; absent names match."""
    a, b = seen.split(), listed.split()
    if not a or not b:
        return True
    x, y = a[0], b[0]
    return x.startswith(y) or y.startswith(x)


def holder_score(
    surname: str, given_names: str, birth_date: str | None,
    m_surname: str, m_given_names: str, m_birth_date: str | None,
) -> int:
    """How surely a scanned document belongs to a card member: 0 (another person) to 3.

    A shared surname alone is not enough: a spouse or child without a card carries the card
    holder's surname. Surname (tolerant, truncation allowed) plus either the given names or the
    birth date makes the holder; both make a surer match, which wins when two members share a
    surname. Same names with another birth date still match (score 1), so that routing can
    report the identity mismatch.
    """
    if not surname_matches(surname_index_key(surname), surname_index_key(m_surname)):
        return 0
    given = given_matches(name_key(given_names), name_key(m_given_names))
    born = bool(birth_date and m_birth_date and birth_date == m_birth_date)
    return 3 if given and born else 2 if born else 1 if given else 0


def plate_key(text: str) -> str:
    """Fold a plate for comparison: alphanumerics only, OCR-confusable characters merged."""
    return _NON_ALNUM.sub("", text.upper()).translate(_CONFUSABLE)


def document_key(text: str) -> str:
    """Fold a document number: drop fillers and separators, merge OCR-confusable characters."""
    return _NON_ALNUM.sub("", text.upper().replace("<", "")).translate(_CONFUSABLE)
