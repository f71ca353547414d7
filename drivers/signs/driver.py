"""Lane-use sign / signal head over serial: shows the lane mode and each vehicle's direction.

It is an output device: it receives `SignCommand` events through its context inbox, sends the
newest one, and waits for the sign's acknowledgement. A sign that stops answering is reported
(`disconnected`, error `sign.not_answering`) and retried; a decision never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import ClassVar

from edge.config import DeviceConfig, doc, parse_options
from edge.drivers.base import DriverContext
from edge.drivers.line_serial import LineSplitter
from edge.drivers.serial_driver import SerialDriver
from edge.drivers.signs.protocol import SignProtocolError, decode_reply, encode_command
from edge.errors import DeviceError
from edge.events import BadRead, DeviceState, Event, SignCommand


class SignNotAnswering(DeviceError):
    code = "sign.not_answering"


@dataclass(frozen=True, slots=True)
class SignOptions:
    """`options` table of a `sign`/`serial` device."""

    ack_timeout_s: float = doc("Seconds to wait for a command's acknowledgement", 1.0)
    misses_before_down: int = doc("Unacknowledged commands before the sign counts as down", 2)
    ping_every_s: float = doc("Ask an idle sign whether it is there this often", 10.0)


class SignDriver(SerialDriver):
    """kind = "sign", driver = "serial"."""

    accepts: ClassVar[tuple[type[Event], ...]] = (SignCommand,)

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        super().__init__(device, ctx)
        self.options = parse_options(SignOptions, device.options, f"devices.{device.name}.options")
        self.splitter = LineSplitter(b"\r\n", 64)
        self._seq = 0
        self._pending: dict[int, tuple[float, bytes]] = {}
        self._wanted: dict[str, SignCommand] = {}  # target -> newest command
        self._sent: dict[str, SignCommand] = {}
        self._misses = 0
        self._last_ping = 0.0
        self._writes: set[asyncio.Task[None]] = set()

    def feed(self, chunk: bytes, now: float) -> None:
        for line in self.splitter.feed(chunk):
            try:
                reply = decode_reply(line)
            except SignProtocolError as err:
                self.ctx.counters.inc("bad_frames")
                self.ctx.emit(BadRead(ts=now, device=self.device.name, code=err.code, size=len(line)))
                continue
            if self._pending.pop(reply.seq, None) is None:
                self.ctx.counters.inc("stray_replies")
                continue
            self.ctx.counters.inc("acks" if reply.ok else "nacks")
            if self._misses or self.ctx.health.state != DeviceState.OPEN:
                self.ctx.set_state(DeviceState.OPEN)
            self._misses = 0
        self._service(now)

    def on_idle(self, now: float) -> None:
        self._service(now)

    def _service(self, now: float) -> None:
        inbox = self.ctx.inbox
        while not inbox.empty():
            cmd = inbox.get_nowait()
            if isinstance(cmd, SignCommand):
                self._wanted[cmd.target] = cmd
        for seq, (sent, _data) in list(self._pending.items()):
            if now - sent > self.options.ack_timeout_s:
                del self._pending[seq]
                self._misses += 1
                self.ctx.counters.inc("timeouts")
                self._sent.clear()  # resend everything once it answers again
                if self._misses == self.options.misses_before_down:
                    self.ctx.set_state(DeviceState.DISCONNECTED,
                                       SignNotAnswering("the sign does not acknowledge"))
        for target, cmd in self._wanted.items():
            if self._sent.get(target) != cmd and not self._pending:
                verb = "MODE" if target == "mode" else "SHOW"
                self._send(verb, cmd.text, now)
                self._sent[target] = cmd
        if not self._pending and now - self._last_ping > self.options.ping_every_s:
            self._send("PING", "", now)

    def _send(self, verb: str, text: str, now: float) -> None:
        self._seq = (self._seq + 1) % 10000
        data = encode_command(self._seq, verb, text)
        self._pending[self._seq] = (now, data)
        self._last_ping = now
        self.ctx.counters.inc("commands")
        task = asyncio.ensure_future(self._write(data))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write(self, data: bytes) -> None:
        with contextlib.suppress(DeviceError):  # the read side notices an unplugged port
            await self.transport.write(data)
