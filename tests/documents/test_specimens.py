"""ICAO 9303 specimen documents (parts 4 to 7) parse to the published fields."""

from __future__ import annotations

import datetime as dt

import pytest

from edge.documents import MrzAlphabetError, MrzFormat, MrzShapeError, parse_mrz
from edge.errors import DocumentError

TODAY = dt.date(2025, 6, 1)

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2 = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)
MRV_A = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
)
MRV_B = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX4009078F9612109<<<<<<<<",
)


@pytest.mark.parametrize(
    ("lines", "fmt", "code", "number", "nationality", "birth", "expiry", "optional", "checks"),
    [
        (TD3, MrzFormat.TD3, "P", "L898902C3", "UTO", "1974-08-12", "2012-04-15", "ZE184226B",
         {"document_number", "birth_date", "expiry_date", "personal_number", "composite"}),
        (TD1, MrzFormat.TD1, "I", "D23145890", "UTO", "1974-08-12", "2012-04-15", "",
         {"document_number", "birth_date", "expiry_date", "composite"}),
        (TD2, MrzFormat.TD2, "I", "D23145890", "UTO", "1974-08-12", "2012-04-15", "",
         {"document_number", "birth_date", "expiry_date", "composite"}),
        (MRV_A, MrzFormat.MRV_A, "V", "L8988901C", "XXX", "1940-09-07", "1996-12-10",
         "6ZE184226B", {"document_number", "birth_date", "expiry_date"}),
        (MRV_B, MrzFormat.MRV_B, "V", "L8988901C", "XXX", "1940-09-07", "1996-12-10", "",
         {"document_number", "birth_date", "expiry_date"}),
    ],
)  # fmt: skip
def test_specimen(lines, fmt, code, number, nationality, birth, expiry, optional, checks):
    doc = parse_mrz("\n".join(lines), today=TODAY)
    out = doc.to_json_dict()
    assert doc.valid, out["errors"]
    assert doc.format is fmt
    assert out["document_code"] == code
    assert out["issuing_state"] == "UTO"
    assert out["surname"] == "ERIKSSON"
    assert out["given_names"] == "ANNA MARIA"
    assert out["document_number"] == number
    assert out["nationality"] == nationality
    assert out["birth_date"] == birth
    assert out["sex"] == "F"
    assert out["expiry_date"] == expiry
    assert out["optional_data"] == optional
    assert out["checks"] == dict.fromkeys(checks, True)
    assert out["repairs"] == []
    assert doc.expired is True
    codes = {w["code"] for w in out["warnings"]}
    assert {"document.expired", "document.specimen"} <= codes
    assert doc.raw_lines == lines == doc.lines


def test_visa_has_no_composite_check():
    assert parse_mrz(MRV_A, today=TODAY).check("composite") is None


def test_td1_long_document_number_icao_rule():
    lines = ("I<UTOD23145890<7349<<<<<<<<<<<", TD1[1], TD1[2])
    doc = parse_mrz(lines, today=TODAY)
    assert doc.valid
    assert doc.document_number == "D23145890734"
    assert doc.check("document_number").rule == "icao"
    assert "document_number.long.icao_rule" in {w.code for w in doc.warnings}


def test_bad_check_digit_is_an_error_with_a_stable_code():
    bad = (TD3[0], TD3[1][:19] + "3" + TD3[1][20:])  # birth date check 2 -> 3
    doc = parse_mrz(bad, today=TODAY)
    assert not doc.valid
    assert {e.code for e in doc.errors} == {"check_digit.birth_date", "check_digit.composite"}
    assert doc.to_json_dict()["checks"]["birth_date"] is False
    assert doc.raw_lines == bad  # nothing invented


def test_ocr_confusion_in_a_date_is_repaired_and_reported():
    bad = (TD3[0], TD3[1][:13] + "74O812" + TD3[1][19:])
    doc = parse_mrz(bad, today=TODAY)
    assert doc.valid
    assert doc.birth_date.iso() == "1974-08-12"
    [repair] = doc.repairs
    assert (repair.field, repair.line, repair.column, repair.before, repair.after) == (
        "birth_date",
        2,
        16,
        "O",
        "0",
    )
    assert "ocr_repair.birth_date" in {w.code for w in doc.warnings}
    assert doc.raw_lines == bad
    assert doc.lines == TD3


def test_ocr_confusion_in_a_check_digit_is_repaired():
    bad = (TD3[0], TD3[1][:43] + "O")  # composite 0 read as O
    doc = parse_mrz(bad, today=TODAY)
    assert doc.valid
    assert [(r.field, r.before, r.after) for r in doc.repairs] == [("composite", "O", "0")]


