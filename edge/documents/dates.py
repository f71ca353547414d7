"""YYMMDD fields to dates: century resolution against a reference date, unknown parts kept.

Birth dates are in the past (a two-digit year that would land after the reference date belongs to
the previous century). Expiry dates may lie up to `EXPIRY_YEARS_AHEAD` years ahead, and back to
100 years before that. Unknown parts written as `<<` stay unknown; nothing is guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from edge.documents.result import MrzDate

EXPIRY_YEARS_AHEAD = 20


class DateKind(StrEnum):
    BIRTH = "birth"
    EXPIRY = "expiry"


class InvalidDate(ValueError):
    """The field is not a date (malformed pair, month 13, 31 February...)."""


def _pair(text: str) -> int | None:
    if text == "<<":
        return None
    if text.isdigit() and text.isascii():
        return int(text)
    raise InvalidDate("a date part is neither two digits nor `<<`")


def resolve_century(yy: int, month: int | None, day: int | None, kind: DateKind, today: dt.date) -> int:
    """Four-digit year for a two-digit one, per the rules in the module docstring."""
    year = today.year // 100 * 100 + yy
    if kind is DateKind.BIRTH:
        if (year, month or 1, day or 1) > (today.year, today.month, today.day):
            year -= 100
    elif year > today.year + EXPIRY_YEARS_AHEAD:
        year -= 100
    elif year <= today.year + EXPIRY_YEARS_AHEAD - 100:
        year += 100
    return year


def parse_date(raw: str, kind: DateKind, today: dt.date) -> MrzDate:
    """Resolve a 6-character field; InvalidDate when it cannot be a date."""
    if len(raw) != 6:
        raise InvalidDate("a date field has six characters")
    yy, month, day = _pair(raw[0:2]), _pair(raw[2:4]), _pair(raw[4:6])
    if month is not None and not 1 <= month <= 12:
        raise InvalidDate("month out of range")
    year = resolve_century(yy, month, day, kind, today) if yy is not None else None
    if day is not None:
        if month is None:
            limit = 31
        else:
            limit = calendar.monthrange(year if year is not None else 2000, month)[1]
        if not 1 <= day <= limit:
            raise InvalidDate("day out of range")
    return MrzDate(raw=raw, year=year, month=month, day=day)


def unparsed(raw: str) -> MrzDate:
    """The value for a field that is not a date: the raw text and no known part."""
    return MrzDate(raw=raw, year=None, month=None, day=None)


def is_expired(expiry: MrzDate, today: dt.date) -> bool | None:
    """True/False when the known parts decide it, None when they do not."""
    if expiry.year is None:
        return None
    if expiry.year != today.year:
        return expiry.year < today.year
    if expiry.month is None:
        return None
    if expiry.month != today.month:
        return expiry.month < today.month
    if expiry.day is None:
        return None
    return expiry.day < today.day
