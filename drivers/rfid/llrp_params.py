"""The LLRP 1.0.1 parameters the lane needs, as frozen dataclasses with encode/decode.

Layouts follow the LLRP 1.0.1 specification, section 16.2: ROSpec and its triggers, the report
spec and content selector, KeepaliveSpec, LLRPStatus (with Field/ParameterError), TagReportData
and the reader event data. Sub-parameters the lane does not use are skipped on decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from edge.drivers.rfid.llrp_wire import (
    TV_SIZES,
    Cursor,
    LlrpError,
    RawParam,
    all_of,
    first,
    require,
    split_params,
    tlv,
    tv,
)

# TLV parameter types (LLRP 1.0.1 section 16.3 table).
P_UTC_TIMESTAMP = 128
P_UPTIME = 129
P_ROSPEC = 177
P_RO_BOUNDARY_SPEC = 178
P_ROSPEC_START_TRIGGER = 179
P_ROSPEC_STOP_TRIGGER = 182
P_AISPEC = 183
P_AISPEC_STOP_TRIGGER = 184
P_INVENTORY_PARAMETER_SPEC = 186
P_KEEPALIVE_SPEC = 220
P_RO_REPORT_SPEC = 237
P_TAG_REPORT_CONTENT_SELECTOR = 238
P_TAG_REPORT_DATA = 240
P_EPC_DATA = 241
P_READER_EVENT_NOTIFICATION_DATA = 246
P_ANTENNA_EVENT = 255
P_CONNECTION_ATTEMPT_EVENT = 256
P_CONNECTION_CLOSE_EVENT = 257
P_LLRP_STATUS = 287
P_FIELD_ERROR = 288
P_PARAMETER_ERROR = 289
# TV parameter types.
TV_ANTENNA_ID = 1
TV_FIRST_SEEN_UTC = 2
TV_LAST_SEEN_UTC = 4
TV_PEAK_RSSI = 6
TV_TAG_SEEN_COUNT = 8
TV_ROSPEC_ID = 9
TV_EPC96 = 13

STATUS_SUCCESS = 0
PROTOCOL_EPC_C1G2 = 1


@dataclass(frozen=True, slots=True)
class FieldError:
    field_num: int
    error_code: int

    def encode(self) -> bytes:
        return tlv(P_FIELD_ERROR, struct.pack(">HH", self.field_num, self.error_code))

    @classmethod
    def decode(cls, value: bytes) -> FieldError:
        cur = Cursor(value, "FieldError")
        return cls(cur.u16(), cur.u16())


@dataclass(frozen=True, slots=True)
class ParameterError:
    parameter_type: int
    error_code: int
    field_error: FieldError | None = None

    def encode(self) -> bytes:
        body = struct.pack(">HH", self.parameter_type, self.error_code)
        if self.field_error is not None:
            body += self.field_error.encode()
        return tlv(P_PARAMETER_ERROR, body)

    @classmethod
    def decode(cls, value: bytes) -> ParameterError:
        cur = Cursor(value, "ParameterError")
        ptype, code = cur.u16(), cur.u16()
        fe = first(split_params(cur.rest(), "ParameterError"), P_FIELD_ERROR)
        return cls(ptype, code, FieldError.decode(fe.value) if fe else None)


@dataclass(frozen=True, slots=True)
class LlrpStatus:
    """Outcome of a request: `code` 0 is M_Success; anything else carries a description."""

    code: int = STATUS_SUCCESS
    description: str = ""
    field_error: FieldError | None = None
    parameter_error: ParameterError | None = None

    @property
    def ok(self) -> bool:
        return self.code == STATUS_SUCCESS

    def encode(self) -> bytes:
        text = self.description.encode("utf-8")
        body = struct.pack(">HH", self.code, len(text)) + text
        if self.field_error is not None:
            body += self.field_error.encode()
        if self.parameter_error is not None:
            body += self.parameter_error.encode()
        return tlv(P_LLRP_STATUS, body)

    @classmethod
    def decode(cls, value: bytes) -> LlrpStatus:
        cur = Cursor(value, "LLRPStatus")
        code, n = cur.u16(), cur.u16()
        text = cur.take(n).decode("utf-8", errors="replace")
        params = split_params(cur.rest(), "LLRPStatus")
        fe, pe = first(params, P_FIELD_ERROR), first(params, P_PARAMETER_ERROR)
        return cls(code, text, FieldError.decode(fe.value) if fe else None,
                   ParameterError.decode(pe.value) if pe else None)


def decode_status(params: list[RawParam], what: str) -> LlrpStatus:
    return LlrpStatus.decode(require(params, P_LLRP_STATUS, what).value)


@dataclass(frozen=True, slots=True)
class ROSpecStartTrigger:
    trigger_type: int = 1  # 0 Null, 1 Immediate, 2 Periodic, 3 GPI

    def encode(self) -> bytes:
        return tlv(P_ROSPEC_START_TRIGGER, bytes([self.trigger_type]))


@dataclass(frozen=True, slots=True)
class ROSpecStopTrigger:
    trigger_type: int = 0  # 0 Null, 1 Duration, 2 GPI with timeout
    duration_ms: int = 0

    def encode(self) -> bytes:
        return tlv(P_ROSPEC_STOP_TRIGGER, struct.pack(">BI", self.trigger_type, self.duration_ms))


@dataclass(frozen=True, slots=True)
class AISpecStopTrigger:
    trigger_type: int = 0  # 0 Null, 1 Duration, 2 GPI, 3 Tag observation
    duration_ms: int = 0

    def encode(self) -> bytes:
        return tlv(P_AISPEC_STOP_TRIGGER, struct.pack(">BI", self.trigger_type, self.duration_ms))


@dataclass(frozen=True, slots=True)
class InventoryParameterSpec:
    spec_id: int = 1
    protocol_id: int = PROTOCOL_EPC_C1G2

    def encode(self) -> bytes:
        return tlv(P_INVENTORY_PARAMETER_SPEC, struct.pack(">HB", self.spec_id, self.protocol_id))


@dataclass(frozen=True, slots=True)
class AISpec:
    antenna_ids: tuple[int, ...] = (0,)  # 0 = all antennas
    stop_trigger: AISpecStopTrigger = AISpecStopTrigger()
    inventory_specs: tuple[InventoryParameterSpec, ...] = (InventoryParameterSpec(),)

    def encode(self) -> bytes:
        body = struct.pack(f">H{len(self.antenna_ids)}H", len(self.antenna_ids), *self.antenna_ids)
        body += self.stop_trigger.encode()
        body += b"".join(s.encode() for s in self.inventory_specs)
        return tlv(P_AISPEC, body)


@dataclass(frozen=True, slots=True)
class TagReportContentSelector:
    """Which optional fields the reader puts in each TagReportData (one bit each, spec order)."""

    rospec_id: bool = False
    spec_index: bool = False
    inventory_parameter_spec_id: bool = False
    antenna_id: bool = True
    channel_index: bool = False
    peak_rssi: bool = True
    first_seen: bool = True
    last_seen: bool = True
    tag_seen_count: bool = True
    access_spec_id: bool = False

    _ORDER = (
        "rospec_id", "spec_index", "inventory_parameter_spec_id", "antenna_id", "channel_index",
        "peak_rssi", "first_seen", "last_seen", "tag_seen_count", "access_spec_id",
    )

    def encode(self) -> bytes:
        bits = 0
        for i, name in enumerate(self._ORDER):
            if getattr(self, name):
                bits |= 1 << (15 - i)
        return tlv(P_TAG_REPORT_CONTENT_SELECTOR, struct.pack(">H", bits))

    @classmethod
    def decode(cls, value: bytes) -> TagReportContentSelector:
        bits = Cursor(value, "TagReportContentSelector").u16()
        return cls(*(bool(bits & (1 << (15 - i))) for i in range(len(cls._ORDER))))


@dataclass(frozen=True, slots=True)
class ROReportSpec:
    trigger: int = 1  # 0 None, 1 upon N tags or end of AISpec, 2 ... or end of ROSpec
    n: int = 1
    content: TagReportContentSelector = TagReportContentSelector()

    def encode(self) -> bytes:
        head = struct.pack(">BH", self.trigger, self.n)
        return tlv(P_RO_REPORT_SPEC, head + self.content.encode())

    @classmethod
    def decode(cls, value: bytes) -> ROReportSpec:
        cur = Cursor(value, "ROReportSpec")
        trigger, n = cur.u8(), cur.u16()
        sel = require(split_params(cur.rest(), "ROReportSpec"), P_TAG_REPORT_CONTENT_SELECTOR,
                      "ROReportSpec")
        return cls(trigger, n, TagReportContentSelector.decode(sel.value))


@dataclass(frozen=True, slots=True)
class ROSpec:
    """A reader operation: when to start and stop, what to inventory where, how to report."""

    rospec_id: int = 1
    priority: int = 0
    current_state: int = 0  # 0 Disabled, 1 Inactive, 2 Active
    start_trigger: ROSpecStartTrigger = ROSpecStartTrigger()
    stop_trigger: ROSpecStopTrigger = ROSpecStopTrigger()
    ai_specs: tuple[AISpec, ...] = (AISpec(),)
    report_spec: ROReportSpec | None = ROReportSpec()

    def encode(self) -> bytes:
        body = struct.pack(">IBB", self.rospec_id, self.priority, self.current_state)
        body += tlv(P_RO_BOUNDARY_SPEC, self.start_trigger.encode() + self.stop_trigger.encode())
        body += b"".join(a.encode() for a in self.ai_specs)
        if self.report_spec is not None:
            body += self.report_spec.encode()
        return tlv(P_ROSPEC, body)

    @classmethod
    def decode(cls, value: bytes) -> ROSpec:
        cur = Cursor(value, "ROSpec")
        rospec_id, priority, state = cur.u32(), cur.u8(), cur.u8()
        params = split_params(cur.rest(), "ROSpec")
        boundary = split_params(require(params, P_RO_BOUNDARY_SPEC, "ROSpec").value,
                                "ROBoundarySpec")
        start = Cursor(require(boundary, P_ROSPEC_START_TRIGGER, "ROBoundarySpec").value,
                       "ROSpecStartTrigger")
        stop = Cursor(require(boundary, P_ROSPEC_STOP_TRIGGER, "ROBoundarySpec").value,
                      "ROSpecStopTrigger")
        report = first(params, P_RO_REPORT_SPEC)
        return cls(
            rospec_id, priority, state, ROSpecStartTrigger(start.u8()),
            ROSpecStopTrigger(stop.u8(), stop.u32()),
            tuple(_decode_aispec(p.value) for p in all_of(params, P_AISPEC)),
            ROReportSpec.decode(report.value) if report else None,
        )


def _decode_aispec(value: bytes) -> AISpec:
    cur = Cursor(value, "AISpec")
    count = cur.u16()
    antennas = tuple(cur.u16() for _ in range(count))
    params = split_params(cur.rest(), "AISpec")
    stop = Cursor(require(params, P_AISPEC_STOP_TRIGGER, "AISpec").value, "AISpecStopTrigger")
    specs = []
    for p in all_of(params, P_INVENTORY_PARAMETER_SPEC):
        ips = Cursor(p.value, "InventoryParameterSpec")
        specs.append(InventoryParameterSpec(ips.u16(), ips.u8()))
    return AISpec(antennas, AISpecStopTrigger(stop.u8(), stop.u32()), tuple(specs))


@dataclass(frozen=True, slots=True)
class KeepaliveSpec:
    """Ask the reader to send KEEPALIVE every `period_ms` (trigger 1 = periodic, 0 = off)."""

    trigger_type: int = 1
    period_ms: int = 10_000

    def encode(self) -> bytes:
        return tlv(P_KEEPALIVE_SPEC, struct.pack(">BI", self.trigger_type, self.period_ms))

    @classmethod
    def decode(cls, value: bytes) -> KeepaliveSpec:
        cur = Cursor(value, "KeepaliveSpec")
        return cls(cur.u8(), cur.u32())


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
                    raise LlrpError("TagReportData: bad or truncated TV parameter",
                                    code="llrp.unknown_tv" if size is None else "llrp.truncated",
                                    param_type=ptype)
                field = _TAG_TV_FIELDS.get(ptype)
                if ptype == TV_EPC96:
                    epc = value[pos + 1 : end]
                elif field is not None:
                    f[field] = int.from_bytes(value[pos + 1 : end], "big",
                                              signed=ptype == TV_PEAK_RSSI)
                pos = end
                continue
            if pos + 4 > n:
                raise LlrpError("TagReportData: truncated parameter", code="llrp.truncated")
            ptype = ((head << 8) | value[pos + 1]) & 0x03FF
            length = (value[pos + 2] << 8) | value[pos + 3]
            if length < 4 or pos + length > n:
                raise LlrpError("TagReportData: bad parameter length", code="llrp.bad_length",
                                param_type=ptype)
            if ptype == P_EPC_DATA:
                c = Cursor(value, "EPCData", pos + 4, pos + length)
                bits = c.u16()
                epc = c.take((bits + 7) // 8)
            pos += length
        if epc is None:
            raise LlrpError("TagReportData without EPC", code="llrp.missing_param",
                            param_type=P_EPC_DATA)
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
        body = struct.pack(">HHIIH", self.max_antennas, flags, self.manufacturer, self.model,
                           len(fw)) + fw
        return tlv(P_GENERAL_DEVICE_CAPABILITIES, body)

    @classmethod
    def find(cls, params: bytes) -> GeneralDeviceCapabilities | None:
        """The GeneralDeviceCapabilities among the parameters of a capabilities response."""
        p = first(split_params(params, "GET_READER_CAPABILITIES_RESPONSE"),
                  P_GENERAL_DEVICE_CAPABILITIES)
        if p is None:
            return None
        cur = Cursor(p.value, "GeneralDeviceCapabilities")
        antennas, flags, maker, model, n = cur.u16(), cur.u16(), cur.u32(), cur.u32(), cur.u16()
        fw = cur.take(n).decode("utf-8", errors="replace")
        return cls(antennas, maker, model, fw, bool(flags & 0x4000))
