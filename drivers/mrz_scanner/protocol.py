"""Incremental read assembler: scanner bytes in, whole reads or error reads out. No I/O.

It buffers, resynchronises on garbage, caps its buffer, and decides when a read is complete:
for line profiles when the lines of a known format (3 x 30, 2 x 36, 2 x 44) have arrived, for
framed profiles at the end of the frame. A partial read is never dropped silently nor glued to
the next one: a silence longer than `read_timeout`, a line of another length, a damaged line or
a new frame start turn it into a `ScanError`. Every byte ends up counted in exactly one of
`bytes_read`, `bytes_bad`, `bytes_skipped` or the buffer (`bytes_in` is their sum).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.documents.checkdigit import ALPHABET
from edge.documents.formats import SHAPES
from edge.drivers.mrz_scanner.framing import (
    ETX,
    MRZ_LENGTHS,
    SOH,
    STX,
    Framing,
    Profile,
    decode_3m_frame,
    split_payload,
)
from edge.errors import FramingError

LINES_FOR_LENGTH = {length: count for count, length in SHAPES}
_EOL = re.compile(rb"[\r\n]")
_MAX_LINE = 128


@dataclass(frozen=True, slots=True)
class ScanRead:
    """The lines of one complete read; `ts` is the time of its last byte."""

    lines: tuple[str, ...]
    ts: float
    size: int


@dataclass(frozen=True, slots=True)
class ScanError:
    """An error read: bytes that started a read but did not finish one. No content, by design."""

    code: str
    detail: str
    ts: float
    size: int
    lines: int = 0


Outcome = ScanRead | ScanError


@dataclass(slots=True)
class AssemblerCounters:
    bytes_in: int = 0
    bytes_read: int = 0
    bytes_bad: int = 0
    bytes_skipped: int = 0
    reads: int = 0
    bad_reads: int = 0
    bad_frames: int = 0
    partial_timeouts: int = 0
    overflows: int = 0


def _mrz_tail(text: str) -> str:
    """The longest run of MRZ characters that ends the text."""
    index = len(text)
    while index > 0 and text[index - 1] in ALPHABET:
        index -= 1
    return text[index:]


class Assembler:
    """One scanner's byte stream. `feed` and `poll` return what became complete."""

    def __init__(self, profile: Profile, *, read_timeout: float = 0.5, max_buffer: int = 4096) -> None:
        self.profile = profile
        self.read_timeout = read_timeout
        self.max_buffer = max(max_buffer, 256)
        self.counters = AssemblerCounters()
        self._buf = bytearray()
        self._pending: list[str] = []
        self._pending_bytes = 0
        self._last_byte = 0.0
        self._out: list[Outcome] = []

    @property
    def buffered(self) -> int:
        return len(self._buf) + self._pending_bytes

    # -- public API -------------------------------------------------------------------------

    def feed(self, chunk: bytes, now: float) -> list[Outcome]:
        """Take bytes that arrived at `now`; return the reads and error reads they completed."""
        self._out = []
        if chunk and self.buffered and now - self._last_byte > self.read_timeout:
            self._timeout(self._last_byte)
        self.counters.bytes_in += len(chunk)
        self._buf += chunk
        if chunk:
            self._last_byte = now
        if self.profile.framing.line_based:
            self._lines(now)
        else:
            self._frames(now)
        return self._out

    def poll(self, now: float) -> list[Outcome]:
        """Called while the line is quiet: times out a partial read."""
        self._out = []
        if self.buffered and now - self._last_byte > self.read_timeout:
            self._timeout(self._last_byte)
        return self._out

    def flush(self, now: float) -> list[Outcome]:
        """The port went away: whatever is buffered becomes an error read now."""
        self._out = []
        if self.buffered:
            self._timeout(now, code="mrz.partial_disconnect")
        return self._out

    # -- bookkeeping ------------------------------------------------------------------------

    def _read(self, lines: tuple[str, ...], size: int, ts: float) -> None:
        self.counters.reads += 1
        self.counters.bytes_read += size
        self._out.append(ScanRead(lines, ts, size))

    def _bad(self, code: str, detail: str, size: int, ts: float, lines: int = 0) -> None:
        self.counters.bad_reads += 1
        self.counters.bytes_bad += size
        if code.startswith("mrz.frame"):
            self.counters.bad_frames += 1
        self._out.append(ScanError(code, detail, ts, size, lines))

    def _skip(self, size: int) -> None:
        self.counters.bytes_skipped += size

    def _timeout(self, ts: float, code: str = "mrz.partial_timeout") -> None:
        if self.profile.framing.line_based and self._buf and self._pending:
            # a last line without its terminator may still complete the read
            tail = bytes(self._buf)
            text = tail.decode("ascii", errors="replace").strip()
            count = LINES_FOR_LENGTH.get(len(text), 0)
            if len(text) == len(self._pending[0]) and len(self._pending) + 1 == count:
                self._buf.clear()
                self._line(tail, len(tail), ts)
        if not self.buffered:
            return
        if code == "mrz.partial_timeout":
            self.counters.partial_timeouts += 1
        size, lines = self.buffered, len(self._pending)
        self._buf.clear()
        self._pending, self._pending_bytes = [], 0
        self._bad(code, "read did not complete", size, ts, lines)

    # -- line profiles ----------------------------------------------------------------------

    def _lines(self, now: float) -> None:
        buf = self._buf
        start = 0
        while True:
            match = _EOL.search(buf, start)
            if match is None:
                break
            end = match.end()
            self._line(bytes(buf[start : end - 1]), end - start, now)
            start = end
        del buf[:start]
        if len(buf) > _MAX_LINE:
            self.counters.overflows += 1
            self._bad_with_pending("mrz.overflow", "line too long", len(buf), now)
            buf.clear()

    def _bad_with_pending(self, code: str, detail: str, extra: int, ts: float) -> None:
        size, lines = self._pending_bytes + extra, len(self._pending)
        self._pending, self._pending_bytes = [], 0
        self._bad(code, detail, size, ts, lines)

    def _flush_pending(self, ts: float) -> None:
        if self._pending:
            self._bad_with_pending("mrz.partial", "read interrupted", 0, ts)

    def _line(self, raw: bytes, size: int, now: float) -> None:
        prefix = self.profile.prefix
        if prefix and raw.startswith(prefix):
            self._flush_pending(now)
            raw = raw[len(prefix) :]
        text = raw.decode("ascii", errors="replace").strip()
        if not text:
            self._skip(size)
            return
        if len(text) not in MRZ_LENGTHS:
            tail = _mrz_tail(text)
            if len(tail) in MRZ_LENGTHS:  # garbage glued before a line: resync on the line
                cut = len(raw) - len(raw.rstrip()) + len(tail)
                self._skip(size - cut)
                self._flush_pending(now)
                size, text = cut, tail
        if len(text) in MRZ_LENGTHS:
            if self._pending and len(self._pending[0]) != len(text):
                self._flush_pending(now)
            self._pending.append(text)
            self._pending_bytes += size
            if len(self._pending) == LINES_FOR_LENGTH[len(text)]:
                lines, taken = tuple(self._pending), self._pending_bytes
                self._pending, self._pending_bytes = [], 0
                self._read(lines, taken, now)
            return
        mrz_chars = sum(char in ALPHABET for char in text)
        if len(text) >= 20 and mrz_chars >= 0.8 * len(text):
            self._bad_with_pending("mrz.line_length", "damaged MRZ line", size, now)
            return
        self._flush_pending(now)
        self._skip(size)

    # -- framed profiles --------------------------------------------------------------------

    def _start_marker(self) -> bytes:
        framing = self.profile.framing
        if framing is Framing.STX_ETX:
            return bytes([STX])
        if framing is Framing.DESKO:
            return bytes([self.profile.desko_sod])
        return bytes([SOH])

    def _frames(self, now: float) -> None:
        buf = self._buf
        marker = self._start_marker()
        while buf:
            start = buf.find(marker)
            if start < 0:
                self._skip(len(buf))
                buf.clear()
                return
            if start:
                self._skip(start)
                del buf[:start]
            consumed = self._one_frame(now)
            if consumed == 0:
                break
            del buf[:consumed]
        if len(buf) > self.max_buffer:
            self.counters.overflows += 1
            self._bad("mrz.frame.overflow", "frame exceeds buffer", len(buf), now)
            buf.clear()

    def _one_frame(self, now: float) -> int:
        """Handle the frame starting at buf[0]; return bytes consumed (0 = need more)."""
        framing = self.profile.framing
        if framing is Framing.RTE_3M:
            return self._frame_3m(now)
        buf = self._buf
        if framing is Framing.DESKO:
            if len(buf) < 2:
                return 0
            if buf[1] != STX:
                self._skip(1)  # a stray SODO byte: resync on the next one
                return 1
            end_seq, restart, body = bytes([ETX, self.profile.desko_eod]), bytes(buf[:2]), 2
        else:
            end_seq, restart, body = bytes([ETX]), bytes([STX]), 1
        end = buf.find(end_seq, body)
        again = buf.find(restart, 1)
        if again >= 0 and (end < 0 or again < end):
            self._bad("mrz.frame.truncated", "new frame before the end of this one", again, now)
            return again
        if end < 0:
            return 0
        size = end + len(end_seq)
        payload = bytes(buf[body:end])
        self._framed_lines(split_payload(payload, self.profile.prefix), size, now)
        return size

    def _frame_3m(self, now: float) -> int:
        buf = self._buf
        if len(buf) < 3:
            return 0
        total = (buf[1] | (buf[2] & 0x3F) << 8) + 3
        if total < 9 or total > self.max_buffer or (len(buf) >= 6 and buf[3:6] != b"OU\x02"):
            self._skip(1)  # not a real header: resync on the next SOH
            return 1
        if len(buf) < total:
            return 0
        frame = bytes(buf[:total])
        try:
            lines = decode_3m_frame(frame, self.profile.prefix)
        except FramingError as err:
            nxt = frame.find(b"\x01", 1)
            size = nxt if nxt > 0 else total  # a dropped byte may hide the next frame's SOH
            self._bad(err.code, err.message, size, now)
            return size
        self._framed_lines(lines, total, now)
        return total

    def _framed_lines(self, lines: tuple[str, ...], size: int, now: float) -> None:
        lengths = {len(line) for line in lines}
        if len(lengths) == 1 and (len(lines), lengths.pop()) in SHAPES:
            self._read(lines, size, now)
        else:
            self._bad("mrz.shape", "frame does not hold a known MRZ format", size, now, len(lines))
