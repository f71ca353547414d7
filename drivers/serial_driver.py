"""Shared life of every serial device: open, read, notice unplug, wait, reopen.

Subclasses say what bytes mean (`feed`) and what silence means (`on_idle`); this class owns the
port, the hot-plug retry with capped backoff, and the `open`/`disconnected` states. A vanished
`/dev/serial/by-id/...` link is waited for, not treated as a crash.
"""

from __future__ import annotations

import abc
import asyncio
import logging

from edge.aio import wait_for
from edge.drivers.base import Driver
from edge.drivers.serial_transport import SerialGone, SerialOpenFailed, SerialTransport
from edge.events import DeviceState

log = logging.getLogger(__name__)


class SerialDriver(Driver):
    """A driver over one serial port with hot-plug handling."""

    idle_interval: float = 0.1  # how often on_idle runs while the line is quiet
    backoff_initial: float = 0.2
    backoff_max: float = 5.0

    async def run(self) -> None:
        url = self.device.path or self.device.url
        if not url:
            raise SerialOpenFailed("device has no path", device=self.device.name)
        delay = self.backoff_initial
        was_open = False
        while not self.stopping:
            transport = SerialTransport(url, self.device.baud)
            try:
                await transport.open()
            except SerialOpenFailed as err:
                if self.ctx.health.state != DeviceState.DISCONNECTED:
                    log.warning("[%s] cannot open %s; will retry", self.device.name, url)
                self.ctx.set_state(DeviceState.DISCONNECTED, err)
                self.ctx.counters.inc("open_failures")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
                continue
            if was_open:
                self.ctx.counters.inc("reconnects")
                log.info("[%s] reconnected", self.device.name)
            was_open = True
            delay = self.backoff_initial
            self.ctx.set_state(DeviceState.OPEN)
            try:
                await self._pump(transport)
            except SerialGone as err:
                log.warning("[%s] port lost; waiting for it to come back", self.device.name)
                self.ctx.set_state(DeviceState.DISCONNECTED, err)
                self.ctx.counters.inc("disconnects")
                self.on_disconnect(self.ctx.clock())
            finally:
                await transport.close()

    async def _pump(self, transport: SerialTransport) -> None:
        self.transport = transport
        while True:
            try:
                chunk = await wait_for(transport.read(), self.idle_interval)
            except TimeoutError:
                self.on_idle(self.ctx.clock())
                if self.stopping:
                    return  # the line is quiet and we were asked to stop: drained
                continue
            self.ctx.counters.inc("bytes", len(chunk))
            self.feed(chunk, self.ctx.clock())

    @abc.abstractmethod
    def feed(self, chunk: bytes, now: float) -> None:
        """Handle bytes that just arrived (`now` = time of the last byte)."""

    def on_idle(self, now: float) -> None:
        """Called when nothing arrived for `idle_interval` (time-outs of partial reads)."""

    def on_disconnect(self, now: float) -> None:
        """The port vanished: flush or report whatever partial read is buffered."""
