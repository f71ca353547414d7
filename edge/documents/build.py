"""Build MRZ lines from field values, with every check digit computed.

The inverse of `parse_mrz`: used by the simulator's scanner, the property tests and the
benchmark to make valid documents of every format. Pure; raises ValueError on values that do not
fit their fields (an MRZ is never silently truncated here, except names as ICAO prescribes).
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.documents import checkdigit
from edge.documents.formats import LAYOUTS, MrzFormat, Span
from edge.documents.names import encode_name


@dataclass(frozen=True, slots=True)
class DocumentFields:
    """Values as written in the MRZ alphabet (dates as YYMMDD, fillers as `<`)."""

    format: MrzFormat
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str
    sex: str
    expiry_date: str
    optional_data: str = ""
    optional_data_2: str = ""
    long_number_rule: str = "icao"
    """For TD1/TD2 numbers over 9 characters: `icao` or `filler_included` (BE/PT cards)."""


def _fit(value: str, length: int, what: str) -> str:
    if len(value) > length:
        raise ValueError(f"{what} longer than its field")
    bad = set(value) - checkdigit.ALPHABET
    if bad:
        raise ValueError(f"{what} outside the MRZ alphabet")
    return value.ljust(length, "<")


def _put(grid: list[list[str]], span: Span, text: str) -> None:
    grid[span.line][span.start : span.end] = list(text)


def build_mrz(fields: DocumentFields) -> tuple[str, ...]:
    """The MRZ lines for `fields`."""
    layout = LAYOUTS[fields.format]
    grid = [["<"] * layout.line_length for _ in range(layout.line_count)]

    def put(span: Span, value: str, what: str) -> None:
        _put(grid, span, _fit(value, span.end - span.start, what))

    put(layout.document_code, fields.document_code, "document code")
    put(layout.issuing_state, fields.issuing_state, "issuing state")
    _put(
        grid,
        layout.name,
        encode_name(fields.surname, fields.given_names, layout.name.end - layout.name.start),
    )
    number = fields.document_number
    optional = fields.optional_data
    number_len = layout.document_number.end - layout.document_number.start
    if len(number) > number_len:
        if layout.overflow is None:
            raise ValueError("document number longer than its field")
        head, extra = number[:number_len], number[number_len:]
        checked = head + "<" + extra if fields.long_number_rule == "filler_included" else number
        put(layout.document_number, head, "document number")
        put(layout.document_number_check, "<", "check")
        closing = "<" + optional if optional else ""
        optional = extra + checkdigit.compute_char(checked) + closing
    else:
        put(layout.document_number, number, "document number")
        put(
            layout.document_number_check,
            checkdigit.compute_char(number.ljust(number_len, "<")),
            "check",
        )
    put(layout.nationality, fields.nationality, "nationality")
    put(layout.birth_date, fields.birth_date, "birth date")
    put(layout.birth_date_check, checkdigit.compute_char(fields.birth_date), "check")
    put(layout.sex, fields.sex, "sex")
    put(layout.expiry_date, fields.expiry_date, "expiry date")
    put(layout.expiry_date_check, checkdigit.compute_char(fields.expiry_date), "check")
    put(layout.optional_data, optional, "optional data")
    if layout.optional_data_check is not None:
        opt = layout.optional_data.read(["".join(row) for row in grid])
        put(layout.optional_data_check, checkdigit.compute_char(opt), "check")
    if layout.optional_data_2 is not None:
        put(layout.optional_data_2, fields.optional_data_2, "optional data 2")
    if layout.composite_check is not None:
        lines = ["".join(row) for row in grid]
        composite = "".join(span.read(lines) for span in layout.composite_ranges)
        put(layout.composite_check, checkdigit.compute_char(composite), "check")
    return tuple("".join(row) for row in grid)
