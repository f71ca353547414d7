"""Operations figures: metrics rendering, tail masking, support bundle on a busy store, lanectl start.

The bundle figure uses a store holding 72 h of a busy lane's personal reads (30 000 documents):
the deny-list scrub must stay fast at that size.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from edge.events import LineRead
from edge.lanectl.bundle import build
from edge.metrics import render
from edge.ops.privacy import event_view
from edge.store.schema import migrate, open_db
from edge.store.writer import insert_read

DOCUMENTS = 30_000


def _status(devices: int = 8) -> dict[str, Any]:
    dev = {"kind": "line", "driver": "serial", "state": "open", "last_read": 1.7e9, "restarts": 0,
           "failures": 0, "counters": {f"c{i}": i for i in range(10)}}
    return {"lane": {"port": "P", "id": "L", "kind": "nexus", "mode": "open"}, "version": "0",
            "ready": True, "uptime_s": 1.0, "devices": {f"d{i}": dev for i in range(devices)},
            "events": {f"E{i}": i for i in range(10)}, "store": {"size_bytes": 1}, "outbox": {"backlog": 1}}


def _per_call_us(fn: Any, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def run() -> dict[str, dict[str, Any]]:
    st = _status()
    ev = LineRead(ts=1.0, device="aux", text="P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")
    out: dict[str, dict[str, Any]] = {
        "ops_metrics_render_us": {"value": round(_per_call_us(lambda: render(st), 500), 1), "unit": "us",
                                  "note": "Prometheus text of a status with 8 devices x 10 counters"},
        "ops_tail_mask_us": {"value": round(_per_call_us(lambda: event_view(ev), 20000), 2), "unit": "us",
                             "note": "masking one MRZ line event for lanectl tail"},
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "lane.sqlite"
        db = open_db(store)
        migrate(db)
        db.conn.execute("BEGIN")
        for i in range(DOCUMENTS):
            insert_read(db, ts=float(i), device="mrz", kind="document", personal=True,
                        payload={"surname": f"SURNAME{i:05d}", "given_names": f"GIVEN{i:05d} X",
                                 "document_number": f"D{i:08d}", "birth_date": "1980-01-31"})
        db.conn.execute("COMMIT")
        db.conn.close()
        logs = Path(tmp) / "daemon.log"
        logs.write_text("2026-11-25 10:00:00 INFO edge.daemon.app: something happened 42\n" * 20000)
        args = argparse.Namespace(config=str(Path(tmp) / "none.toml"), socket=None, store=str(store),
                                  out=str(Path(tmp) / "b.tar.gz"), log_lines=20000, log_file=[str(logs)],
                                  json=False)
        t0 = time.perf_counter()
        build(args)
        out["ops_support_bundle_s"] = {"value": round(time.perf_counter() - t0, 2), "unit": "s",
                                       "note": f"store with {DOCUMENTS} personal reads, 20k log lines"}
    starts = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "edge.lanectl.main", "-c", "/nonexistent", "model", "--help"],
                       capture_output=True, check=False)
        starts.append(time.perf_counter() - t0)
    out["ops_lanectl_start_ms"] = {"value": round(statistics.median(starts) * 1000), "unit": "ms",
                                   "note": "lanectl model --help, interpreter start included (median of 3)"}
    return out


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k:28} {v['value']:>10} {v['unit']:3} {v['note']}")
