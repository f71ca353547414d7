"""systemd's sd_notify protocol in a few lines: READY=1, STATUS=..., WATCHDOG=1, STOPPING=1.

No dependency needed: it is one datagram to $NOTIFY_SOCKET (abstract namespace when it starts
with '@'). Without NOTIFY_SOCKET every call is a no-op, so the daemon runs the same by hand.
"""

from __future__ import annotations

import os
import socket


class Notifier:
    def __init__(self, address: str | None = None) -> None:
        self.address = address if address is not None else os.environ.get("NOTIFY_SOCKET", "")
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        ok_pid = not pid or pid == str(os.getpid())
        self.watchdog_interval: float | None = (
            int(usec) / 1e6 / 2 if usec.isdigit() and int(usec) > 0 and ok_pid else None
        )
        self.sent: list[str] = []

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def notify(self, *lines: str) -> bool:
        if not self.address:
            return False
        addr = self.address
        if addr.startswith("@"):
            addr = "\0" + addr[1:]
        msg = "\n".join(lines)
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.setblocking(False)  # never stall the event loop on a full receiver queue
            try:
                s.connect(addr)
                s.sendall(msg.encode())
            except OSError:
                return False
        self.sent.append(msg)
        del self.sent[:-50]
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", f"STATUS={status}") if status else self.notify("READY=1")

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")
