"""LLRP codec: known byte layouts, round trips, fuzz (only LlrpError), and the stream framer."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.rfid import llrp_codec as c
from edge.drivers.rfid.llrp_params import (
    AISpec,
    AISpecStopTrigger,
    FieldError,
    InventoryParameterSpec,
    KeepaliveSpec,
    LlrpStatus,
    ParameterError,
    ROReportSpec,
    ROSpec,
    ROSpecStartTrigger,
    ROSpecStopTrigger,
    TagReportContentSelector,
)
from edge.drivers.rfid.llrp_reports import GeneralDeviceCapabilities, ReaderEvent, TagReport
from edge.drivers.rfid.llrp_wire import LlrpError

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, (1 << 64) - 1)
msg_ids = u32


def test_keepalive_bytes_match_the_spec_header() -> None:
    # version 1, type 62 -> 0x043E; length 10; id 7
    assert c.encode_message(c.Keepalive(7)) == bytes.fromhex("043E0000000A00000007")
    assert c.encode_message(c.KeepaliveAck(7))[:2] == bytes.fromhex("0448")  # type 72


def test_start_rospec_bytes() -> None:
    assert c.encode_message(c.StartRospec(1, 0x1234)) == bytes.fromhex("04160000000E0000000100001234")


def test_decode_handwritten_ro_access_report() -> None:
    epc = bytes.fromhex("300833B2DDD9014000000001")
    tag = (
        bytes([0x80 | 13])
        + epc  # EPC-96 TV
        + bytes([0x81])
        + struct.pack(">H", 2)  # AntennaID
        + bytes([0x86])
        + struct.pack(">b", -57)  # PeakRSSI
        + bytes([0x82])
        + struct.pack(">Q", 1_700_000_000_000_000)  # FirstSeenTimestampUTC
        + bytes([0x88])
        + struct.pack(">H", 3)  # TagSeenCount
        + bytes([0x87])
        + struct.pack(">H", 9)  # ChannelIndex: ignored but skipped correctly
    )
    body = struct.pack(">HH", 240, 4 + len(tag)) + tag
    raw = struct.pack(">HII", 0x0400 | 61, 10 + len(body), 99) + body
    msg = c.decode_message(raw)
    assert isinstance(msg, c.RoAccessReport)
    assert msg.msg_id == 99
    (t,) = msg.tags
    assert (t.epc_hex, t.antenna_id, t.peak_rssi, t.seen_count) == (epc.hex().upper(), 2, -57, 3)
    assert t.first_seen_us == 1_700_000_000_000_000


def test_epcdata_tlv_with_odd_length() -> None:
    tag = TagReport(epc=bytes(range(8)), antenna_id=1)
    body = tag.encode()
    assert struct.unpack(">HH", body[4:8]) == (241, 4 + 2 + 8)  # EPCData TLV inside
    assert TagReport.decode(body[4:]) == tag


def test_tag_report_content_selector_bit_order() -> None:
    only_antenna = TagReportContentSelector(
        antenna_id=True, peak_rssi=False, first_seen=False, last_seen=False, tag_seen_count=False
    )
    assert only_antenna.encode()[4:] == struct.pack(">H", 1 << 12)


def test_status_error_with_description_and_field_error() -> None:
    status = LlrpStatus(101, "bad field", FieldError(2, 301), ParameterError(177, 200))
    raw = c.encode_message(c.AddRospecResponse(5, status))
    back = c.decode_message(raw)
    assert isinstance(back, c.AddRospecResponse)
    assert back.status == status
    assert not back.status.ok


def test_general_device_capabilities_in_a_response() -> None:
    caps = GeneralDeviceCapabilities(4, 25882, 2001002, "7.1.0")
    raw = c.encode_message(c.GetReaderCapabilitiesResponse(3, LlrpStatus(), caps.encode()))
    back = c.decode_message(raw)
    assert isinstance(back, c.GetReaderCapabilitiesResponse)
    assert GeneralDeviceCapabilities.find(back.capabilities) == caps
    assert GeneralDeviceCapabilities.find(b"") is None


def test_unknown_message_type_is_kept_not_raised() -> None:
    raw = struct.pack(">HII", 0x0400 | 1023, 14, 3) + b"\x00\x00\x00\x01"
    msg = c.decode_message(raw)
    assert isinstance(msg, c.UnknownMessage)
    assert (msg.msg_type, msg.payload) == (1023, b"\x00\x00\x00\x01")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x04\x3e\x00\x00\x00\x09\x00\x00\x00\x01",  # length below the header size
        b"\x08\x3e\x00\x00\x00\x0a\x00\x00\x00\x01",  # version 2
        b"\x04\x3d\x00\x00\x00\x0e\x00\x00\x00\x01\x00\xf0\x00\x02",  # TLV length 2
        b"\x04\x3d\x00\x00\x00\x0c\x00\x00\x00\x01\xff\x00",  # unknown TV type 127
    ],
)
def test_malformed_messages_raise_llrp_error(raw: bytes) -> None:
    with pytest.raises(LlrpError):
        c.decode_message(raw)


# ------------------------------------------------------------------ round trips

statuses = st.builds(
    LlrpStatus,
    u16,
    st.text(max_size=40),
    st.none() | st.builds(FieldError, u16, u16),
    st.none() | st.builds(ParameterError, u16, u16, st.none() | st.builds(FieldError, u16, u16)),
)
selectors = st.builds(TagReportContentSelector, *([st.booleans()] * 10))
report_specs = st.builds(ROReportSpec, u8, u16, selectors)
ai_specs = st.builds(
    AISpec,
    st.lists(u16, max_size=8).map(tuple),
    st.builds(AISpecStopTrigger, u8, u32),
    st.lists(st.builds(InventoryParameterSpec, u16, u8), max_size=3).map(tuple),
)
rospecs = st.builds(
    ROSpec,
    u32,
    u8,
    u8,
    st.builds(ROSpecStartTrigger, u8),
    st.builds(ROSpecStopTrigger, u8, u32),
    st.lists(ai_specs, max_size=3).map(tuple),
    st.none() | report_specs,
)
opt = st.none
tags = st.builds(
    TagReport,
    st.binary(min_size=1, max_size=62),
    opt() | u16,
    opt() | st.integers(-128, 127),
    opt() | u64,
    opt() | u64,
    opt() | u16,
    opt() | u32,
)
messages = st.one_of(
    st.builds(c.GetReaderCapabilities, msg_ids, u8),
    st.builds(c.GetReaderCapabilitiesResponse, msg_ids, statuses),
    st.builds(
        c.SetReaderConfig,
        msg_ids,
        st.booleans(),
        opt() | report_specs,
        opt() | st.builds(KeepaliveSpec, u8, u32),
    ),
    st.builds(c.AddRospec, msg_ids, rospecs),
    *[st.builds(cls, msg_ids, u32) for cls in (c.DeleteRospec, c.EnableRospec, c.StartRospec, c.StopRospec)],
    *[
        st.builds(cls, msg_ids, statuses)
        for cls in (
            c.SetReaderConfigResponse,
            c.AddRospecResponse,
            c.DeleteRospecResponse,
            c.EnableRospecResponse,
            c.StartRospecResponse,
            c.StopRospecResponse,
            c.CloseConnectionResponse,
            c.ErrorMessage,
        )
    ],
    st.builds(c.RoAccessReport, msg_ids, st.lists(tags, max_size=10).map(tuple)),
    st.builds(
        c.ReaderEventNotification,
        msg_ids,
        st.builds(ReaderEvent, u64, opt() | u16, st.booleans(), opt() | st.tuples(u8, u16)),
    ),
    *[
        st.builds(cls, msg_ids)
        for cls in (c.Keepalive, c.KeepaliveAck, c.CloseConnection, c.EnableEventsAndReports)
    ],
)


@given(messages)
@settings(max_examples=400)
def test_round_trip(msg: c.LlrpMessage) -> None:
    raw = c.encode_message(msg)
    assert c.decode_message(raw) == msg
    assert c.encode_message(c.decode_message(raw)) == raw


@given(st.lists(messages, min_size=1, max_size=6), st.data())
@settings(max_examples=150)
def test_framer_reassembles_any_chunking(msgs: list[c.LlrpMessage], data: st.DataObject) -> None:
    stream = b"".join(c.encode_message(m) for m in msgs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    framer = c.LlrpFramer()
    out: list[bytes] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        out += framer.feed(stream[prev:cut])
        prev = cut
    assert [c.decode_message(r) for r in out] == msgs
    assert framer.pending == 0


# ------------------------------------------------------------------ fuzz


@given(st.binary(max_size=300))
@settings(max_examples=1500)
def test_random_bytes_only_raise_llrp_error(raw: bytes) -> None:
    try:
        c.decode_message(raw)
    except LlrpError:
        pass
    framer = c.LlrpFramer()
    try:
        for frame in framer.feed(raw):
            c.decode_message(frame)
    except LlrpError:
        pass


@given(messages, st.data())
@settings(max_examples=600)
def test_mutated_messages_only_raise_llrp_error(msg: c.LlrpMessage, data: st.DataObject) -> None:
    raw = bytearray(c.encode_message(msg))
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(raw) - 1))
        raw[pos] = data.draw(u8)
    cut = data.draw(st.integers(0, len(raw)))
    for candidate in (bytes(raw), bytes(raw[:cut])):
        try:
            c.decode_message(candidate)
        except LlrpError:
            pass


def test_framer_rejects_a_length_over_its_limit() -> None:
    framer = c.LlrpFramer(max_message=64)
    with pytest.raises(LlrpError):
        framer.feed(struct.pack(">HII", 0x0400 | 61, 65, 1))
