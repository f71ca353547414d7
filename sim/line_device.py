"""A simulated generic line device: one numbered line per read, at a steady rate."""

from __future__ import annotations

import threading

from edge.sim.pty_device import PtyDevice


class LineDevice:
    def __init__(self, pty: PtyDevice, rate_hz: float = 2.0, prefix: str = "READ") -> None:
        self.pty = pty
        self.rate_hz = rate_hz
        self.prefix = prefix
        self.sent = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def line(self, n: int) -> bytes:
        return f"{self.prefix} {n:06d}\r\n".encode()

    def send(self, count: int = 1) -> None:
        for _ in range(count):
            self.pty.write(self.line(self.sent + 1))
            self.sent += 1

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sim-line", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0 / self.rate_hz):
            try:
                self.send()
            except OSError:
                continue  # unplugged: keep the schedule, send nothing

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
