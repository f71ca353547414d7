"""Byte-level primitives of LLRP 1.0.1: a bounds-checked cursor and the TLV/TV parameter split.

Every read is checked against the end of its buffer so that truncated or hostile input raises
`LlrpError` (never `struct.error` or `IndexError`). Parameters come in two shapes (spec 4.1):
TV (`1 type:7` then a fixed-size value, size known from the type) and TLV (`reserved:6 type:10`,
`length:16` including the 4-byte header, then the value and any sub-parameters).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from edge.errors import FramingError

# Fixed value sizes of the TV parameters defined by LLRP 1.0.1 (type -> bytes after the type byte).
TV_SIZES: dict[int, int] = {
    1: 2,  # AntennaID
    2: 8,  # FirstSeenTimestampUTC
    3: 8,  # FirstSeenTimestampUptime
    4: 8,  # LastSeenTimestampUTC
    5: 8,  # LastSeenTimestampUptime
    6: 1,  # PeakRSSI
    7: 2,  # ChannelIndex
    8: 2,  # TagSeenCount
    9: 4,  # ROSpecID
    10: 2,  # InventoryParameterSpecID
    11: 2,  # C1G2-CRC
    12: 2,  # C1G2-PC
    13: 12,  # EPC-96
    14: 2,  # SpecIndex
    15: 2,  # ClientRequestOpSpecResult
    16: 4,  # AccessSpecID
}

MAX_NESTING = 16


class LlrpError(FramingError):
    """Bytes that are not a valid LLRP message or parameter (the only error the codec raises)."""

    code = "llrp.decode"


@dataclass(frozen=True, slots=True)
class RawParam:
    """One parameter as split from a buffer: its type, TV or TLV, and its value bytes."""

    type: int
    tv: bool
    value: bytes


class Cursor:
    """Reads big-endian integers from `data[pos:end]`, raising LlrpError on truncation."""

    __slots__ = ("data", "end", "pos", "what")

    def __init__(self, data: bytes, what: str, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.what = what

    def remaining(self) -> int:
        return self.end - self.pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise LlrpError(
                f"{self.what}: truncated", code="llrp.truncated", need=n, have=self.end - self.pos
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def s8(self) -> int:
        value: int = struct.unpack(">b", self.take(1))[0]
        return value

    def u16(self) -> int:
        value: int = struct.unpack(">H", self.take(2))[0]
        return value

    def u32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def u64(self) -> int:
        value: int = struct.unpack(">Q", self.take(8))[0]
        return value

    def rest(self) -> bytes:
        return self.take(self.remaining())


def split_params(data: bytes, what: str) -> list[RawParam]:
    """Split a run of parameters; unknown TLVs are kept (callers skip them), unknown TVs fail."""
    cur = Cursor(data, what)
    out: list[RawParam] = []
    while cur.remaining() > 0:
        first = cur.u8()
        if first & 0x80:
            ptype = first & 0x7F
            size = TV_SIZES.get(ptype)
            if size is None:
                raise LlrpError(
                    f"{what}: unknown TV parameter {ptype}", code="llrp.unknown_tv", param_type=ptype
                )
            out.append(RawParam(ptype, True, cur.take(size)))
            continue
        second = cur.u8()
        ptype = ((first << 8) | second) & 0x03FF
        length = cur.u16()
        if length < 4:
            raise LlrpError(
                f"{what}: parameter {ptype} length {length} < 4", code="llrp.bad_length", param_type=ptype
            )
        out.append(RawParam(ptype, False, cur.take(length - 4)))
    return out


def tlv(ptype: int, value: bytes) -> bytes:
    """Encode one TLV parameter (the header's 6 reserved bits are zero)."""
    length = 4 + len(value)
    if length > 0xFFFF:
        raise LlrpError(f"parameter {ptype} too long ({length} bytes)", code="llrp.too_long")
    return struct.pack(">HH", ptype & 0x03FF, length) + value


def tv(ptype: int, value: bytes) -> bytes:
    """Encode one TV parameter."""
    return bytes([0x80 | (ptype & 0x7F)]) + value


def first(params: list[RawParam], ptype: int, *, tv_param: bool = False) -> RawParam | None:
    for p in params:
        if p.type == ptype and p.tv == tv_param:
            return p
    return None


def all_of(params: list[RawParam], ptype: int) -> list[RawParam]:
    return [p for p in params if p.type == ptype and not p.tv]


def require(params: list[RawParam], ptype: int, what: str) -> RawParam:
    p = first(params, ptype)
    if p is None:
        raise LlrpError(f"{what}: missing parameter {ptype}", code="llrp.missing_param", param_type=ptype)
    return p
