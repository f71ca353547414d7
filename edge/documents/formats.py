"""Where each field sits in each ICAO 9303 format (parts 4 to 7), and format detection.

Positions are 0-based `(line, start, end)` spans over the MRZ lines, so the parser, the document
builder and the tests read one table instead of repeating slice arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edge.documents.errors import MrzShapeError


class MrzFormat(StrEnum):
    """The five machine-readable-zone layouts."""

    TD1 = "TD1"
    TD2 = "TD2"
    TD3 = "TD3"
    MRV_A = "MRV-A"
    MRV_B = "MRV-B"


@dataclass(frozen=True, slots=True)
class Span:
    """Characters `start:end` of line `line` (0-based)."""

    line: int
    start: int
    end: int

    def cells(self) -> tuple[tuple[int, int], ...]:
        return tuple((self.line, col) for col in range(self.start, self.end))

    def read(self, lines: tuple[str, ...] | list[str]) -> str:
        return lines[self.line][self.start : self.end]


@dataclass(frozen=True, slots=True)
class Layout:
    """Field positions of one format; `None` where the format has no such field."""

    format: MrzFormat
    line_count: int
    line_length: int
    document_code: Span
    issuing_state: Span
    name: Span
    document_number: Span
    document_number_check: Span
    nationality: Span
    birth_date: Span
    birth_date_check: Span
    sex: Span
    expiry_date: Span
    expiry_date_check: Span
    optional_data: Span
    optional_data_check: Span | None
    optional_data_2: Span | None
    composite_check: Span | None
    composite_ranges: tuple[Span, ...]
    overflow: Span | None
    """Where a document number longer than 9 characters continues (TD1, TD2)."""
    document_letters: frozenset[str]


def _two_line(fmt: MrzFormat, length: int, letters: str, *, passport: bool) -> Layout:
    """TD2, TD3 and the visas share line 2 up to the optional data."""
    if passport:  # TD3: personal number, its check digit, composite
        optional = Span(1, 28, 42)
        optional_check: Span | None = Span(1, 42, 43)
        composite: Span | None = Span(1, 43, 44)
        ranges: tuple[Span, ...] = (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 43))
        overflow = None
    elif fmt is MrzFormat.TD2:
        optional = Span(1, 28, 35)
        optional_check = None
        composite = Span(1, 35, 36)
        ranges = (Span(1, 0, 10), Span(1, 13, 20), Span(1, 21, 35))
        overflow = optional
    else:  # visas: no composite check digit
        optional = Span(1, 28, length)
        optional_check = None
        composite = None
        ranges = ()
        overflow = None
    return Layout(
        format=fmt,
        line_count=2,
        line_length=length,
        document_code=Span(0, 0, 2),
        issuing_state=Span(0, 2, 5),
        name=Span(0, 5, length),
        document_number=Span(1, 0, 9),
        document_number_check=Span(1, 9, 10),
        nationality=Span(1, 10, 13),
        birth_date=Span(1, 13, 19),
        birth_date_check=Span(1, 19, 20),
        sex=Span(1, 20, 21),
        expiry_date=Span(1, 21, 27),
        expiry_date_check=Span(1, 27, 28),
        optional_data=optional,
        optional_data_check=optional_check,
        optional_data_2=None,
        composite_check=composite,
        composite_ranges=ranges,
        overflow=overflow,
        document_letters=frozenset(letters),
    )


TD1_LAYOUT = Layout(
    format=MrzFormat.TD1,
    line_count=3,
    line_length=30,
    document_code=Span(0, 0, 2),
    issuing_state=Span(0, 2, 5),
    document_number=Span(0, 5, 14),
    document_number_check=Span(0, 14, 15),
    optional_data=Span(0, 15, 30),
    birth_date=Span(1, 0, 6),
    birth_date_check=Span(1, 6, 7),
    sex=Span(1, 7, 8),
    expiry_date=Span(1, 8, 14),
    expiry_date_check=Span(1, 14, 15),
    nationality=Span(1, 15, 18),
    optional_data_2=Span(1, 18, 29),
    composite_check=Span(1, 29, 30),
    composite_ranges=(Span(0, 5, 30), Span(1, 0, 7), Span(1, 8, 15), Span(1, 18, 29)),
    name=Span(2, 0, 30),
    optional_data_check=None,
    overflow=Span(0, 15, 30),
    document_letters=frozenset("IAC"),
)
TD2_LAYOUT = _two_line(MrzFormat.TD2, 36, "IAC", passport=False)
TD3_LAYOUT = _two_line(MrzFormat.TD3, 44, "P", passport=True)
MRV_A_LAYOUT = _two_line(MrzFormat.MRV_A, 44, "V", passport=False)
MRV_B_LAYOUT = _two_line(MrzFormat.MRV_B, 36, "V", passport=False)

LAYOUTS: dict[MrzFormat, Layout] = {
    layout.format: layout for layout in (TD1_LAYOUT, TD2_LAYOUT, TD3_LAYOUT, MRV_A_LAYOUT, MRV_B_LAYOUT)
}

SHAPES: frozenset[tuple[int, int]] = frozenset({(3, 30), (2, 36), (2, 44)})
"""(line count, line length) of every format: what a scanner read must add up to."""


def detect(lines: tuple[str, ...]) -> Layout:
    """The layout for these lines: from their count and length, then the document code.

    Two-line documents starting with `V` are visas; anything else of that size is TD2/TD3 (an
    unexpected document letter is a warning later, not a reason to misplace every field).
    """
    lengths = {len(line) for line in lines}
    if len(lengths) != 1:
        raise MrzShapeError("MRZ lines differ in length", line_lengths=[len(line) for line in lines])
    shape = (len(lines), lengths.pop())
    visa = lines[0][:1] == "V"
    if shape == (3, 30):
        return TD1_LAYOUT
    if shape == (2, 36):
        return MRV_B_LAYOUT if visa else TD2_LAYOUT
    if shape == (2, 44):
        return MRV_A_LAYOUT if visa else TD3_LAYOUT
    raise MrzShapeError("no ICAO 9303 format has this shape", lines=shape[0], length=shape[1])
