"""Simulated serial RFID reader: a pty that prints one tag report per line, like the real ones.

Built from the driver's own line profiles (`format_line`), fed by a `Traffic` schedule. It can
replay as fast as the line takes it (tests: reader timestamps carry the time) or paced against
the clock (`speed` x real time), inject garbage lines, and restart (unplug/replug) mid-stream.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

from edge.drivers.rfid.line_profiles import SerialReaderOptions, TagLine, format_line
from edge.sim.pty_device import PtyDevice
from edge.sim.rfid_traffic import SimRead, Traffic

GARBAGE = (b"#HB\r\n", b"\x00\xff\xfe\r\n", b"E200,,\r\n", b"ANT?\r\n")


class SerialRfidReaderSim:
    """Writes `traffic.reads` to `pty` in the given profile (csv by default)."""

    def __init__(
        self,
        pty: PtyDevice,
        traffic: Traffic,
        options: SerialReaderOptions | None = None,
        *,
        with_timestamps: bool = True,
        garbage_every: int = 0,
        restart_after: int | None = None,
        restart_pause_s: float = 0.3,
        seed: int = 0,
        live_clock: bool = False,
    ) -> None:
        self.pty = pty
        self.traffic = traffic
        self.options = options or SerialReaderOptions()
        self.with_timestamps = with_timestamps
        self.garbage_every = garbage_every
        self.restart_after = restart_after
        self.restart_pause_s = restart_pause_s
        self.live_clock = live_clock  # paced runs: print wall-clock timestamps, not the plan's
        self._shift = 0.0
        self._rng = random.Random(seed)  # noqa: S311 - simulation, not security
        self.sent = 0
        self.garbage_sent = 0
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def line(self, r: SimRead) -> bytes:
        ts = r.ts + self._shift if self.with_timestamps else None
        tag = TagLine(r.epc, r.antenna, r.rssi, ts)
        return (format_line(tag, self.options) + "\r\n").encode("ascii")

    def chunks(self, batch: int = 64) -> Iterator[tuple[float, bytes, int]]:
        """(reader time of the first read, bytes, number of reads) in batches."""
        reads = self.traffic.reads
        for i in range(0, len(reads), batch):
            part = reads[i : i + batch]
            data = bytearray()
            for j, r in enumerate(part):
                data += self.line(r)
                if self.garbage_every and (i + j + 1) % self.garbage_every == 0:
                    data += self._rng.choice(GARBAGE)
                    self.garbage_sent += 1
            yield part[0].ts, bytes(data), len(part)

    def run(self, speed: float | None = None) -> None:
        """Send everything; `speed` None = as fast as the pty drains, else x real time."""
        t_start = time.monotonic()
        first = self.traffic.reads[0].ts if self.traffic.reads else 0.0
        restarted = False
        if speed and self.live_clock:
            self._shift = time.time() - first  # with speed 1 the plan then runs on our clock
        for ts, data, n in self.chunks(batch=1 if speed else 64):
            if self._stop.is_set():
                break
            if speed:
                lag = t_start + (ts - first) / speed - time.monotonic()
                if lag > 0:
                    time.sleep(lag)
            if self.restart_after is not None and not restarted and self.sent >= self.restart_after:
                restarted = True
                self.pty.unplug()
                time.sleep(self.restart_pause_s)
                self.pty.replug()
                time.sleep(self.restart_pause_s)  # the driver re-opens the port
            self.pty.write(data, paced=False)
            self.sent += n
        self.done.set()

    def start(self, speed: float | None = None) -> None:
        self._thread = threading.Thread(target=self.run, args=(speed,), name="sim-rfid", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
