"""The MRZ scanner driver: serial bytes -> reads -> parsed documents on the bus.

`kind = "mrz_scanner"`, `driver = "serial"`; the device's `framing` picks the profile (`cr`, `lf`,
`crlf`, `stx_etx`, `desko`, `3m`). Opening, hot-plug and backoff are the shared `SerialDriver`'s;
this class only turns bytes into `DocumentScanned` (with the parse result and the time of the
read's last byte) and `BadRead` (error reads, with a stable code and no document content).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from edge.config import ConfigInvalid, ConfigProblem, DeviceConfig, doc, parse_options
from edge.documents import parse_mrz
from edge.drivers.base import DriverContext
from edge.drivers.mrz_scanner.framing import (
    DESKO_EOD_DEFAULT,
    DESKO_SOD_DEFAULT,
    Framing,
    Profile,
)
from edge.drivers.mrz_scanner.protocol import Assembler, Outcome, ScanRead
from edge.drivers.serial_driver import SerialDriver
from edge.errors import DocumentError
from edge.events import BadRead, DocumentScanned

log = logging.getLogger(__name__)

_MIRRORED = ("reads", "bad_reads", "bad_frames", "partial_timeouts", "overflows", "bytes_skipped")


@dataclass(frozen=True, slots=True)
class MrzScannerOptions:
    read_timeout: float = doc(
        "Seconds of silence that end an unfinished read (reported as an error read)", 0.5
    )
    prefix: str = doc("Fixed text the scanner sends before every read ('' for none)", "")
    max_buffer: int = doc("Largest frame held while waiting for its end, in bytes", 4096)
    desko_sod: int = doc("DESKO start-of-document-output byte (framing = desko)", DESKO_SOD_DEFAULT)
    desko_eod: int = doc("DESKO end-of-document-output byte (framing = desko)", DESKO_EOD_DEFAULT)


def profile_for(device: DeviceConfig, options: MrzScannerOptions) -> Profile:
    """The framing profile from the device's `framing` and options (ConfigInvalid if unknown)."""
    where = f"devices.{device.name}"
    try:
        framing = Framing(device.framing)
    except ValueError as err:
        known = ", ".join(f.value for f in Framing)
        problem = ConfigProblem(f"{where}.framing", f"unknown MRZ framing (known: {known})", "config.invalid")
        raise ConfigInvalid([problem], where) from err
    return Profile(
        framing,
        prefix=options.prefix.encode("ascii"),
        desko_sod=options.desko_sod,
        desko_eod=options.desko_eod,
    )


class MrzScannerDriver(SerialDriver):
    """One serial MRZ scanner."""

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options = parse_options(MrzScannerOptions, device.options, f"devices.{device.name}.options")
        self.profile = profile_for(device, self.options)
        self.idle_interval = min(self.idle_interval, self.options.read_timeout / 2)
        self.assembler = Assembler(
            self.profile,
            read_timeout=self.options.read_timeout,
            max_buffer=self.options.max_buffer,
        )
        self._mirrored = dict.fromkeys(_MIRRORED, 0)

    def feed(self, chunk: bytes, now: float) -> None:
        self._handle(self.assembler.feed(chunk, now))

    def on_idle(self, now: float) -> None:
        self._handle(self.assembler.poll(now))

    def on_disconnect(self, now: float) -> None:
        self._handle(self.assembler.flush(now))

    def _handle(self, outcomes: list[Outcome]) -> None:
        name = self.device.name
        for outcome in outcomes:
            if isinstance(outcome, ScanRead):
                self._document(outcome)
            else:
                log.info("[%s mrz] error read %s (%d bytes)", name, outcome.code, outcome.size)
                self.ctx.emit(
                    BadRead(
                        ts=outcome.ts,
                        device=name,
                        code=outcome.code,
                        detail=outcome.detail,
                        size=outcome.size,
                    )
                )
        counters = self.assembler.counters
        for key in _MIRRORED:
            value = getattr(counters, key)
            if value != self._mirrored[key]:
                self.ctx.counters.inc(key, value - self._mirrored[key])
                self._mirrored[key] = value

    def _document(self, read: ScanRead) -> None:
        name = self.device.name
        today = dt.datetime.fromtimestamp(read.ts).date()
        try:
            document = parse_mrz(read.lines, today=today)
        except DocumentError as err:
            self.ctx.counters.inc("unparsable_reads")
            log.info("[%s mrz] unparsable read %s", name, err.code)
            self.ctx.emit(BadRead(ts=read.ts, device=name, code=err.code, detail=err.message, size=read.size))
            return
        self.ctx.counters.inc("documents")
        if not document.valid:
            self.ctx.counters.inc("invalid_documents")
        if document.repairs:
            self.ctx.counters.inc("repaired_documents")
        self.ctx.emit(DocumentScanned(ts=read.ts, device=name, document=document, raw_lines=read.lines))
