"""Headquarters for a run: a local MQTT broker and the simulated headquarters, when present.

Guarded: `hq_missing()` says why there is none (the report prints "not simulated:
headquarters (...)"). The broker is a real mosquitto on a free loopback port (the sync layer's
`brokers` helper); headquarters runs in its own event loop thread and keeps a ledger per lane
(received, unique, duplicates, missing, latency). `broker_outage` faults stop and restart the
broker on the same port.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import shutil
import threading
import time
from pathlib import Path
from typing import Any

NEEDS = ("edge.sim.headquarters", "edge.sync.brokers", "edge.sync.component")


def hq_missing() -> str | None:
    for mod in NEEDS:
        if importlib.util.find_spec(mod) is None:
            return "module missing"
    if shutil.which("mosquitto") is None and not Path("/usr/sbin/mosquitto").exists():
        return "mosquitto not installed (apt-get install mosquitto)"
    return None


def mqtt_section(port: int, trusted_keys: dict[str, str] | None = None) -> str:
    """The daemon's `[mqtt]` table; `trusted_keys`: headquarters' signing keys (id -> hex)."""
    keys = "".join(f'"{k}" = "{v}"\n' for k, v in (trusted_keys or {}).items())
    return (f'[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\nprotocol = "5"\n'
            + (f"\n[mqtt.trusted_keys]\n{keys}" if keys else ""))


class HqRig:
    """Broker + headquarters; `report()` is headquarters' view of every lane."""

    def __init__(self, workdir: Path) -> None:
        import logging

        logging.getLogger("edge.sync").setLevel(logging.ERROR)  # outages are the point here
        brokers = importlib.import_module("edge.sync.brokers")
        self.broker = brokers.mosquitto(workdir / "broker")
        self.broker.start()
        self.port: int = self.broker.port
        self.closed = False
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hq", daemon=True)
        self._thread.start()
        hq_mod = importlib.import_module("edge.sim.headquarters")
        self.hq = hq_mod.Headquarters("127.0.0.1", self.port)
        self._call(self.hq.start(), 15.0)

    def _call(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, coro: Any, timeout: float) -> Any:
        """Run a coroutine on headquarters' loop (e.g. `rig.hq.send_downlink(...)`) and wait."""
        return self._call(coro, timeout)

    def outage(self, stop: bool) -> None:
        if stop:
            self.broker.stop()
        else:
            self.broker.start()

    def wait_caught_up(self, lanes: dict[str, int], timeout: float) -> bool:
        """Until headquarters' high-water mark reaches each lane's last outbox seq."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rep = self.report()
            if all(rep.get(key, {}).get("hw", 0) >= seq for key, seq in lanes.items()):
                return True
            time.sleep(0.2)
        return False

    def report(self) -> dict[str, Any]:
        async def snapshot() -> dict[str, Any]:
            out: dict[str, Any] = self.hq.report()
            return out

        result: dict[str, Any] = self._call(snapshot(), 5.0)
        return result

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._call(self.hq.stop(), 10.0)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.broker.stop()
