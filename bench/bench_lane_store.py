"""Latency from a device's last byte to its row in the store, through the whole daemon.

The real daemon (subprocess) reads a simulated MRZ scanner at 9600-baud pacing; the bench
notes the wall time of each read's last byte and polls the store (read-only, every 0.5 ms)
until the document's row is there. The figure includes the poll granularity (<= 0.5 ms).
"""

from __future__ import annotations

import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edge.control import ControlError, request
from edge.sim.mrz_scanner import SimulatedScanner

DOCUMENTS = 60


def _count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM reads WHERE kind = 'document'").fetchone()[0])


def run() -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        scanner = SimulatedScanner("crlf", baud=9600, seed=3)
        cfg = work / "lane.toml"
        cfg.write_text(
            f'[lane]\nport = "B"\nid = "L1"\nkind = "passenger"\n[store]\npath = "{work / "s.sqlite"}"\n'
            f'[[devices]]\nname = "mrz"\nkind = "mrz_scanner"\ndriver = "serial"\npath = "{scanner.path}"\n'
            'baud = 9600\nframing = "crlf"\n')
        proc = subprocess.Popen([sys.executable, "-m", "edge.daemon.cli", "run", "--config", str(cfg)],
                                stderr=subprocess.DEVNULL)
        sock = work / "s.sock"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                st = request(sock, "status", timeout=1)
                if st["devices"]["mrz"]["state"] == "open":
                    break
            except ControlError:
                pass
            time.sleep(0.05)
        conn = sqlite3.connect(f"file:{work / 's.sqlite'}?mode=ro", uri=True)
        lat: list[float] = []
        for _ in range(DOCUMENTS):
            before = _count(conn)
            _lines, last_byte = scanner.scan()
            while _count(conn) == before:
                time.sleep(0.0005)
            lat.append((time.time() - last_byte) * 1000)
        conn.close()
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        scanner.unplug()
    q = statistics.quantiles(lat, n=100)
    note = f"{DOCUMENTS} TD1/TD2/TD3 scans at 9600 baud, daemon subprocess, store polled every 0.5 ms"
    return {
        "mrz.last_byte_to_store_p50": {"value": round(q[49], 2), "unit": "ms", "note": note},
        "mrz.last_byte_to_store_p99": {"value": round(q[98], 2), "unit": "ms", "note": note},
    }
