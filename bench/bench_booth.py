"""Booth API: request latency of the page's state call, crossing-to-live-feed latency, and a
decision's round trip through the store (decision row, audit entry, outbox message)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from edge.booth.server import BoothServer
from edge.booth.sink import StoreDecisionSink
from edge.booth.state import BoothState
from edge.store import Store

N = 200


def _snap(i: int) -> dict[str, Any]:
    now = time.time()
    return {"id": f"B{i}", "state": "at_booth", "opened_ts": now, "state_since": now,
            "plates": [{"text": f"ABC {i:03d}", "confidence": 0.9}],
            "cards": [{"epc": f"E2801160{i:016X}", "count": 9, "status": "active"}],
            "recommendation": {"action": "refer", "score": 0.7,
                               "reasons": [{"code": "risk_score_high", "en": "x", "fr": "y"}],
                               "versions": {"model": "risk/3"}}}


async def _get(port: int, path: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data


async def _post(port: int, path: str, body: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    return data


async def _run(tmp: Path) -> dict[str, dict[str, Any]]:
    store = Store(tmp / "lane.sqlite")
    store.open()
    state = BoothState({"id": "L01", "mode": "open"})
    server = BoothServer(state=state, sink=StoreDecisionSink(store, "L01"), heartbeat_s=30)
    await server.serve("127.0.0.1", 0)
    port = server.port or 0
    try:
        for i in range(20):
            state.on_crossing(_snap(i))
        lat = []
        for _ in range(N):
            t0 = time.perf_counter()
            await _get(port, "/api/v1/state")
            lat.append((time.perf_counter() - t0) * 1000)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await reader.readuntil(b"event: snapshot")
        await reader.readuntil(b"\n\n")
        feed = []
        for i in range(100, 100 + N):
            t0 = time.perf_counter()
            state.on_crossing(_snap(i))
            await reader.readuntil(b"\n\n")
            feed.append((time.perf_counter() - t0) * 1000)
        writer.close()
        dec = []
        for i in range(100, 100 + 50):
            t0 = time.perf_counter()
            out = await _post(port, f"/api/v1/crossings/B{i}/decision", b'{"action":"refer"}')
            assert b" 200 " in out.split(b"\r\n")[0]
            dec.append((time.perf_counter() - t0) * 1000)
    finally:
        await server.stop()
        store.close()

    def p95(xs: list[float]) -> float:
        return statistics.quantiles(xs, n=20)[18]

    return {
        "booth_state_request_p50_ms": {"value": round(statistics.median(lat), 3), "unit": "ms",
                                       "note": f"GET /api/v1/state, 20 crossings held, {N} requests"},
        "booth_state_request_p95_ms": {"value": round(p95(lat), 3), "unit": "ms", "note": "same"},
        "booth_feed_latency_p95_ms": {"value": round(p95(feed), 3), "unit": "ms",
                                      "note": "on_crossing -> SSE message read by a client"},
        "booth_decision_p50_ms": {"value": round(statistics.median(dec), 3), "unit": "ms",
                                  "note": "POST decision: decisions+audit+outbox in one transaction"},
        "booth_decision_p95_ms": {"value": round(p95(dec), 3), "unit": "ms", "note": "same"},
    }


def run() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_run(Path(tmp)))


if __name__ == "__main__":
    for k, v in run().items():
        print(f"{k}: {v['value']} {v['unit']}  ({v['note']})")
