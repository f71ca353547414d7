"""Century resolution and partly unknown dates."""

from __future__ import annotations

import datetime as dt

import pytest

from edge.documents.dates import DateKind, InvalidDate, is_expired, parse_date

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("raw", "kind", "iso"),
    [
        ("740812", DateKind.BIRTH, "1974-08-12"),
        ("250601", DateKind.BIRTH, "2025-06-01"),
        ("250602", DateKind.BIRTH, "1925-06-02"),
        ("050101", DateKind.BIRTH, "2005-01-01"),
        ("451231", DateKind.EXPIRY, "2045-12-31"),
        ("461231", DateKind.EXPIRY, "1946-12-31"),
        ("120415", DateKind.EXPIRY, "2012-04-15"),
        ("7408<<", DateKind.BIRTH, "1974-08-??"),
        ("74<<<<", DateKind.BIRTH, "1974-??-??"),
        ("<<<<<<", DateKind.BIRTH, "????-??-??"),
        ("<<0812", DateKind.BIRTH, "????-08-12"),
        ("000229", DateKind.BIRTH, "2000-02-29"),
    ],
)
def test_resolution(raw, kind, iso):
    assert parse_date(raw, kind, TODAY).iso() == iso


@pytest.mark.parametrize("raw", ["741301", "740232", "010229", "7408<1", "74A812", "74081"])
def test_invalid(raw):
    with pytest.raises(InvalidDate):
        parse_date(raw, DateKind.BIRTH, TODAY)


@pytest.mark.parametrize(
    ("raw", "expired"),
    [("250531", True), ("250601", False), ("2505<<", True), ("2506<<", None), ("30<<<<", False)],
)
def test_expired(raw, expired):
    assert is_expired(parse_date(raw, DateKind.EXPIRY, TODAY), TODAY) is expired
