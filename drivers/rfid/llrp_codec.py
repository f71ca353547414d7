"""LLRP 1.0.1 messages the lane needs: pure bytes <-> frozen dataclasses, and a stream framer.

Header (spec 4.1.1): `reserved:3 version:3 type:10`, `length:32` (whole message, header
included), `id:32`. Each message class knows its type number and how to encode/decode its body;
`decode_message` returns `UnknownMessage` for types it does not model (vendor messages), and
raises only `LlrpError` for anything malformed. `LlrpFramer` reassembles messages from TCP chunks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import ClassVar

from edge.drivers.rfid.llrp_params import (
    P_KEEPALIVE_SPEC,
    P_LLRP_STATUS,
    P_READER_EVENT_NOTIFICATION_DATA,
    P_RO_REPORT_SPEC,
    P_ROSPEC,
    P_TAG_REPORT_DATA,
    KeepaliveSpec,
    LlrpStatus,
    ROReportSpec,
    ROSpec,
    decode_status,
)
from edge.drivers.rfid.llrp_reports import ReaderEvent, TagReport
from edge.drivers.rfid.llrp_wire import (
    Cursor,
    LlrpError,
    all_of,
    first,
    require,
    split_params,
    tlv,
    tv,
)

LLRP_VERSION = 1
HEADER_SIZE = 10
MAX_MESSAGE = 1 << 20  # a lane reader's report is a few kB; refuse absurd lengths early

__all__ = [
    "AddRospec",
    "AddRospecResponse",
    "CloseConnection",
    "CloseConnectionResponse",
    "DeleteRospec",
    "DeleteRospecResponse",
    "EnableEventsAndReports",
    "EnableRospec",
    "EnableRospecResponse",
    "ErrorMessage",
    "GetReaderCapabilities",
    "GetReaderCapabilitiesResponse",
    "Keepalive",
    "KeepaliveAck",
    "LlrpError",
    "LlrpFramer",
    "LlrpMessage",
    "ReaderEventNotification",
    "RoAccessReport",
    "SetReaderConfig",
    "SetReaderConfigResponse",
    "StartRospec",
    "StartRospecResponse",
    "StatusResponse",
    "StopRospec",
    "StopRospecResponse",
    "UnknownMessage",
    "decode_message",
    "encode_message",
]


@dataclass(frozen=True, slots=True)
class LlrpMessage:
    """Base: every message has an id (responses echo the id of their request)."""

    msg_id: int
    TYPE: ClassVar[int] = -1

    def body(self) -> bytes:
        return b""

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        return cls(msg_id)


@dataclass(frozen=True, slots=True)
class StatusResponse(LlrpMessage):
    """Base of the responses that carry only an LLRPStatus (and of ERROR_MESSAGE)."""

    status: LlrpStatus = field(default_factory=LlrpStatus)

    def body(self) -> bytes:
        return self.status.encode()

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        return cls(msg_id, decode_status(split_params(body, cls.__name__), cls.__name__))


@dataclass(frozen=True, slots=True)
class _RospecIdMessage(LlrpMessage):
    rospec_id: int = 0  # 0 = all ROSpecs (DELETE/ENABLE/DISABLE)

    def body(self) -> bytes:
        return struct.pack(">I", self.rospec_id)

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        return cls(msg_id, Cursor(body, cls.__name__).u32())


@dataclass(frozen=True, slots=True)
class GetReaderCapabilities(LlrpMessage):
    TYPE: ClassVar[int] = 1
    requested_data: int = 0  # 0 = all

    def body(self) -> bytes:
        return bytes([self.requested_data])

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        return cls(msg_id, Cursor(body, "GET_READER_CAPABILITIES").u8())


@dataclass(frozen=True, slots=True)
class SetReaderConfig(LlrpMessage):
    TYPE: ClassVar[int] = 3
    reset_to_factory_default: bool = False
    report_spec: ROReportSpec | None = None
    keepalive: KeepaliveSpec | None = None

    def body(self) -> bytes:
        out = bytes([0x80 if self.reset_to_factory_default else 0])
        if self.report_spec is not None:
            out += self.report_spec.encode()
        if self.keepalive is not None:
            out += self.keepalive.encode()
        return out

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        cur = Cursor(body, "SET_READER_CONFIG")
        reset = bool(cur.u8() & 0x80)
        params = split_params(cur.rest(), "SET_READER_CONFIG")
        report, keep = first(params, P_RO_REPORT_SPEC), first(params, P_KEEPALIVE_SPEC)
        return cls(
            msg_id,
            reset,
            ROReportSpec.decode(report.value) if report else None,
            KeepaliveSpec.decode(keep.value) if keep else None,
        )


@dataclass(frozen=True, slots=True)
class SetReaderConfigResponse(StatusResponse):
    TYPE: ClassVar[int] = 13


@dataclass(frozen=True, slots=True)
class GetReaderCapabilitiesResponse(StatusResponse):
    """The status, with the capability parameters kept as raw bytes (the lane only logs them)."""

    TYPE: ClassVar[int] = 11
    capabilities: bytes = b""

    def body(self) -> bytes:
        return self.status.encode() + self.capabilities

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        params = split_params(body, "GET_READER_CAPABILITIES_RESPONSE")
        status = decode_status(params, "GET_READER_CAPABILITIES_RESPONSE")
        rest = b"".join(
            tv(p.type, p.value) if p.tv else tlv(p.type, p.value)
            for p in params
            if p.tv or p.type != P_LLRP_STATUS
        )
        return cls(msg_id, status, rest)


@dataclass(frozen=True, slots=True)
class CloseConnectionResponse(StatusResponse):
    TYPE: ClassVar[int] = 4


@dataclass(frozen=True, slots=True)
class CloseConnection(LlrpMessage):
    TYPE: ClassVar[int] = 14


@dataclass(frozen=True, slots=True)
class AddRospec(LlrpMessage):
    TYPE: ClassVar[int] = 20
    rospec: ROSpec = field(default_factory=ROSpec)

    def body(self) -> bytes:
        return self.rospec.encode()

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        param = require(split_params(body, "ADD_ROSPEC"), P_ROSPEC, "ADD_ROSPEC")
        return cls(msg_id, ROSpec.decode(param.value))


@dataclass(frozen=True, slots=True)
class DeleteRospec(_RospecIdMessage):
    TYPE: ClassVar[int] = 21


@dataclass(frozen=True, slots=True)
class StartRospec(_RospecIdMessage):
    TYPE: ClassVar[int] = 22


@dataclass(frozen=True, slots=True)
class StopRospec(_RospecIdMessage):
    TYPE: ClassVar[int] = 23


@dataclass(frozen=True, slots=True)
class EnableRospec(_RospecIdMessage):
    TYPE: ClassVar[int] = 24


@dataclass(frozen=True, slots=True)
class AddRospecResponse(StatusResponse):
    TYPE: ClassVar[int] = 30


@dataclass(frozen=True, slots=True)
class DeleteRospecResponse(StatusResponse):
    TYPE: ClassVar[int] = 31


@dataclass(frozen=True, slots=True)
class StartRospecResponse(StatusResponse):
    TYPE: ClassVar[int] = 32


@dataclass(frozen=True, slots=True)
class StopRospecResponse(StatusResponse):
    TYPE: ClassVar[int] = 33


@dataclass(frozen=True, slots=True)
class EnableRospecResponse(StatusResponse):
    TYPE: ClassVar[int] = 34


@dataclass(frozen=True, slots=True)
class RoAccessReport(LlrpMessage):
    TYPE: ClassVar[int] = 61
    tags: tuple[TagReport, ...] = ()

    def body(self) -> bytes:
        return b"".join(t.encode() for t in self.tags)

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        # hot path: walk the top-level TLVs directly (reports carry only TLVs at this level)
        tags: list[TagReport] = []
        pos, n = 0, len(body)
        while pos < n:
            if body[pos] & 0x80 or pos + 4 > n:  # unusual: let the generic split judge the rest
                rest = split_params(body[pos:], "RO_ACCESS_REPORT")
                tags += [TagReport.decode(p.value) for p in all_of(rest, P_TAG_REPORT_DATA)]
                break
            ptype = ((body[pos] << 8) | body[pos + 1]) & 0x03FF
            length = (body[pos + 2] << 8) | body[pos + 3]
            if length < 4 or pos + length > n:
                raise LlrpError("RO_ACCESS_REPORT: bad parameter length", code="llrp.bad_length")
            if ptype == P_TAG_REPORT_DATA:
                tags.append(TagReport.decode(body[pos + 4 : pos + length]))
            pos += length
        return cls(msg_id, tuple(tags))


@dataclass(frozen=True, slots=True)
class Keepalive(LlrpMessage):
    TYPE: ClassVar[int] = 62


@dataclass(frozen=True, slots=True)
class ReaderEventNotification(LlrpMessage):
    TYPE: ClassVar[int] = 63
    event: ReaderEvent = field(default_factory=ReaderEvent)

    def body(self) -> bytes:
        return self.event.encode()

    @classmethod
    def from_body(cls, msg_id: int, body: bytes) -> LlrpMessage:
        param = require(
            split_params(body, "READER_EVENT_NOTIFICATION"),
            P_READER_EVENT_NOTIFICATION_DATA,
            "READER_EVENT_NOTIFICATION",
        )
        return cls(msg_id, ReaderEvent.decode(param.value))


@dataclass(frozen=True, slots=True)
class EnableEventsAndReports(LlrpMessage):
    TYPE: ClassVar[int] = 64


@dataclass(frozen=True, slots=True)
class KeepaliveAck(LlrpMessage):
    TYPE: ClassVar[int] = 72


@dataclass(frozen=True, slots=True)
class ErrorMessage(StatusResponse):
    TYPE: ClassVar[int] = 100


@dataclass(frozen=True, slots=True)
class UnknownMessage(LlrpMessage):
    """A message type this codec does not model (vendor CUSTOM_MESSAGE, capabilities, ...)."""

    msg_type: int = 0
    payload: bytes = b""


MESSAGE_TYPES: dict[int, type[LlrpMessage]] = {
    cls.TYPE: cls
    for cls in (
        GetReaderCapabilities,
        GetReaderCapabilitiesResponse,
        SetReaderConfig,
        SetReaderConfigResponse,
        CloseConnection,
        CloseConnectionResponse,
        AddRospec,
        AddRospecResponse,
        DeleteRospec,
        DeleteRospecResponse,
        StartRospec,
        StartRospecResponse,
        StopRospec,
        StopRospecResponse,
        EnableRospec,
        EnableRospecResponse,
        RoAccessReport,
        Keepalive,
        KeepaliveAck,
        ReaderEventNotification,
        EnableEventsAndReports,
        ErrorMessage,
    )
}


def encode_message(msg: LlrpMessage) -> bytes:
    """Whole message bytes: header then body."""
    if isinstance(msg, UnknownMessage):
        mtype, body = msg.msg_type, msg.payload
    else:
        mtype, body = msg.TYPE, msg.body()
    if not 0 <= mtype < 1024:
        raise LlrpError(f"message type {mtype} out of range", code="llrp.bad_type")
    return (
        struct.pack(">HII", (LLRP_VERSION << 10) | mtype, HEADER_SIZE + len(body), msg.msg_id & 0xFFFFFFFF)
        + body
    )


def read_header(data: bytes) -> tuple[int, int, int, int]:
    """(version, type, length, id) of the header at the start of `data` (>= 10 bytes)."""
    cur = Cursor(data, "LLRP header")
    first16, length, msg_id = cur.u16(), cur.u32(), cur.u32()
    version, mtype = (first16 >> 10) & 0x7, first16 & 0x3FF
    if length < HEADER_SIZE or length > MAX_MESSAGE:
        raise LlrpError(f"message length {length} out of range", code="llrp.bad_length", length=length)
    return version, mtype, length, msg_id


def decode_message(data: bytes) -> LlrpMessage:
    """One whole message (exactly `length` bytes) to its dataclass; raises only LlrpError."""
    version, mtype, length, msg_id = read_header(data)
    if length != len(data):
        raise LlrpError(
            f"message length {length} != {len(data)} bytes", code="llrp.bad_length", length=length
        )
    if version != LLRP_VERSION:
        raise LlrpError(f"unsupported LLRP version {version}", code="llrp.version", version=version)
    body = bytes(data[HEADER_SIZE:])
    cls = MESSAGE_TYPES.get(mtype)
    if cls is None:
        return UnknownMessage(msg_id, mtype, body)
    try:
        return cls.from_body(msg_id, body)
    except LlrpError:
        raise
    except (ValueError, TypeError, struct.error) as err:  # defensive: report as a codec error
        raise LlrpError(
            f"cannot decode message type {mtype}: {err}", code="llrp.decode", msg_type=mtype
        ) from err


class LlrpFramer:
    """Reassembles whole messages from TCP chunks; a bad header poisons the stream (LlrpError).

    LLRP has no resync marker: once a length field is nonsense the connection must be dropped
    and re-established, which is what the client does on LlrpError.
    """

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self._buf = bytearray()
        self.max_message = max_message

    def feed(self, chunk: bytes) -> list[bytes]:
        """Append bytes; return every complete message (raw bytes) now available."""
        self._buf += chunk
        out: list[bytes] = []
        while len(self._buf) >= HEADER_SIZE:
            _, _, length, _ = read_header(bytes(self._buf[:HEADER_SIZE]))
            if length > self.max_message:
                raise LlrpError(f"message length {length} over limit", code="llrp.too_long", length=length)
            if len(self._buf) < length:
                break
            out.append(bytes(self._buf[:length]))
            del self._buf[:length]
        return out

    @property
    def pending(self) -> int:
        return len(self._buf)
