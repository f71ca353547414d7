"""Serial reader line profiles: csv (dec/hex), kv, regex; bad lines raise TagLineError only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import ConfigInvalid, parse_options
from edge.drivers.rfid.line_profiles import (
    SerialReaderOptions,
    TagLine,
    TagLineError,
    TagLineParser,
    format_line,
)
from edge.errors import ConfigError

EPC = "300833B2DDD9014000000001"


def parser(**kw: object) -> TagLineParser:
    return TagLineParser(SerialReaderOptions(**kw))  # type: ignore[arg-type]


def test_csv_decimal() -> None:
    assert parser().parse(f"{EPC.lower()},2,-57.5\r\n") == TagLine(EPC, 2, -57.5)


def test_csv_with_timestamp_in_ms() -> None:
    tag = parser(timestamp_unit="ms").parse(f"{EPC},1,-60,1700000000123")
    assert tag.ts == pytest.approx(1_700_000_000.123)


def test_csv_hex_numbers_and_semicolons() -> None:
    tag = parser(number_base="hex", separator=";").parse(f"{EPC};A;C7")
    assert (tag.antenna, tag.rssi) == (10, -57.0)


def test_csv_decimal_epc_is_padded_hex() -> None:
    tag = parser(epc_format="dec").parse("255,1,-50")
    assert tag.epc == "0" * 22 + "FF"


def test_rssi_in_tenths() -> None:
    assert parser(rssi_scale=0.1).parse(f"{EPC},1,-573").rssi == pytest.approx(-57.3)


def test_kv_any_order_and_aliases() -> None:
    tag = parser(profile="kv").parse(f"ANT=3 rssi=-61 epc={EPC} time=12.5 extra=x")
    assert tag == TagLine(EPC, 3, -61.0, 12.5)
    assert parser(profile="kv").parse(f"epc:{EPC}, antenna:1, rssi:-40").antenna == 1


def test_regex_profile() -> None:
    p = parser(profile="regex", pattern=r"#TAG (?P<epc>[0-9A-F]+) A(?P<antenna>\d+) (?P<rssi>-?\d+)dBm")
    assert p.parse(f"#TAG {EPC} A4 -66dBm") == TagLine(EPC, 4, -66.0)
    with pytest.raises(TagLineError) as err:
        p.parse("#HEARTBEAT")
    assert err.value.code == "rfid.line.no_match"


def test_regex_without_required_groups_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        parser(profile="regex", pattern=r"(?P<epc>\w+)")
    with pytest.raises(ConfigError):
        parser(profile="regex", pattern=r"(")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("", "rfid.line.empty"),
        ("hello", "rfid.line.fields"),
        (f"{EPC},x,-50", "rfid.line.number"),
        (f"{EPC},1,loud", "rfid.line.number"),
        ("XYZ,1,-50", "rfid.line.epc"),
        ("ABC,1,-50", "rfid.line.epc"),  # odd number of hex digits
        (f"{EPC},1,-50,yesterday", "rfid.line.number"),
        (f"{EPC},1,nan", "rfid.line.number"),
    ],
)
def test_bad_lines(line: str, code: str) -> None:
    with pytest.raises(TagLineError) as err:
        parser().parse(line)
    assert err.value.code == code


def test_options_validated_by_parse_options() -> None:
    opts = parse_options(SerialReaderOptions, {"profile": "kv", "number_base": "hex"}, "x")
    assert opts.profile == "kv"
    with pytest.raises(ConfigInvalid):
        parse_options(SerialReaderOptions, {"profile": "xml"}, "x")
    with pytest.raises(ConfigInvalid):
        parse_options(SerialReaderOptions, {"baud": 9600}, "x")


profiles = st.sampled_from(
    [
        SerialReaderOptions(),
        SerialReaderOptions(number_base="hex"),
        SerialReaderOptions(profile="kv"),
        SerialReaderOptions(separator="\t", timestamp_unit="ms"),
        SerialReaderOptions(epc_format="dec", rssi_scale=0.1, timestamp_unit="us"),
    ]
)
tag_lines = st.builds(
    TagLine,
    st.binary(min_size=12, max_size=12).map(lambda b: b.hex().upper()),
    st.integers(1, 15),
    st.integers(-99, -20).map(float),
    st.none() | st.integers(1_600_000_000_000, 1_900_000_000_000).map(lambda ms: ms / 1000),
)


@given(profiles, tag_lines)
def test_format_then_parse_round_trips(options: SerialReaderOptions, tag: TagLine) -> None:
    back = TagLineParser(options).parse(format_line(tag, options))
    assert (back.epc, back.antenna) == (tag.epc, tag.antenna)
    assert back.rssi == pytest.approx(tag.rssi)
    if tag.ts is None:
        assert back.ts is None
    else:
        assert back.ts == pytest.approx(tag.ts, abs=1e-3)


@given(profiles, st.text(max_size=80))
@settings(max_examples=500)
def test_garbage_only_raises_tag_line_error(options: SerialReaderOptions, text: str) -> None:
    try:
        TagLineParser(options).parse(text)
    except TagLineError:
        pass
