"""Serial RFID reader (kind `rfid`, driver `serial`): one tag report per line -> `TagSighting`.

The port, hot-plug and reconnect come from `SerialDriver`; the line shape from the configured
profile (`line_profiles`). A line that does not parse is counted (`bad_frames`) and published as
a `BadRead` diagnostic; it never stops the reader.
"""

from __future__ import annotations

import logging

from edge.config import DeviceConfig, parse_options
from edge.drivers.base import DriverContext
from edge.drivers.line_serial import TERMINATORS, LineSplitter
from edge.drivers.rfid.line_profiles import SerialReaderOptions, TagLineError, TagLineParser
from edge.drivers.serial_driver import SerialDriver
from edge.events import BadRead, TagSighting

log = logging.getLogger(__name__)


class SerialRfidReader(SerialDriver):
    """kind = "rfid", driver = "serial"."""

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options = parse_options(SerialReaderOptions, device.options, f"devices.{device.name}.options")
        self.parser = TagLineParser(self.options)
        # any of CR, LF or CRLF ends a line: split on LF, strip CR (readers differ)
        term = b"\r" if device.framing == "cr" else TERMINATORS.get(device.framing, b"\n")
        self.splitter = LineSplitter(b"\n" if term == b"\r\n" else term, self.options.max_line)

    def feed(self, chunk: bytes, now: float) -> None:
        overflows = self.splitter.overflows
        for raw in self.splitter.feed(chunk):
            self.handle_line(raw, now)
        if self.splitter.overflows != overflows:
            self._bad(now, "rfid.line.too_long", "", self.options.max_line)

    def handle_line(self, raw: bytes, now: float) -> None:
        raw = raw.strip(b"\r\n\x00 ")
        if not raw:
            return
        try:
            tag = self.parser.parse(raw.decode(self.options.encoding))
        except UnicodeDecodeError:
            self._bad(now, "rfid.line.encoding", "", len(raw))
            return
        except TagLineError as err:
            self._bad(now, err.code, err.message, len(raw))
            return
        ts = now
        if tag.ts is not None and self.options.use_reader_time:
            skew = self.options.max_clock_skew_s
            if skew and abs(tag.ts - now) > skew:
                self.ctx.counters.inc("clock_skew")
                if self.ctx.counters.get("clock_skew") == 1:
                    log.warning(
                        "[%s] reader clock is %.0f s off ours; using arrival time",
                        self.device.name,
                        tag.ts - now,
                    )
            else:
                ts = tag.ts
        self.ctx.counters.inc("reports")
        self.ctx.emit(
            TagSighting(ts=ts, device=self.device.name, epc=tag.epc, antenna=tag.antenna, rssi=tag.rssi)
        )

    def on_disconnect(self, now: float) -> None:
        partial = self.splitter.take_partial()
        if partial:
            self._bad(now, "rfid.line.partial", "", len(partial))

    def _bad(self, now: float, code: str, detail: str, size: int) -> None:
        self.ctx.counters.inc("bad_frames")
        if self.ctx.counters.get("bad_frames") == 1:
            log.warning("[%s] first bad line from reader (%s)", self.device.name, code)
        self.ctx.emit(BadRead(ts=now, device=self.device.name, code=code, detail=detail, size=size))
