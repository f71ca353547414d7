"""The LLRP 1.0.1 parameters the lane needs, as frozen dataclasses with encode/decode.

Layouts follow the LLRP 1.0.1 specification, section 16.2: ROSpec and its triggers, the report
spec and content selector, KeepaliveSpec, LLRPStatus (with Field/ParameterError), TagReportData
and the reader event data. Sub-parameters the lane does not use are skipped on decode.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from edge.drivers.rfid.llrp_wire import (
    Cursor,
    RawParam,
    all_of,
    first,
    require,
    split_params,
    tlv,
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
        return cls(
            code,
            text,
            FieldError.decode(fe.value) if fe else None,
            ParameterError.decode(pe.value) if pe else None,
        )


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
        "rospec_id",
        "spec_index",
        "inventory_parameter_spec_id",
        "antenna_id",
        "channel_index",
        "peak_rssi",
        "first_seen",
        "last_seen",
        "tag_seen_count",
        "access_spec_id",
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
        sel = require(split_params(cur.rest(), "ROReportSpec"), P_TAG_REPORT_CONTENT_SELECTOR, "ROReportSpec")
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
        boundary = split_params(require(params, P_RO_BOUNDARY_SPEC, "ROSpec").value, "ROBoundarySpec")
        start = Cursor(
            require(boundary, P_ROSPEC_START_TRIGGER, "ROBoundarySpec").value, "ROSpecStartTrigger"
        )
        stop = Cursor(require(boundary, P_ROSPEC_STOP_TRIGGER, "ROBoundarySpec").value, "ROSpecStopTrigger")
        report = first(params, P_RO_REPORT_SPEC)
        return cls(
            rospec_id,
            priority,
            state,
            ROSpecStartTrigger(start.u8()),
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