def test_unknown_country_is_a_warning():
    lines = (TD3[0].replace("UTO", "QQQ", 1), TD3[1])
    doc = parse_mrz(lines, today=TODAY)
    assert doc.valid
    assert "country.issuing_state" in {w.code for w in doc.warnings}


def test_icao_special_country_codes_are_known():
    line1 = "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<"
    doc = parse_mrz((line1, TD3[1]), today=TODAY)
    assert doc.issuing_state == "D"
    assert not [w for w in doc.warnings if w.code.startswith("country.")]


def test_invalid_sex_and_month_are_errors():
    line2 = TD3[1][:13] + "741312" + TD3[1][19:20] + "Q" + TD3[1][21:]
    doc = parse_mrz((TD3[0], line2), today=TODAY)
    codes = {e.code for e in doc.errors}
    assert {"sex.invalid", "date.birth_date"} <= codes
    assert doc.birth_date.raw == "741312"


def test_truncated_name_is_a_warning():
    line1 = "P<UTO" + "A" * 20 + "<<" + "B" * 17
    doc = parse_mrz((line1, TD3[1]), today=TODAY)
    assert doc.valid
    assert doc.name_truncated
    assert "name.truncated" in {w.code for w in doc.warnings}


@pytest.mark.parametrize(
    "text",
    [
        "P<UTOERIKSSON\nL898902C36UTO",
        "\n".join([*TD3, TD3[1]]),
        TD3[0] + "\n" + TD3[1][:-1],
        "",
    ],
)
def test_wrong_shape_is_a_typed_error(text):
    with pytest.raises(MrzShapeError) as info:
        parse_mrz(text, today=TODAY)
    assert isinstance(info.value, DocumentError)
    assert info.value.code == "mrz.shape"


def test_bad_alphabet_is_a_typed_error_without_the_text():
    with pytest.raises(MrzAlphabetError) as info:
        parse_mrz((TD3[0], TD3[1].replace("L", "l")), today=TODAY)
    assert info.value.fields == {"line": 2, "column": 1}
    assert "L898" not in str(info.value)


def _belgian_variant_lines():
    """A TD1 with a long number whose check digit only verifies with the filler included."""
    from edge.documents import checkdigit
    from edge.documents.build import DocumentFields, build_mrz

    for n in range(1000):
        number = f"B{n:03d}4567890"
        if checkdigit.compute(number) != checkdigit.compute(number[:9] + "<" + number[9:]):
            fields = DocumentFields(
                MrzFormat.TD1, "ID", "BEL", "PEETERS", "JAN", number, "BEL", "800101", "M",
                "300101", long_number_rule="filler_included",
            )  # fmt: skip
            return number, build_mrz(fields)
    raise AssertionError("no example found")


def test_td1_long_document_number_belgian_variant_is_accepted_with_a_warning():
    number, lines = _belgian_variant_lines()
    doc = parse_mrz(lines, today=TODAY)
    assert doc.valid, doc.errors
    assert doc.document_number == number
    assert doc.check("document_number").rule == "filler_included"
    assert "document_number.long.filler_rule" in {w.code for w in doc.warnings}
    assert doc.to_json_dict()["check_rules"]["document_number"] == "filler_included"


def test_td3_empty_personal_number_accepts_filler_or_zero_check():
    for check in "<0":
        line2 = TD3[1][:28] + "<" * 14 + check
        composite = __import__("edge.documents.checkdigit", fromlist=["x"]).compute_char(
            line2[0:10] + line2[13:20] + line2[21:43]
        )
        doc = parse_mrz((TD3[0], line2 + composite), today=TODAY)
        assert doc.valid, doc.errors
        assert doc.check("personal_number").rule == "empty"
        assert doc.optional_data == ""


def test_confusion_in_a_document_number_is_suggested_not_applied():
    bad = (TD3[0], "L8989O2C3" + TD3[1][9:])  # 0 read as O in a letters-and-digits field
    doc = parse_mrz(bad, today=TODAY)
    assert doc.repairs == ()
    assert doc.document_number == "L8989O2C3"  # never altered
    [err] = [e for e in doc.errors if e.code == "check_digit.document_number"]
    assert "OCR confusion" in err.message


def test_unexpected_document_code_is_a_warning():
    doc = parse_mrz(("X" + TD3[0][1:], TD3[1]), today=TODAY)
    assert "document_code.unexpected" in {w.code for w in doc.warnings}
