"""A simulated lane-use sign on a pty: answers the sign protocol and remembers what it shows.

Built from the driver's own protocol module. `silent = True` makes it stop answering (a sign
whose controller hung), to test that the lane reports it and never waits for it.
"""

from __future__ import annotations

import os
import re
import select
import threading

from edge.sim.pty_device import PtyDevice

_CMD = re.compile(rb"^@(\d{1,4}) (MODE|SHOW|PING)(?: (.*))?$")


class SimulatedSign:
    def __init__(self, pty: PtyDevice | None = None) -> None:
        self.pty = pty or PtyDevice(baud=0)
        self.mode = ""
        self.vehicle = ""
        self.silent = False
        self.commands: list[str] = []
        self._buf = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-sign", daemon=True)

    def start(self) -> SimulatedSign:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            fd = self.pty.master
            if fd < 0:
                self._stop.wait(0.05)
                continue
            try:
                ready, _, _ = select.select([fd], [], [], 0.05)
                if not ready:
                    continue
                self._buf += os.read(fd, 1024)
            except OSError:
                self._stop.wait(0.05)
                continue
            while b"\r\n" in self._buf:
                line, self._buf = self._buf.split(b"\r\n", 1)
                self._handle(line)

    def _handle(self, line: bytes) -> None:
        m = _CMD.match(line)
        if m is None:
            return
        seq, verb, text = m.group(1).decode(), m.group(2).decode(), (m.group(3) or b"").decode()
        self.commands.append(f"{verb} {text}".strip())
        if verb == "MODE":
            self.mode = text
        elif verb == "SHOW":
            self.vehicle = text
        if not self.silent:
            self.pty.write(f"#{seq} OK\r\n".encode(), paced=False)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.pty.close()
