"""Serial formats of North American plates: the renderer draws them, and the decoder uses them
to decide a character the model saw but could not place as letter or digit (6LKRL81 is one L
away from California's 9AAA999: the L the model also saw as a 4 is the 4).

L is a letter, N a digit; spaces and dashes are printed but not read.
"""

from __future__ import annotations

PATTERNS: tuple[str, ...] = (
    "LLL NNNN",
    "LLL-NNNN",
    "LLL NNN",
    "LLL-NNN",
    "NNN LLL",
    "NNN-LLL",
    "NLLL NNN",
    "NLLLNNN",
    "NNNNNN",
    "LL NNNNN",
    "LL-NNNN",
    "NNN NNN",
    "NLL NNNN",
    "LLNNNN",
    "NNLNNN",
    "NNNNLL",
    "LNN NLL",
    "LLL NNL",
    "NNN NNNN",
    "NLNNNNN",
    "LL NNN",
    "NN LLL",
)

# the patterns as the OCR reads them (no spaces or dashes)
KINDS: frozenset[str] = frozenset(p.replace(" ", "").replace("-", "") for p in PATTERNS)
# the same by length, in a fixed order (a frozenset's order changes with the hash seed)
KINDS_BY_LENGTH: dict[int, tuple[str, ...]] = {
    n: tuple(sorted(k for k in KINDS if len(k) == n)) for n in {len(k) for k in KINDS}
}


def kind(text: str) -> str:
    """L for each letter, N for each digit: 6LKR481 -> NLLLNNN."""
    return "".join("N" if c.isdigit() else "L" for c in text)
