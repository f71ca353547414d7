"""The parse result: every field, every check, every repair, coded errors and warnings.

Frozen so a result can travel on the event bus and into the store unchanged. `to_json_dict` is
the one JSON shape used by `lanectl mrz parse --json`, the booth page and the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from edge.documents.formats import MrzFormat


@dataclass(frozen=True, slots=True)
class Issue:
    """One error or warning: a stable dotted `code`, the field it concerns, a short text."""

    code: str
    field: str
    message: str

    def to_json_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class Repair:
    """One OCR confusion put right; line and column are 1-based as a person counts them."""

    field: str
    line: int
    column: int
    before: str
    after: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "line": self.line,
            "column": self.column,
            "from": self.before,
            "to": self.after,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """Outcome of one check digit.

    `rule` names how it was verified: `icao`, `filler_included` (Belgian/Portuguese long TD1
    numbers), or `empty` (an all-filler field whose check is `<` or `0`).
    """

    name: str
    passed: bool
    rule: str = "icao"
    repaired: bool = False


@dataclass(frozen=True, slots=True)
class MrzDate:
    """A YYMMDD field resolved to a calendar date; unknown parts (`<<`) stay `None`."""

    raw: str
    year: int | None
    month: int | None
    day: int | None

    def iso(self) -> str:
        """`YYYY-MM-DD`, with `?` for each unknown digit."""
        year = f"{self.year:04d}" if self.year is not None else "????"
        month = f"{self.month:02d}" if self.month is not None else "??"
        day = f"{self.day:02d}" if self.day is not None else "??"
        return f"{year}-{month}-{day}"

    def as_date(self) -> dt.date | None:
        """The date when every part is known, else None."""
        if self.year is None or self.month is None or self.day is None:
            return None
        return dt.date(self.year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class MrzDocument:
    """Everything read from one MRZ. `lines` are after repairs, `raw_lines` as received."""

    format: MrzFormat
    raw_lines: tuple[str, ...]
    lines: tuple[str, ...]
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    name_truncated: bool
    document_number: str
    nationality: str
    birth_date: MrzDate
    sex: str
    expiry_date: MrzDate
    optional_data: str
    optional_data_2: str | None
    checks: tuple[Check, ...]
    errors: tuple[Issue, ...]
    warnings: tuple[Issue, ...]
    repairs: tuple[Repair, ...]
    expired: bool | None
    reference_date: dt.date

    @property
    def valid(self) -> bool:
        """True when no error was found (warnings, repairs and expiry do not count)."""
        return not self.errors

    def check(self, name: str) -> Check | None:
        for item in self.checks:
            if item.name == name:
                return item
        return None

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "format": self.format.value,
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "name_truncated": self.name_truncated,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "birth_date": self.birth_date.iso(),
            "sex": self.sex,
            "expiry_date": self.expiry_date.iso(),
            "expired": self.expired,
            "optional_data": self.optional_data,
            "optional_data_2": self.optional_data_2,
            "checks": {item.name: item.passed for item in self.checks},
            "check_rules": {item.name: item.rule for item in self.checks},
            "errors": [issue.to_json_dict() for issue in self.errors],
            "warnings": [issue.to_json_dict() for issue in self.warnings],
            "repairs": [repair.to_json_dict() for repair in self.repairs],
            "mrz": list(self.raw_lines),
            "reference_date": self.reference_date.isoformat(),
        }
