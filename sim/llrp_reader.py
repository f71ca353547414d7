"""Simulated LLRP reader: an asyncio TCP server on loopback speaking the lane's LLRP subset.

Built from the driver's own codec. It greets a client with a ConnectionAttemptEvent, answers
the set-up requests, sends KEEPALIVEs at the configured period, and once START_ROSPEC arrives,
streams the `Traffic` reads as RO_ACCESS_REPORTs (reader timestamps carry the time, so the
stream can run faster than real time). Faults: drop the TCP connection after N reports (reader
reboot), or go silent after N reports (cable pulled: no FIN, no keepalives). The position in
the traffic survives reconnects, as a real reader's field keeps moving.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

from edge.drivers.rfid import llrp_codec as m
from edge.drivers.rfid.llrp_params import (
    LlrpStatus,
)
from edge.drivers.rfid.llrp_reports import GeneralDeviceCapabilities, ReaderEvent, TagReport
from edge.drivers.rfid.llrp_wire import LlrpError
from edge.sim.rfid_traffic import SimRead, Traffic

Send = Callable[[m.LlrpMessage], Awaitable[None]]
M_FIELD_ERROR = 101
SIM_MAKER = 0  # IANA "reserved": not any real vendor
M_UNSUPPORTED_MESSAGE = 109


class LlrpReaderSim:
    def __init__(
        self,
        traffic: Traffic,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        batch: int = 16,
        speed: float | None = None,
        live_clock: bool = False,
        drop_after_reports: int | None = None,
        silent_after_reports: int | None = None,
    ) -> None:
        self.traffic = traffic
        self.host = host
        self.port = port
        self.batch = batch
        self.speed = speed
        self.live_clock = live_clock  # paced runs: stamp reads with the wall clock, not the plan
        self.drop_after_reports = drop_after_reports
        self.silent_after_reports = silent_after_reports
        self.cursor = 0  # next read to send
        self.reports_sent = 0
        self.connections = 0
        self.keepalive_acks = 0
        self.closed_politely = 0
        self.rospecs: dict[int, bool] = {}  # id -> enabled
        self.done = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._faulted = False

    async def start(self) -> LlrpReaderSim:
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    @property
    def url(self) -> str:
        return f"llrp://{self.host}:{self.port}"

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._spawn(self._session(reader, writer))

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        framer = m.LlrpFramer()
        ids = iter(range(1, 1 << 31))
        keepalive: asyncio.Task[None] | None = None
        stream: asyncio.Task[None] | None = None
        silent = asyncio.Event()

        async def send(msg: m.LlrpMessage) -> None:
            if not silent.is_set():
                writer.write(m.encode_message(msg))
                await writer.drain()

        try:
            now_us = int(time.time() * 1e6)
            await send(m.ReaderEventNotification(next(ids), ReaderEvent(now_us, 0)))
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                for raw in framer.feed(chunk):
                    msg = m.decode_message(raw)
                    reply = self._answer(msg)
                    if (
                        isinstance(msg, m.SetReaderConfig)
                        and msg.keepalive is not None
                        and msg.keepalive.trigger_type == 1
                        and keepalive is None
                    ):
                        period = msg.keepalive.period_ms / 1000
                        keepalive = self._spawn(self._keepalives(send, ids, period))
                    if reply is not None:
                        await send(reply)
                    if (
                        isinstance(msg, m.StartRospec)
                        and reply is not None
                        and isinstance(reply, m.StatusResponse)
                        and reply.status.ok
                        and stream is None
                    ):
                        stream = self._spawn(self._stream(send, ids, writer, silent))
                    if isinstance(msg, m.StopRospec) and stream is not None:
                        stream.cancel()
                        stream = None
                    if isinstance(msg, m.CloseConnection):
                        self.closed_politely += 1
                        return
        except (ConnectionError, LlrpError, OSError):
            return
        finally:
            for task in (keepalive, stream):
                if task is not None:
                    task.cancel()
            writer.close()

    def _answer(self, msg: m.LlrpMessage) -> m.LlrpMessage | None:
        ok = LlrpStatus()
        if isinstance(msg, m.GetReaderCapabilities):
            caps = GeneralDeviceCapabilities(4, SIM_MAKER, 1, "lane-sim 1.0")
            return m.GetReaderCapabilitiesResponse(msg.msg_id, ok, caps.encode())
        if isinstance(msg, m.SetReaderConfig):
            return m.SetReaderConfigResponse(msg.msg_id, ok)
        if isinstance(msg, m.DeleteRospec):
            if msg.rospec_id == 0:
                self.rospecs.clear()
            else:
                self.rospecs.pop(msg.rospec_id, None)
            return m.DeleteRospecResponse(msg.msg_id, ok)
        if isinstance(msg, m.AddRospec):
            if msg.rospec.rospec_id in self.rospecs:
                return m.AddRospecResponse(msg.msg_id, LlrpStatus(M_FIELD_ERROR, "ROSpec exists"))
            self.rospecs[msg.rospec.rospec_id] = False
            return m.AddRospecResponse(msg.msg_id, ok)
        if isinstance(msg, m.EnableRospec | m.StartRospec | m.StopRospec):
            cls: type[m.StatusResponse] = (
                m.EnableRospecResponse
                if isinstance(msg, m.EnableRospec)
                else m.StartRospecResponse
                if isinstance(msg, m.StartRospec)
                else m.StopRospecResponse
            )
            if msg.rospec_id not in self.rospecs:
                return cls(msg.msg_id, LlrpStatus(M_FIELD_ERROR, "no such ROSpec"))
            self.rospecs[msg.rospec_id] = True
            return cls(msg.msg_id, ok)
        if isinstance(msg, m.CloseConnection):
            return m.CloseConnectionResponse(msg.msg_id, ok)
        if isinstance(msg, m.KeepaliveAck):
            self.keepalive_acks += 1
            return None
        return m.ErrorMessage(msg.msg_id, LlrpStatus(M_UNSUPPORTED_MESSAGE, "unsupported"))

    async def _keepalives(self, send: Send, ids: Iterator[int], period: float) -> None:
        while True:
            await asyncio.sleep(period)
            await send(m.Keepalive(next(ids)))

    async def _stream(
        self, send: Send, ids: Iterator[int], writer: asyncio.StreamWriter, silent: asyncio.Event
    ) -> None:
        reads = self.traffic.reads
        first = reads[0].ts if reads else 0.0
        t_start, wall_start = time.monotonic(), time.time()
        while self.cursor < len(reads):
            part = reads[self.cursor : self.cursor + self.batch]
            if self.speed:
                lag = t_start + (part[0].ts - first) / self.speed - time.monotonic()
                if lag > 0:
                    await asyncio.sleep(lag)
            if (
                not self._faulted
                and self.silent_after_reports is not None
                and self.reports_sent >= self.silent_after_reports
            ):
                self._faulted = True
                silent.set()  # cable pulled: nothing more, not even keepalives
                return
            if (
                not self._faulted
                and self.drop_after_reports is not None
                and self.reports_sent >= self.drop_after_reports
            ):
                self._faulted = True
                writer.transport.abort()  # reboot: the socket just dies
                return
            if self.speed and self.live_clock:
                part = tuple(
                    SimRead(wall_start + (r.ts - first) / self.speed, r.epc, r.antenna, r.rssi) for r in part
                )
            await send(m.RoAccessReport(next(ids), tuple(tag_report(r) for r in part)))
            self.cursor += len(part)
            self.reports_sent += 1
            await asyncio.sleep(0)
        self.done.set()


def tag_report(r: SimRead) -> TagReport:
    us = round(r.ts * 1e6)
    return TagReport(
        epc=bytes.fromhex(r.epc),
        antenna_id=r.antenna,
        peak_rssi=max(-128, min(127, round(r.rssi))),
        first_seen_us=us,
        last_seen_us=us,
        seen_count=1,
    )
