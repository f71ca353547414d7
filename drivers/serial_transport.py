"""Async adapter over pyserial: one reader thread per port, bytes handed to the event loop.

pyserial is blocking; it stays here, at the edge. `serial_for_url` accepts device paths
(/dev/ttyUSB0, /dev/pts/N, /dev/serial/by-id/...), `socket://host:port` and `loop://`, so
tests and the simulator use the very code path that production uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from types import TracebackType

import serial

from edge.errors import DeviceError

log = logging.getLogger(__name__)

_EOF = b""


class SerialGone(DeviceError):
    """The port disappeared (unplugged, pty closed) or failed while reading."""

    code = "device.disconnected"


class SerialOpenFailed(DeviceError):
    code = "device.open_failed"


class SerialTransport:
    """An open serial port. `await read()` returns the next chunk; raises SerialGone at the end."""

    def __init__(self, url: str, baud: int = 9600, *, read_timeout: float = 0.2,
                 max_queue: int = 1024) -> None:
        self.url = url
        self.baud = baud
        self._read_timeout = read_timeout
        # Unbounded queue, bounded by `_slots`: the reader thread takes a slot before it hands a
        # chunk to the loop and read() gives it back, so a slow loop makes the thread wait (the
        # OS buffers the rest) instead of a full queue dropping bytes inside a loop callback.
        self._queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        self._slots = threading.BoundedSemaphore(max_queue)
        self._port: serial.SerialBase | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> SerialTransport:
        self._loop = asyncio.get_running_loop()
        try:
            self._port = await asyncio.to_thread(
                serial.serial_for_url, self.url, baudrate=self.baud, timeout=self._read_timeout,
                exclusive=None,
            )
        except (serial.SerialException, OSError, ValueError) as err:
            raise SerialOpenFailed(f"cannot open {self.url}: {err}", url=self.url) from err
        self._thread = threading.Thread(target=self._reader, name=f"serial:{self.url}", daemon=True)
        self._thread.start()
        return self

    def _reader(self) -> None:
        assert self._port is not None and self._loop is not None
        port, loop = self._port, self._loop
        while not self._stop.is_set():
            try:
                waiting = port.in_waiting if hasattr(port, "in_waiting") else 0
                chunk = port.read(max(1, min(waiting, 4096)))
            except (serial.SerialException, OSError, TypeError, AttributeError) as err:
                if not self._stop.is_set():
                    self._send(loop, SerialGone(f"{self.url}: {err}", url=self.url))
                return
            if chunk:
                self._send(loop, chunk)

    def _send(self, loop: asyncio.AbstractEventLoop, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            if self._slots.acquire(timeout=0.05):
                with contextlib.suppress(RuntimeError):  # loop closed during shutdown
                    loop.call_soon_threadsafe(self._queue.put_nowait, item)
                return

    async def read(self) -> bytes:
        item = await self._queue.get()
        self._slots.release()
        if isinstance(item, BaseException):
            raise item
        return item

    async def write(self, data: bytes) -> None:
        if self._port is None:
            raise SerialGone("port not open", url=self.url)
        try:
            await asyncio.to_thread(self._port.write, data)
        except (serial.SerialException, OSError) as err:
            raise SerialGone(f"{self.url}: {err}", url=self.url) from err

    async def close(self) -> None:
        self._stop.set()
        port, self._port = self._port, None
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 1.0)
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    async def __aenter__(self) -> SerialTransport:
        return await self.open()

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
