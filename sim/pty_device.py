"""A simulated serial device: a pseudo-terminal whose far end the daemon opens like hardware.

The simulator writes to the master side at a baud-rate pace; the daemon opens the slave path
with pyserial. `unplug()` closes the master (the daemon sees the port fail) and `replug()` makes
a new pty and re-points a stable symlink, as udev does with /dev/serial/by-id/... links.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import tty
from pathlib import Path


class PtyDevice:
    def __init__(self, link: str | Path | None = None, baud: int = 9600) -> None:
        self.baud = baud
        self.link = Path(link) if link else None
        self._lock = threading.Lock()
        self.master = -1
        self.slave = -1
        self.bytes_written = 0
        self._open()

    def _open(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.slave_path = os.ttyname(self.slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_path)
            tmp.replace(self.link)

    @property
    def path(self) -> str:
        """What the daemon's config should name: the stable link if any, else the pty."""
        return str(self.link) if self.link else self.slave_path

    def write(self, data: bytes, *, paced: bool = True) -> None:
        """Write bytes; paced=True sleeps like a real line at `baud` (10 bits per byte)."""
        with self._lock:
            if self.master < 0:
                raise OSError("device unplugged")
            if not paced or self.baud <= 0:
                self._write_all(data)
            else:
                per_byte = 10.0 / self.baud
                start = time.monotonic()
                chunk = max(1, self.baud // 1000)  # ~10 ms of bytes per write
                for i in range(0, len(data), chunk):
                    self._write_all(data[i : i + chunk])
                    lag = start + (i + chunk) * per_byte - time.monotonic()
                    if lag > 0:
                        time.sleep(lag)
        self.bytes_written += len(data)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def drain_input(self) -> bytes:
        """Whatever the daemon wrote to the device (for output devices such as signs)."""
        os.set_blocking(self.master, False)
        try:
            return os.read(self.master, 65536)
        except BlockingIOError:
            return b""
        finally:
            os.set_blocking(self.master, True)

    def unplug(self) -> None:
        with self._lock:
            for fd in (self.master, self.slave):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self.master = self.slave = -1
            if self.link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()

    def replug(self) -> None:
        with self._lock:
            if self.master < 0:
                self._open()

    def close(self) -> None:
        self.unplug()
