"""The watchdog pings come from the event loop: a stuck loop stops them (systemd then restarts)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from edge.control import request
from tests.conftest import lane_config
from tests.ops.conftest import hook_env


def test_watchdog_pings_stop_while_the_loop_is_blocked(tmp_path: Path, daemon_factory) -> None:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.05)
    got: list[tuple[float, str]] = []
    stop = threading.Event()

    def listen() -> None:
        while not stop.is_set():
            try:
                got.append((time.monotonic(), sock.recv(4096).decode()))
            except TimeoutError:
                continue

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    try:
        env = {**hook_env(), "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "200000",
               "LANE_EDGE_TEST_BLOCK": "1"}
        d = daemon_factory(lane_config(tmp_path), env)
        d.wait_ready()
        time.sleep(0.6)
        pings = [ts for ts, msg in got if "WATCHDOG=1" in msg]
        assert any("READY=1" in msg for _, msg in got) and len(pings) >= 3
        t0 = time.monotonic()
        request(d.socket, "test.block", timeout=5.0, seconds=1.5)  # the loop sleeps 1.5 s
        t1 = time.monotonic()
        time.sleep(0.5)
        during = [ts for ts, msg in got if "WATCHDOG=1" in msg and t0 + 0.15 < ts < t1 - 0.15]
        after = [ts for ts, msg in got if "WATCHDOG=1" in msg and ts > t1]
        assert during == [], "pings went on while the loop was stuck"
        assert len(after) >= 2, "pings did not resume"
        assert d.terminate()[0] == 0
    finally:
        stop.set()
        t.join(2)
        sock.close()
