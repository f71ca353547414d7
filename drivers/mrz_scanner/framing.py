"""Framing profiles of serial MRZ scanners: pure encoders and frame decoders, no I/O.

Profiles (chosen by `framing` in the device config):
- `cr`, `lf`, `crlf`: plain lines, each ended by the terminator (decoding accepts any of them).
- `stx_etx`: the whole read between STX (0x02) and ETX (0x03), lines ended by CR.
- `desko`: `SODO STX line CR line CR [line CR] ETX EODO` (DESKO, CUTE interface). The SODO/EODO
  byte values are not in the public excerpt of the spec: they default to SO (0x0E) and SI (0x0F)
  and can be set per device (`desko_sod`, `desko_eod` options).
- `3m`: 3M RTE6701 / Gemalto / Thales "RTE native": `SOH len_lo len_hi "O" "U" STX flag
  line1 CR line2 CR line3 CR ETX BCC`. Missing top lines still send their CR; each line is padded
  with `_` to 30 (three-line reads) or 44 characters. Assumed from the public manual excerpt:
  the length word counts the bytes after it up to and including BCC, and BCC is the XOR of every
  byte from the length word to ETX. Verify against a device before relying on the checksum rule.
An optional fixed prefix may precede the first line of every read (any profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edge.errors import FramingError

SOH, STX, ETX, CR, LF = 0x01, 0x02, 0x03, 0x0D, 0x0A
DESKO_SOD_DEFAULT, DESKO_EOD_DEFAULT = 0x0E, 0x0F
MRZ_LENGTHS = frozenset({30, 36, 44})


class Framing(StrEnum):
    CR = "cr"
    LF = "lf"
    CRLF = "crlf"
    STX_ETX = "stx_etx"
    DESKO = "desko"
    RTE_3M = "3m"

    @property
    def line_based(self) -> bool:
        return self in (Framing.CR, Framing.LF, Framing.CRLF)


@dataclass(frozen=True, slots=True)
class Profile:
    """A framing and its per-device parameters."""

    framing: Framing
    prefix: bytes = b""
    desko_sod: int = DESKO_SOD_DEFAULT
    desko_eod: int = DESKO_EOD_DEFAULT


class FrameChecksumError(FramingError):
    code = "mrz.frame.checksum"


class FrameShapeError(FramingError):
    code = "mrz.frame.shape"


_TERMINATORS = {Framing.CR: b"\r", Framing.LF: b"\n", Framing.CRLF: b"\r\n"}


def bcc(data: bytes) -> int:
    """XOR of all bytes (the 3M block check character)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_read(lines: tuple[str, ...], profile: Profile, *, flag: bytes = b"0") -> bytes:
    """The bytes a scanner of this profile sends for one read of `lines`."""
    text = [line.encode("ascii") for line in lines]
    prefix = profile.prefix
    framing = profile.framing
    if framing.line_based:
        term = _TERMINATORS[framing]
        return prefix + b"".join(line + term for line in text)
    body = prefix + b"".join(line + b"\r" for line in text)
    if framing is Framing.STX_ETX:
        return bytes([STX]) + body + bytes([ETX])
    if framing is Framing.DESKO:
        return bytes([profile.desko_sod, STX]) + body + bytes([ETX, profile.desko_eod])
    width = 30 if len(text) == 3 else 44
    padded = [line.ljust(width, b"_") for line in text]
    padded = [b""] * (3 - len(padded)) + padded  # missing top lines still send their CR
    data = b"OU" + bytes([STX]) + flag[:1] + prefix + b"".join(p + b"\r" for p in padded)
    data += bytes([ETX])
    length = len(data) + 1  # + BCC
    word = bytes([length & 0xFF, (length >> 8) & 0x3F])
    return bytes([SOH]) + word + data + bytes([bcc(word + data)])


def split_payload(payload: bytes, prefix: bytes = b"") -> tuple[str, ...]:
    """Lines of a framed payload (CR/LF separated, blank lines dropped, prefix removed).

    Bytes outside ASCII are kept as U+FFFD so the parser reports an alphabet error at the right
    column instead of the read vanishing.
    """
    if prefix and payload.startswith(prefix):
        payload = payload[len(prefix) :]
    text = payload.decode("ascii", errors="replace")
    return tuple(line.strip() for line in text.replace("\n", "\r").split("\r") if line.strip())


def decode_3m_lines(payload: bytes, prefix: bytes = b"") -> tuple[str, ...]:
    """MRZ lines from the 3M optical data: padding `_` removed, `_` inside a line read as `<`.

    The width of a two-line read (36 or 44) is decided from where the last non-padding
    character sits; the padding beyond it must be all `_`.
    """
    if prefix and payload.startswith(prefix):
        payload = payload[len(prefix) :]
    text = payload.decode("ascii", errors="replace")
    lines = [line for line in text.split("\r") if line]
    if not lines:
        return ()
    if len(lines) == 3:
        width = 30
    else:
        used = max(len(line.rstrip("_")) for line in lines)
        width = 36 if used <= 36 else 44
    out: list[str] = []
    for line in lines:
        if line[width:].strip("_"):
            raise FrameShapeError("3M line longer than its format", length=len(line))
        out.append(line[:width].replace("_", "<"))
    return tuple(out)


def decode_3m_frame(frame: bytes, prefix: bytes = b"") -> tuple[str, ...]:
    """Lines of one complete 3M frame (SOH .. BCC); FramingError on a bad header or checksum."""
    if len(frame) < 9 or frame[0] != SOH:
        raise FrameShapeError("3M frame too short or without SOH", size=len(frame))
    length = frame[1] | (frame[2] & 0x3F) << 8
    if length != len(frame) - 3:
        raise FrameShapeError("3M length word does not match", size=len(frame))
    if frame[3:6] != b"OU\x02" or frame[-2] != ETX:
        raise FrameShapeError("3M header or trailer malformed", size=len(frame))
    if bcc(frame[1:-1]) != frame[-1]:
        raise FrameChecksumError("3M block check character mismatch", size=len(frame))
    return decode_3m_lines(frame[7:-2], prefix)
