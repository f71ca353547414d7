"""Hypothesis: generated documents parse back; single substitutions are caught or repaired."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from edge.documents import MrzFormat, parse_mrz
from edge.documents.build import DocumentFields, build_mrz
from edge.documents.checkdigit import ALPHABET, char_value
from edge.documents.formats import LAYOUTS

TODAY = dt.date(2025, 6, 1)
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = LETTERS + "0123456789"
CODES = {
    MrzFormat.TD1: "IAC",
    MrzFormat.TD2: "IAC",
    MrzFormat.TD3: "P",
    MrzFormat.MRV_A: "V",
    MrzFormat.MRV_B: "V",
}
STATES = ["UTO", "CAN", "USA", "D", "GBN", "XXA", "BEL", "PRT", "FRA", "EUE"]
OPTIONAL_ROOM = {
    MrzFormat.TD1: 15,
    MrzFormat.TD2: 7,
    MrzFormat.TD3: 14,
    MrzFormat.MRV_A: 16,
    MrzFormat.MRV_B: 8,
}


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


words = st.text(LETTERS, min_size=1, max_size=8)


@st.composite
def documents(draw: st.DrawFn, fmt: MrzFormat | None = None, long_numbers: bool = False):
    fmt = fmt or draw(st.sampled_from(list(MrzFormat)))
    layout = LAYOUTS[fmt]
    room = layout.name.end - layout.name.start - 1
    surname = " ".join(draw(st.lists(words, min_size=1, max_size=2)))
    given = " ".join(draw(st.lists(words, max_size=3)))
    assume(len(surname) + 2 + len(given) <= room)
    max_number = 9
    if long_numbers and layout.overflow is not None:
        max_number = 9 + min(6, layout.overflow.end - layout.overflow.start - 1)
    number = draw(st.text(ALNUM, min_size=1, max_size=max_number))
    spare = OPTIONAL_ROOM[fmt] - (len(number) - 9 + 2 if len(number) > 9 else 0)
    optional = draw(st.text(ALNUM + "<", max_size=max(0, spare))).rstrip("<")
    birth = draw(st.dates(dt.date(TODAY.year - 99, TODAY.month, TODAY.day + 1), TODAY))
    expiry = draw(st.dates(dt.date(TODAY.year - 50, 1, 1), dt.date(TODAY.year + 19, 12, 31)))
    code = draw(st.sampled_from(CODES[fmt])) + draw(st.sampled_from(["<", "D", "M"]))
    return (
        DocumentFields(
            format=fmt,
            document_code=code,
            issuing_state=draw(st.sampled_from(STATES)),
            surname=surname,
            given_names=given,
            document_number=number,
            nationality=draw(st.sampled_from(STATES)),
            birth_date=_yymmdd(birth),
            sex=draw(st.sampled_from("MFX<")),
            expiry_date=_yymmdd(expiry),
            optional_data=optional,
            optional_data_2=draw(st.text(ALNUM, max_size=11)) if fmt is MrzFormat.TD1 else "",
            long_number_rule=draw(st.sampled_from(["icao", "filler_included"])),
        ),
        birth,
        expiry,
    )


@settings(max_examples=300, deadline=None)
@given(documents(long_numbers=True))
def test_generated_documents_parse_back(case):
    fields, birth, expiry = case
    lines = build_mrz(fields)
    doc = parse_mrz(lines, today=TODAY)
    assert doc.valid, doc.errors
    assert doc.format is fields.format
    assert doc.document_code == fields.document_code.rstrip("<")
    assert doc.issuing_state == fields.issuing_state
    assert doc.nationality == fields.nationality
    assert doc.surname == fields.surname
    assert doc.given_names == fields.given_names
    assert doc.document_number == fields.document_number.rstrip("<")
    assert doc.birth_date.as_date() == birth
    assert doc.expiry_date.as_date() == expiry
    assert doc.sex == fields.sex
    assert doc.optional_data == fields.optional_data
    assert doc.repairs == ()
    assert doc.lines == lines
    if fields.format is MrzFormat.TD1:
        assert doc.optional_data_2 == fields.optional_data_2.rstrip("<")
    assert all(check.passed for check in doc.checks)
    if len(fields.document_number) > 9:
        rules = {w.code for w in doc.warnings}
        assert rules & {"document_number.long.icao_rule", "document_number.long.filler_rule"}


def _checked_cells(fmt: MrzFormat) -> list[tuple[int, int]]:
    layout = LAYOUTS[fmt]
    spans = [
        layout.document_number,
        layout.document_number_check,
        layout.birth_date,
        layout.birth_date_check,
        layout.expiry_date,
        layout.expiry_date_check,
    ]
    if layout.optional_data_check is not None:
        spans += [layout.optional_data, layout.optional_data_check]
    if layout.composite_check is not None:
        spans.append(layout.composite_check)
    return [cell for span in spans for cell in span.cells()]


@settings(max_examples=400, deadline=None)
@given(documents(), st.data())
def test_single_substitution_in_a_checked_field_is_caught(case, data):
    fields, _, _ = case
    lines = build_mrz(fields)
    line, col = data.draw(st.sampled_from(_checked_cells(fields.format)))
    before = lines[line][col]
    after = data.draw(st.sampled_from(sorted(ALPHABET - {before})))
    # 7-3-1 check digits cannot see a change by a multiple of 10 (0<->A<->K<->U, 0<->`<`...):
    # a limit of ICAO 9303 itself. Dates and check digits still catch it by their type (digits
    # only); in letters-and-digits fields (document, personal number) nothing can.
    layout = LAYOUTS[fields.format]
    alnum = {*layout.document_number.cells()}
    if layout.optional_data_check is not None:
        alnum |= {*layout.optional_data.cells()}
    if (line, col) in alnum:
        assume((char_value(after) - char_value(before)) % 10 != 0)
    bad = list(lines)
    bad[line] = bad[line][:col] + after + bad[line][col + 1 :]
    doc = parse_mrz(bad, today=TODAY)
    assert doc.raw_lines == tuple(bad)
    if doc.valid:
        # only acceptable when an OCR confusion was repaired and reported, back to the original
        assert doc.repairs
        assert {f"ocr_repair.{r.field}" for r in doc.repairs} <= {w.code for w in doc.warnings}
        assert doc.lines == lines


@settings(max_examples=200, deadline=None)
@given(documents(), st.data())
def test_ocr_confusion_in_a_numeric_field_is_repaired_or_flagged(case, data):
    fields, _, _ = case
    lines = build_mrz(fields)
    layout = LAYOUTS[fields.format]
    cells = [c for s in (layout.birth_date, layout.expiry_date) for c in s.cells()]
    line, col = data.draw(st.sampled_from(cells))
    before = lines[line][col]
    confusion = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B"}
    assume(before in confusion)
    bad = list(lines)
    bad[line] = bad[line][:col] + confusion[before] + bad[line][col + 1 :]
    doc = parse_mrz(bad, today=TODAY)
    # a numeric field has exactly one candidate: the repair is always confirmed
    assert doc.valid
    assert [(r.line, r.column, r.after) for r in doc.repairs] == [(line + 1, col + 1, before)]
    assert doc.lines == lines


MRZ_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([(3, 30), (2, 36), (2, 44)]), st.data())
def test_any_text_of_a_valid_shape_parses_without_crashing(shape, data):
    count, length = shape
    lines = tuple(data.draw(st.text(MRZ_CHARS, min_size=length, max_size=length)) for _ in range(count))
    doc = parse_mrz(lines, today=TODAY)
    assert doc.raw_lines == lines
    assert doc.valid == (not doc.errors)
    assert len(doc.lines) == count
    assert all(len(a) == len(b) for a, b in zip(doc.lines, lines, strict=True))
    diffs = sum(x != y for a, b in zip(doc.lines, lines, strict=True) for x, y in zip(a, b, strict=True))
    assert diffs == len(doc.repairs)  # every changed character is a reported repair
    doc.to_json_dict()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_a_result_or_a_document_error(text):
    from edge.errors import DocumentError

    try:
        parse_mrz(text, today=TODAY)
    except DocumentError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([(3, 30), (2, 36), (2, 44)]), st.data())
def test_every_emitted_code_is_documented(shape, data):
    from edge.documents.codes import ERRORS, WARNINGS

    count, length = shape
    alphabet = st.sampled_from(list(MRZ_CHARS))
    lines = tuple(
        "".join(data.draw(st.lists(alphabet, min_size=length, max_size=length))) for _ in range(count)
    )
    doc = parse_mrz(lines, today=TODAY)
    assert {e.code for e in doc.errors} <= ERRORS.keys()
    assert {w.code for w in doc.warnings} <= WARNINGS.keys()
