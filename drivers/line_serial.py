"""The generic line-framed serial device: each line becomes a `LineRead`.

The simplest real device path (any scanner or sensor that prints one line per read), and the
one used to prove the daemon end to end before the specialised drivers.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config import DeviceConfig, doc, parse_options
from edge.drivers.base import DriverContext
from edge.drivers.serial_driver import SerialDriver
from edge.events import BadRead, LineRead

TERMINATORS = {"lf": b"\n", "cr": b"\r", "crlf": b"\r\n"}


@dataclass(frozen=True, slots=True)
class LineOptions:
    """`options` table of a `line`/`serial` device."""

    max_line: int = doc("Longest accepted line in bytes (longer ones are cut and counted)", 512)
    encoding: str = doc("Text encoding of the lines", "ascii")


class LineSplitter:
    """Pure incremental splitter: bytes in, complete lines out; over-long lines are cut off."""

    def __init__(self, terminator: bytes, max_line: int) -> None:
        self.terminator = terminator
        self.max_line = max_line
        self._buf = bytearray()
        self._discarding = False  # inside an over-long line: drop until its terminator
        self.overflows = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        lines: list[bytes] = []
        while True:
            idx = self._buf.find(self.terminator)
            if idx < 0:
                break
            line = bytes(self._buf[:idx])
            del self._buf[: idx + len(self.terminator)]
            if self._discarding or len(line) > self.max_line:
                if not self._discarding:
                    self.overflows += 1
                self._discarding = False
                continue
            lines.append(line)
        if len(self._buf) > self.max_line:
            if not self._discarding:
                self.overflows += 1
            self._discarding = True
            del self._buf[:]
        return lines

    def take_partial(self) -> bytes:
        rest = bytes(self._buf)
        self._buf.clear()
        self._discarding = False
        return rest


class LineSerialDriver(SerialDriver):
    """kind = "line", driver = "serial"."""

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options = parse_options(LineOptions, device.options, f"devices.{device.name}.options")
        term = TERMINATORS.get(device.framing, b"\n")
        self.splitter = LineSplitter(term, self.options.max_line)

    def feed(self, chunk: bytes, now: float) -> None:
        before = self.splitter.overflows
        for raw in self.splitter.feed(chunk):
            raw = raw.strip(b"\r\n")
            try:
                text = raw.decode(self.options.encoding)
            except UnicodeDecodeError:
                self.ctx.counters.inc("bad_frames")
                self.ctx.emit(BadRead(ts=now, device=self.device.name, code="line.encoding",
                                      size=len(raw)))
                continue
            if not text:
                continue
            self.ctx.counters.inc("reads")
            self.ctx.emit(LineRead(ts=now, device=self.device.name, text=text))
        if self.splitter.overflows != before:
            self.ctx.counters.inc("bad_frames")
            self.ctx.emit(BadRead(ts=now, device=self.device.name, code="line.too_long"))

    def on_disconnect(self, now: float) -> None:
        partial = self.splitter.take_partial()
        if partial:
            self.ctx.counters.inc("partial_reads")
            self.ctx.emit(BadRead(ts=now, device=self.device.name, code="line.partial",
                                  size=len(partial)))
