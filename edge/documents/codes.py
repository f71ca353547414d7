"""Every error and warning code the MRZ parser can produce, with the words a person reads.

Codes are stable (the CLI, the booth page, the audit log and translations key on them); the
texts here are the English defaults. A test keeps this table and the parser in step.
"""

from __future__ import annotations

CHECKED_FIELDS = ("document_number", "birth_date", "expiry_date", "personal_number", "composite")

ERRORS: dict[str, str] = {
    **{f"check_digit.{f}": f"check digit of {f.replace('_', ' ')} does not match"
       for f in CHECKED_FIELDS},
    "date.birth_date": "birth date is not a valid date",
    "date.expiry_date": "expiry date is not a valid date",
    "sex.invalid": "sex is not M, F, X or <",
    "name.missing": "no primary identifier (surname)",
    "mrz.shape": "line count and length match no ICAO 9303 format",
    "mrz.alphabet": "character outside A-Z 0-9 <",
}  # fmt: skip

WARNINGS: dict[str, str] = {
    **{f"ocr_repair.{f}": f"OCR confusion in {f.replace('_', ' ')} repaired (check digit confirms)"
       for f in CHECKED_FIELDS},
    "country.issuing_state": "issuing state is not a known country code",
    "country.nationality": "nationality is not a known country code",
    "document.specimen": "ICAO specimen document (Utopia)",
    "document.expired": "document expired",
    "document_code.unexpected": "document code unusual for this format",
    "document_number.long.icao_rule": "long document number, check digit per ICAO",
    "document_number.long.filler_rule": "long document number, check digit only with the "
    "filler included (Belgian/Portuguese variant)",
    "name.truncated": "name fills its field and may be truncated",
    "name.characters": "digits in the name field",
}  # fmt: skip


def describe(code: str) -> str:
    """The English text for a code (the code itself when unknown)."""
    return ERRORS.get(code) or WARNINGS.get(code) or code
