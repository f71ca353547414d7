"""LLRP reader (kind `rfid`, driver `llrp`): an asyncio TCP client that keeps tags flowing.

Session: connect, wait for the reader's ConnectionAttemptEvent, delete old ROSpecs, set the
config (keepalive), add/enable/start our ROSpec, then turn each RO_ACCESS_REPORT into
`TagSighting`s and answer KEEPALIVEs. Silence longer than `missed_keepalives` keepalive periods
means the link is dead (a cable pulled does not close a TCP socket): drop it and reconnect with
capped backoff. Counters: reports, sightings, bad_frames, reconnects, keepalives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from edge.aio import wait_for
from edge.config import DeviceConfig, doc, parse_options
from edge.drivers.base import Driver, DriverContext
from edge.drivers.rfid import llrp_codec as m
from edge.drivers.rfid.llrp_params import (
    AISpec,
    KeepaliveSpec,
    LlrpStatus,
    ROReportSpec,
    ROSpec,
    ROSpecStartTrigger,
)
from edge.drivers.rfid.llrp_reports import GeneralDeviceCapabilities
from edge.drivers.rfid.llrp_wire import LlrpError
from edge.errors import ConfigError, DeviceError
from edge.events import BadRead, DeviceState, Event, TagSighting

log = logging.getLogger(__name__)
LLRP_PORT = 5084


@dataclass(frozen=True, slots=True, kw_only=True)
class AntennaStateChanged(Event):
    """The reader says an antenna was unplugged or plugged back (a lane then reads nothing)."""

    device: str
    antenna: int
    connected: bool


class LlrpLinkError(DeviceError):
    """The reader refused us, answered a request with an error, or went silent."""

    code = "llrp.link"


@dataclass(frozen=True, slots=True)
class LlrpReaderOptions:
    """`options` table of an `rfid`/`llrp` device (the address is the device `url`)."""

    rospec_id: int = doc("ROSpec id this client owns on the reader", 1234)
    antennas: tuple[int, ...] = doc("Antennas to inventory; empty means all", ())
    keepalive_s: float = doc("Ask the reader for a KEEPALIVE this often", 5.0)
    missed_keepalives: int = doc("Silent keepalive periods before the link counts as dead", 3)
    connect_timeout_s: float = doc("TCP connect time-out", 5.0)
    response_timeout_s: float = doc("Time-out of each request during set-up", 5.0)
    backoff_initial_s: float = doc("First reconnect delay (doubles up to the maximum)", 0.5)
    backoff_max_s: float = doc("Longest reconnect delay", 30.0)
    use_reader_time: bool = doc("Use the reader's first-seen timestamp when reported", True)
    max_clock_skew_s: float = doc(
        "Reader time further than this from ours is ignored (arrival time used); 0 = trust it", 300.0
    )
    delete_all_rospecs: bool = doc("Delete every ROSpec on connect (not only ours)", True)
    query_capabilities: bool = doc("Ask the reader for maker, model and firmware on connect", True)


def parse_address(url: str) -> tuple[str, int]:
    """`llrp://host[:port]`, `tcp://host:port` or `host[:port]` -> (host, port)."""
    parts = urlsplit(url if "://" in url else f"llrp://{url}")
    if parts.scheme not in ("llrp", "tcp") or not parts.hostname:
        raise ConfigError(f"not an LLRP address: {url!r}", code="config.invalid", key="url")
    try:
        return parts.hostname, parts.port or LLRP_PORT
    except ValueError as err:
        raise ConfigError(f"bad port in {url!r}", code="config.invalid", key="url") from err


class LlrpRfidReader(Driver):
    """kind = "rfid", driver = "llrp"."""

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options = parse_options(LlrpReaderOptions, device.options, f"devices.{device.name}.options")
        self.host, self.port = parse_address(device.url or device.path or "")
        self._next_id = 1
        self._framer = m.LlrpFramer()
        self._pending: list[m.LlrpMessage] = []
        self._writer: asyncio.StreamWriter | None = None
        self._opened = False
        self._down_logged = False
        self._last_response: m.LlrpMessage | None = None
        self.capabilities: GeneralDeviceCapabilities | None = None

    def rospec(self) -> ROSpec:
        return ROSpec(
            rospec_id=self.options.rospec_id,
            start_trigger=ROSpecStartTrigger(0),  # started by START_ROSPEC
            ai_specs=(AISpec(antenna_ids=self.options.antennas or (0,)),),
            report_spec=ROReportSpec(trigger=1, n=1),
        )

    async def run(self) -> None:
        delay = self.options.backoff_initial_s
        sessions = 0
        while not self.stopping:
            try:
                reader, writer = await wait_for(
                    asyncio.open_connection(self.host, self.port), self.options.connect_timeout_s
                )
            except (OSError, TimeoutError) as err:
                if not self._down_logged:
                    log.warning(
                        "[%s] cannot reach reader %s:%d; retrying with backoff",
                        self.device.name,
                        self.host,
                        self.port,
                    )
                    self._down_logged = True
                self.ctx.set_state(
                    DeviceState.DISCONNECTED,
                    DeviceError(
                        f"cannot connect to {self.host}:{self.port}",
                        code="llrp.connect",
                        error=type(err).__name__,
                    ),
                )
                self.ctx.counters.inc("connect_failures")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.options.backoff_max_s)
                continue
            if sessions:
                self.ctx.counters.inc("reconnects")
            if self._down_logged:
                log.info("[%s] reader reachable again", self.device.name)
                self._down_logged = False
            sessions += 1
            self._opened = False
            try:
                await self._session(reader, writer)
            except (LlrpError, LlrpLinkError, OSError, TimeoutError, EOFError) as err:
                code = err.code if isinstance(err, LlrpError | LlrpLinkError) else type(err).__name__
                log.warning("[%s] LLRP link lost (%s)", self.device.name, code)
                self.ctx.set_state(DeviceState.DISCONNECTED, err)
                if isinstance(err, LlrpError):
                    self.ctx.counters.inc("bad_frames")
                    self.ctx.count_bad()
            finally:
                await self._close(writer)
            if self.stopping:
                return
            if self._opened:  # it worked for a while: start the backoff again from the bottom
                delay = self.options.backoff_initial_s
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.options.backoff_max_s)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._framer = m.LlrpFramer()
        self._pending = []
        self._writer = writer
        o = self.options
        try:
            await self._setup(reader)
            self._opened = True
            self.ctx.set_state(DeviceState.OPEN)
            silence = o.keepalive_s * o.missed_keepalives
            loop = asyncio.get_running_loop()
            last = loop.time()
            while not self.stopping:
                try:
                    msg = await wait_for(self._recv(reader), min(silence, 0.25))
                except TimeoutError:
                    if loop.time() - last > silence:
                        raise LlrpLinkError(
                            "no message or keepalive from the reader",
                            code="llrp.dead_link",
                            silence_s=silence,
                        ) from None
                    continue
                last = loop.time()
                await self._dispatch(msg)
            await self._goodbye(reader)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await wait_for(self._send(m.CloseConnection(self._id())), 0.5)
            raise

    async def _goodbye(self, reader: asyncio.StreamReader) -> None:
        """Clean stop: tell the reader we leave and take the reports it still sends."""
        with contextlib.suppress(LlrpError, LlrpLinkError, OSError, TimeoutError, EOFError):
            await self._request(reader, m.StopRospec(self._id(), self.options.rospec_id))
            await self._request(reader, m.CloseConnection(self._id()))
        self.ctx.set_state(DeviceState.STOPPED)

    async def _setup(self, reader: asyncio.StreamReader) -> None:
        o = self.options
        # the reader speaks first: READER_EVENT_NOTIFICATION with ConnectionAttemptEvent
        loop = asyncio.get_running_loop()
        deadline = loop.time() + o.response_timeout_s
        while True:
            msg = await wait_for(self._recv(reader), max(deadline - loop.time(), 0.01))
            if isinstance(msg, m.ReaderEventNotification) and msg.event.connection_attempt is not None:
                if msg.event.connection_attempt != 0:
                    raise LlrpLinkError(
                        "reader refused the connection",
                        code="llrp.refused",
                        status=msg.event.connection_attempt,
                    )
                break
            await self._dispatch(msg)
        if o.query_capabilities:
            await self._query_capabilities(reader)
        delete = await self._request(
            reader, m.DeleteRospec(self._id(), 0 if o.delete_all_rospecs else o.rospec_id)
        )
        if not delete.ok and not o.delete_all_rospecs:
            log.info("[%s] no old ROSpec to delete", self.device.name)
        await self._request(
            reader,
            m.SetReaderConfig(self._id(), keepalive=KeepaliveSpec(1, int(o.keepalive_s * 1000))),
            check=True,
        )
        await self._request(reader, m.AddRospec(self._id(), self.rospec()), check=True)
        await self._request(reader, m.EnableRospec(self._id(), o.rospec_id), check=True)
        await self._request(reader, m.StartRospec(self._id(), o.rospec_id), check=True)

    async def _query_capabilities(self, reader: asyncio.StreamReader) -> None:
        req = m.GetReaderCapabilities(self._id(), requested_data=1)  # general device caps
        await self._request(reader, req)
        resp = self._last_response
        if isinstance(resp, m.GetReaderCapabilitiesResponse) and resp.status.ok:
            try:
                caps = GeneralDeviceCapabilities.find(resp.capabilities)
            except LlrpError:
                caps = None
            if caps is not None and caps != self.capabilities:
                self.capabilities = caps
                log.info(
                    "[%s] reader maker %d model %d firmware %s, %d antennas",
                    self.device.name,
                    caps.manufacturer,
                    caps.model,
                    caps.firmware,
                    caps.max_antennas,
                )

    async def _request(
        self, reader: asyncio.StreamReader, req: m.LlrpMessage, check: bool = False
    ) -> LlrpStatus:
        await self._send(req)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.options.response_timeout_s
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise LlrpLinkError(f"no answer to {type(req).__name__}", code="llrp.timeout")
            msg = await wait_for(self._recv(reader), left)
            if msg.msg_id == req.msg_id and isinstance(msg, m.StatusResponse):
                self._last_response = msg
                status = msg.status
                if check and not status.ok:
                    raise LlrpLinkError(
                        f"{type(req).__name__} refused: {status.description}",
                        code="llrp.refused",
                        status=status.code,
                    )
                return status
            await self._dispatch(msg)

    async def _recv(self, reader: asyncio.StreamReader) -> m.LlrpMessage:
        while not self._pending:
            chunk = await reader.read(65536)
            if not chunk:
                raise EOFError("reader closed the connection")
            for raw in self._framer.feed(chunk):
                try:
                    self._pending.append(m.decode_message(raw))
                except LlrpError as err:  # framing intact: skip this one message
                    self.ctx.counters.inc("bad_frames")
                    self.ctx.emit(
                        BadRead(
                            ts=self.ctx.clock(),
                            device=self.device.name,
                            code=err.code,
                            detail=err.message,
                            size=len(raw),
                        )
                    )
        return self._pending.pop(0)

    async def _dispatch(self, msg: m.LlrpMessage) -> None:
        if isinstance(msg, m.RoAccessReport):
            self.ctx.counters.inc("reports")
            now = self.ctx.clock()
            for tag in msg.tags:
                ts = now
                if self.options.use_reader_time and tag.first_seen_us:
                    ts = self._reader_time(tag.first_seen_us / 1e6, now)
                self.ctx.counters.inc("sightings")
                self.ctx.emit(
                    TagSighting(
                        ts=ts,
                        device=self.device.name,
                        epc=tag.epc_hex,
                        antenna=tag.antenna_id or 0,
                        rssi=float(tag.peak_rssi) if tag.peak_rssi is not None else -127.0,
                    )
                )
        elif isinstance(msg, m.Keepalive):
            self.ctx.counters.inc("keepalives")
            await self._send(m.KeepaliveAck(msg.msg_id))
        elif isinstance(msg, m.ReaderEventNotification):
            if msg.event.connection_close:
                raise LlrpLinkError("reader closed the session", code="llrp.closed_by_reader")
            if msg.event.antenna_event is not None:
                kind, antenna = msg.event.antenna_event
                self.ctx.counters.inc("antenna_connected" if kind else "antenna_disconnected")
                self.ctx.emit(
                    AntennaStateChanged(
                        ts=self.ctx.clock(), device=self.device.name, antenna=antenna, connected=bool(kind)
                    )
                )
                log.warning(
                    "[%s] antenna %d %s", self.device.name, antenna, "connected" if kind else "disconnected"
                )
        elif isinstance(msg, m.ErrorMessage):
            self.ctx.counters.inc("reader_errors")
            log.warning("[%s] reader error %d", self.device.name, msg.status.code)

    def _reader_time(self, ts: float, now: float) -> float:
        skew = self.options.max_clock_skew_s
        if skew and abs(ts - now) > skew:
            self.ctx.counters.inc("clock_skew")
            if self.ctx.counters.get("clock_skew") == 1:
                log.warning(
                    "[%s] reader clock is %.0f s off ours; using arrival time", self.device.name, ts - now
                )
            return now
        return ts

    async def _send(self, msg: m.LlrpMessage) -> None:
        assert self._writer is not None
        self._writer.write(m.encode_message(msg))
        await self._writer.drain()

    def _id(self) -> int:
        self._next_id = (self._next_id % 0xFFFFFFFF) + 1
        return self._next_id

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        self._writer = None
        writer.close()
        with contextlib.suppress(Exception):
            await wait_for(writer.wait_closed(), 1.0)
