"""Parse ICAO 9303 machine-readable zones (TD1, TD2, TD3, MRV-A, MRV-B) into `MrzDocument`.

Pure: text and a reference date in, a frozen result out. The text is never altered except by
reported OCR repairs; `raw_lines` keeps what was read, `lines` what was checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.documents import checkdigit, countries
from edge.documents.dates import DateKind, InvalidDate, is_expired, parse_date, unparsed
from edge.documents.errors import MrzAlphabetError, MrzShapeError
from edge.documents.formats import Layout, Span, detect
from edge.documents.names import parse_name
from edge.documents.repair import FieldKind, alternatives
from edge.documents.result import Check, Issue, MrzDate, MrzDocument, Repair

Cell = tuple[int, int]


@dataclass
class _Work:
    """Mutable state of one parse; frozen into `MrzDocument` at the end."""

    grid: list[list[str]]
    checks: list[Check] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)

    def read(self, cells: Sequence[Cell]) -> str:
        return "".join(self.grid[line][col] for line, col in cells)

    def span(self, span: Span) -> str:
        return "".join(self.grid[span.line][span.start : span.end])

    def error(self, code: str, fld: str, message: str) -> None:
        self.errors.append(Issue(code, fld, message))

    def warn(self, code: str, fld: str, message: str) -> None:
        self.warnings.append(Issue(code, fld, message))


def split_lines(text: str | Sequence[str]) -> tuple[str, ...]:
    """MRZ lines from text or a sequence: surrounding whitespace and blank lines dropped."""
    raw = text.splitlines() if isinstance(text, str) else list(text)
    return tuple(line.strip() for line in raw if line.strip())


def _validate_alphabet(lines: tuple[str, ...]) -> None:
    for line_no, line in enumerate(lines, start=1):
        if checkdigit.ALPHABET.issuperset(line):
            continue
        for col, char in enumerate(line, start=1):
            if char not in checkdigit.ALPHABET:
                raise MrzAlphabetError("character outside the MRZ alphabet", line=line_no, column=col)


def _passes(value: str, check: str, allow_empty: bool) -> bool:
    if allow_empty and set(value) <= {"<"} and check in ("<", "0"):
        return True
    return checkdigit.verifies(value, check)


def check_field(
    work: _Work,
    name: str,
    variants: Sequence[tuple[str, tuple[Cell, ...]]],
    check_cell: Cell,
    kind: FieldKind,
    *,
    allow_empty: bool = False,
    repair_value: bool = True,
) -> Check:
    """Verify one check digit under each rule variant; repair one OCR confusion if confirmed.

    Repairs are applied in numeric fields (dates) and in check digits, where the field type
    says which of `0/O` is right. In letters-and-digits fields (document and personal numbers)
    a confusion is only suggested in the error: there a wrong "repair" elsewhere in the field
    can cancel out a real misread, and the check digit cannot tell them apart.

    `variants` lists (rule name, value cells); the first that verifies wins. When none does,
    every single OCR substitution in the value (unless `repair_value` is False) or the check cell
    is tried under every rule; it is applied (and reported) only if exactly one verifies.
    """

    def verdict() -> str | None:
        check = work.read((check_cell,))
        for rule, cells in variants:
            value = work.read(cells)
            if _passes(value, check, allow_empty):
                return "empty" if allow_empty and set(value) <= {"<"} else rule
        return None

    rule = verdict()
    if rule is not None:
        check = Check(name, True, rule)
        work.checks.append(check)
        return check
    cells = sorted({cell for _, group in variants for cell in group}) if repair_value else []
    found: list[tuple[Cell, str, str]] = []
    for cell in [*cells, check_cell]:
        before = work.grid[cell[0]][cell[1]]
        cell_kind = FieldKind.NUMERIC if cell == check_cell else kind
        for after in alternatives(before, cell_kind):
            work.grid[cell[0]][cell[1]] = after
            rule = verdict()
            work.grid[cell[0]][cell[1]] = before
            if rule is not None:
                found.append((cell, after, rule))
    applicable = [item for item in found if kind is FieldKind.NUMERIC or item[0] == check_cell]
    if len(found) == 1 and applicable:
        (line, col), after, rule = found[0]
        before = work.grid[line][col]
        work.grid[line][col] = after
        work.repairs.append(Repair(name, line + 1, col + 1, before, after))
        work.warn(f"ocr_repair.{name}", name, f"OCR confusion {before}->{after} repaired")
        check = Check(name, True, rule, repaired=True)
    else:
        why = "check digit does not match"
        if len(found) == 1:  # letters and digits both allowed here: suggest, never apply
            (line, col), _, _ = found[0]
            why += f"; one OCR confusion at line {line + 1} column {col + 1} would match"
        elif found:
            why += f"; {len(found)} OCR confusions would match, none applied"
        work.error(f"check_digit.{name}", name, why)
        check = Check(name, False, variants[0][0])
    work.checks.append(check)
    return check


def _document_number(work: _Work, layout: Layout) -> tuple[tuple[Cell, ...], Span]:
    """Check the document number (long TD1/TD2 numbers included).

    Returns the cells holding the number and the span of what remains of the optional data.
    """
    number, check, overflow = layout.document_number, layout.document_number_check, layout.overflow
    check_cell = (check.line, check.start)
    if overflow is not None and work.read((check_cell,)) == "<" and work.span(overflow)[:1] != "<":
        text = work.span(overflow)
        end = text.find("<")
        end = len(text) if end < 0 else end
        if end >= 2:  # at least one overflow character and its check digit
            extra = tuple((overflow.line, overflow.start + i) for i in range(end - 1))
            long_check = (overflow.line, overflow.start + end - 1)
            icao = number.cells() + extra
            variant = (*number.cells(), check_cell, *extra)
            result = check_field(
                work,
                "document_number",
                [("icao", icao), ("filler_included", variant)],
                long_check,
                FieldKind.ALNUM,
            )
            if result.passed:
                if result.rule == "icao":
                    work.warn(
                        "document_number.long.icao_rule",
                        "document_number",
                        "long document number; check digit per ICAO (filler excluded)",
                    )
                else:
                    work.warn(
                        "document_number.long.filler_rule",
                        "document_number",
                        "long document number; check digit only verifies with the filler "
                        "included (Belgian/Portuguese variant)",
                    )
            skip = 1 if end < len(text) else 0  # the filler that closes the overflow
            rest = Span(overflow.line, overflow.start + end + skip, overflow.end)
            return icao, rest
    check_field(work, "document_number", [("icao", number.cells())], check_cell, FieldKind.ALNUM)
    return number.cells(), layout.optional_data


def _date(work: _Work, name: str, span: Span, kind: DateKind, today: dt.date) -> MrzDate:
    raw = work.span(span)
    try:
        return parse_date(raw, kind, today)
    except InvalidDate as err:
        work.error(f"date.{name}", name, str(err))
        return unparsed(raw)


def _country(work: _Work, name: str, span: Span) -> str:
    code = countries.normalise(work.span(span))
    if code in countries.SPECIMEN_STATES:
        if any(issue.code == "document.specimen" for issue in work.warnings):
            return code
        work.warn("document.specimen", name, "ICAO specimen state")
    elif not countries.is_known(code):
        work.warn(f"country.{name}", name, "unknown country code")
    return code


def parse_mrz(text: str | Sequence[str], *, today: dt.date) -> MrzDocument:
    """Parse one document's MRZ. Raises MrzShapeError / MrzAlphabetError for unreadable text."""
    lines = split_lines(text)
    if not lines:
        raise MrzShapeError("no MRZ lines", lines=0, length=0)
    _validate_alphabet(lines)
    layout = detect(lines)
    work = _Work(grid=[list(line) for line in lines])

    number_cells, optional_span = _document_number(work, layout)
    for check_name, span, check_span in (
        ("birth_date", layout.birth_date, layout.birth_date_check),
        ("expiry_date", layout.expiry_date, layout.expiry_date_check),
    ):
        check_field(
            work,
            check_name,
            [("icao", span.cells())],
            (check_span.line, check_span.start),
            FieldKind.NUMERIC,
            allow_empty=True,
        )
    if layout.optional_data_check is not None:
        opt_check = layout.optional_data_check
        check_field(
            work,
            "personal_number",
            [("icao", layout.optional_data.cells())],
            (opt_check.line, opt_check.start),
            FieldKind.ALNUM,
            allow_empty=True,
        )
    if layout.composite_check is not None:
        cells = tuple(cell for span in layout.composite_ranges for cell in span.cells())
        composite = layout.composite_check
        check_field(
            work,
            "composite",
            [("icao", cells)],
            (composite.line, composite.start),
            FieldKind.NUMERIC,
            repair_value=False,  # its ranges are other fields' (or untyped optional data)
        )

    document_code = work.span(layout.document_code)
    if document_code[0] not in layout.document_letters:
        work.warn(
            "document_code.unexpected",
            "document_code",
            f"document code unusual for {layout.format.value}",
        )
    issuing_state = _country(work, "issuing_state", layout.issuing_state)
    nationality = _country(work, "nationality", layout.nationality)
    name = parse_name(work.span(layout.name))
    if name.truncated:
        work.warn("name.truncated", "name", "name fills its field and may be truncated")
    if name.has_digits:
        work.warn("name.characters", "name", "digits in the name field")
    if not name.surname:
        work.error("name.missing", "name", "no primary identifier")
    sex = work.span(layout.sex)
    if sex not in ("M", "F", "X", "<"):
        work.error("sex.invalid", "sex", "sex is not M, F, X or <")
    birth = _date(work, "birth_date", layout.birth_date, DateKind.BIRTH, today)
    expiry = _date(work, "expiry_date", layout.expiry_date, DateKind.EXPIRY, today)
    expired = is_expired(expiry, today)
    if expired:
        work.warn("document.expired", "expiry_date", "document expired")
    optional_2 = work.span(layout.optional_data_2).rstrip("<") if layout.optional_data_2 is not None else None
    return MrzDocument(
        format=layout.format,
        raw_lines=lines,
        lines=tuple("".join(row) for row in work.grid),
        document_code=document_code.rstrip("<"),
        issuing_state=issuing_state,
        surname=name.surname,
        given_names=name.given_names,
        name_truncated=name.truncated,
        document_number=work.read(number_cells).rstrip("<"),
        nationality=nationality,
        birth_date=birth,
        sex=sex,
        expiry_date=expiry,
        optional_data=work.span(optional_span).rstrip("<"),
        optional_data_2=optional_2,
        checks=tuple(work.checks),
        errors=tuple(work.errors),
        warnings=tuple(work.warnings),
        repairs=tuple(work.repairs),
        expired=expired,
        reference_date=today,
    )
