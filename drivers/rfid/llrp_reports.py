"""LLRP 1.0.1 parameters the reader sends: tag reports, reader events, device capabilities.

TagReportData is the hot path (thousands per second on a busy reader) and is decoded by a
straight scan; the others are rare and use the generic parameter split.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from edge.drivers.rfid.llrp_params import (
    P_ANTENNA_EVENT,
    P_CONNECTION_ATTEMPT_EVENT,
    P_CONNECTION_CLOSE_EVENT,
    P_EPC_DATA,
    P_READER_EVENT_NOTIFICATION_DATA,
    P_TAG_REPORT_DATA,
    P_UPTIME,
    P_UTC_TIMESTAMP,
    TV_ANTENNA_ID,
    TV_EPC96,
    TV_FIRST_SEEN_UTC,
    TV_LAST_SEEN_UTC,
    TV_PEAK_RSSI,
    TV_ROSPEC_ID,
    TV_TAG_SEEN_COUNT,
)
from edge.drivers.rfid.llrp_wire import TV_SIZES, Cursor, LlrpError, first, split_params, tlv, tv


@dataclass(frozen=True, slots=True)
class TagReport:
    """One TagReportData: the card's EPC and the optional fields the selector enabled.

    A 96-bit EPC is encoded as the compact EPC-96 TV parameter, any other length as EPCData.
    Timestamps are microseconds since the Unix epoch (UTC).
    """

    epc: bytes
    antenna_id: int | None = None
    peak_rssi: int | None = None
    first_seen_us: int | None = None
    last_seen_us: int | None = None
    seen_count: int | None = None
    rospec_id: int | None = None

    @property
    def epc_hex(self) -> str:
        return self.epc.hex().upper()

    def encode(self) -> bytes:
        if len(self.epc) == 12:
            body = tv(TV_EPC96, self.epc)
        else:
            body = tlv(P_EPC_DATA, struct.pack(">H", len(self.epc) * 8) + self.epc)
        if self.rospec_id is not None:
            body += tv(TV_ROSPEC_ID, struct.pack(">I", self.rospec_id))
        if self.antenna_id is not None:
            body += tv(TV_ANTENNA_ID, struct.pack(">H", self.antenna_id))
        if self.peak_rssi is not None:
            body += tv(TV_PEAK_RSSI, struct.pack(">b", self.peak_rssi))
        if self.first_seen_us is not None:
            body += tv(TV_FIRST_SEEN_UTC, struct.pack(">Q", self.first_seen_us))
        if self.last_seen_us is not None:
            body += tv(TV_LAST_SEEN_UTC, struct.pack(">Q", self.last_seen_us))
        if self.seen_count is not None:
            body += tv(TV_TAG_SEEN_COUNT, struct.pack(">H", self.seen_count))
        return tlv(P_TAG_REPORT_DATA, body)

    @classmethod
    def decode(cls, value: bytes) -> TagReport:
        """Decode one TagReportData body (the hot path: a straight scan, no intermediate lists)."""
        epc: bytes | None = None
        f: dict[str, int] = {}
        pos, n = 0, len(value)
        while pos < n:
            head = value[pos]
            if head & 0x80:
                ptype = head & 0x7F
                size = TV_SIZES.get(ptype)
                end = pos + 1 + (size or 0)
                if size is None or end > n:
                    raise LlrpError(
                        "TagReportData: bad or truncated TV parameter",
                        code="llrp.unknown_tv" if size is None else "llrp.truncated",
                        param_type=ptype,
                    )
                field = _TAG_TV_FIELDS.get(ptype)
                if ptype == TV_EPC96:
                    epc = value[pos + 1 : end]
                elif field is not None:
                    f[field] = int.from_bytes(value[pos + 1 : end], "big", signed=ptype == TV_PEAK_RSSI)
                pos = end
                continue
            if pos + 4 > n:
                raise LlrpError("TagReportData: truncated parameter", code="llrp.truncated")
            ptype = ((head << 8) | value[pos + 1]) & 0x03FF
            length = (value[pos + 2] << 8) | value[pos + 3]
            if length < 4 or pos + length > n:
                raise LlrpError(
                    "TagReportData: bad parameter length", code="llrp.bad_length", param_type=ptype
                )
            if ptype == P_EPC_DATA:
                c = Cursor(value, "EPCData", pos + 4, pos + length)
                bits = c.u16()
                epc = c.take((bits + 7) // 8)
            pos += length
        if epc is None:
            raise LlrpError("TagReportData without EPC", code="llrp.missing_param", param_type=P_EPC_DATA)
        return cls(epc, **f)


_TAG_TV_FIELDS = {
    TV_ANTENNA_ID: "antenna_id",
    TV_PEAK_RSSI: "peak_rssi",
    TV_FIRST_SEEN_UTC: "first_seen_us",
    TV_LAST_SEEN_UTC: "last_seen_us",
    TV_TAG_SEEN_COUNT: "seen_count",
    TV_ROSPEC_ID: "rospec_id",
}


@dataclass(frozen=True, slots=True)
class ReaderEvent:
    """ReaderEventNotificationData: when, the connection events, and antenna (dis)connects."""

    timestamp_us: int = 0
    connection_attempt: int | None = None  # 0 Success, 1-4 failures (spec 16.2.7.6.10)
    connection_close: bool = False
    antenna_event: tuple[int, int] | None = None  # (0 disconnected / 1 connected, antenna id)

    def encode(self) -> bytes:
        body = tlv(P_UTC_TIMESTAMP, struct.pack(">Q", self.timestamp_us))
        if self.antenna_event is not None:
            body += tlv(P_ANTENNA_EVENT, struct.pack(">BH", *self.antenna_event))
        if self.connection_attempt is not None:
            body += tlv(P_CONNECTION_ATTEMPT_EVENT, struct.pack(">H", self.connection_attempt))
        if self.connection_close:
            body += tlv(P_CONNECTION_CLOSE_EVENT, b"")
        return tlv(P_READER_EVENT_NOTIFICATION_DATA, body)

    @classmethod
    def decode(cls, value: bytes) -> ReaderEvent:
        params = split_params(value, "ReaderEventNotificationData")
        stamp = first(params, P_UTC_TIMESTAMP) or first(params, P_UPTIME)
        ts = Cursor(stamp.value, "Timestamp").u64() if stamp else 0
        attempt = first(params, P_CONNECTION_ATTEMPT_EVENT)
        antenna = first(params, P_ANTENNA_EVENT)
        ant: tuple[int, int] | None = None
        if antenna is not None:
            cur = Cursor(antenna.value, "AntennaEvent")
            ant = (cur.u8(), cur.u16())
        return cls(
            ts,
            Cursor(attempt.value, "ConnectionAttemptEvent").u16() if attempt else None,
            first(params, P_CONNECTION_CLOSE_EVENT) is not None,
            ant,
        )


P_GENERAL_DEVICE_CAPABILITIES = 137


@dataclass(frozen=True, slots=True)
class GeneralDeviceCapabilities:
    """What a technician wants to see of a reader: maker (IANA number), model, firmware."""

    max_antennas: int
    manufacturer: int
    model: int
    firmware: str
    has_utc_clock: bool = True

    def encode(self) -> bytes:
        fw = self.firmware.encode("utf-8")
        flags = 0x4000 if self.has_utc_clock else 0
        body = struct.pack(">HHIIH", self.max_antennas, flags, self.manufacturer, self.model, len(fw)) + fw
        return tlv(P_GENERAL_DEVICE_CAPABILITIES, body)

    @classmethod
    def find(cls, params: bytes) -> GeneralDeviceCapabilities | None:
        """The GeneralDeviceCapabilities among the parameters of a capabilities response."""
        p = first(split_params(params, "GET_READER_CAPABILITIES_RESPONSE"), P_GENERAL_DEVICE_CAPABILITIES)
        if p is None:
            return None
        cur = Cursor(p.value, "GeneralDeviceCapabilities")
        antennas, flags, maker, model, n = cur.u16(), cur.u16(), cur.u32(), cur.u32(), cur.u16()
        fw = cur.take(n).decode("utf-8", errors="replace")
        return cls(antennas, maker, model, fw, bool(flags & 0x4000))
