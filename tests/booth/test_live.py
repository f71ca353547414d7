"""The live feed: retry first, a snapshot, then each change; heartbeats; clean stop."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from edge.events import DeviceState, DeviceStateChanged
from tests.booth.conftest import recommendation, snapshot, start_booth


class SseClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> tuple[SseClient, str]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        return cls(reader, writer), head.decode()

    async def next(self, timeout: float = 5.0) -> tuple[str, Any]:
        """The next message: ('retry', ms) or (event kind, data)."""
        block = await asyncio.wait_for(self.reader.readuntil(b"\n\n"), timeout)
        fields: dict[str, str] = {}
        for line in block.decode().strip().split("\n"):
            k, _, v = line.partition(": ")
            fields[k] = v
        if "retry" in fields:
            return "retry", int(fields["retry"])
        return fields["event"], json.loads(fields["data"])

    async def until(self, kind: str, timeout: float = 5.0) -> Any:
        while True:
            got, data = await self.next(timeout)
            if got == kind:
                return data

    def close(self) -> None:
        self.writer.close()


async def test_feed_sends_snapshot_then_changes(tmp_path: Path) -> None:
    b = await start_booth(tmp_path, heartbeat_s=0.2)
    st = b.server.state
    assert st is not None
    try:
        client, head = await SseClient.open(b.port)
        assert head.startswith("HTTP/1.1 200")
        assert "text/event-stream" in head
        assert await client.next() == ("retry", 1000)
        kind, snap = await client.next()
        assert kind == "snapshot" and snap["current"] is None
        assert snap["lights"]["mrz"]["state"] == "ok"
        st.on_crossing(snapshot("C1", "approaching", rec=None))
        new = await client.until("crossing.new")
        assert new["crossing"]["plate"]["text"] == "ABC 123"
        snap1 = snapshot("C1", "approaching", rec=recommendation(crossing_id="C1"))
        st.on_crossing(snap1, "recommendation")
        rec = await client.until("crossing.recommendation")
        assert rec["crossing"]["recommendation"]["suggested"] == "refer"
        b.app.bus.publish(DeviceStateChanged(ts=1.0, device="rfid1", state=DeviceState.FAILED,
                                             error_code="device.failed"))
        dev = await client.until("device")
        assert dev["lights"]["rfid"]["state"] == "down"
        b.sync.link.state = "backoff"  # the broker went away
        sync = await client.until("sync")
        assert sync["lights"]["sync"]["state"] == "down"
        b.app.mode = "closed"
        lane = await client.until("lane")
        assert lane["lane"]["mode"] == "closed"
        hb = await client.until("heartbeat", timeout=2)
        assert hb["now"] > 0
        assert b.server.status()["live_clients"] == 1
        feed = b.server.feed
    finally:
        await asyncio.wait_for(b.app.stop(), 5)  # a connected page must not hold the stop
    assert feed is not None and not feed.clients
    assert feed.publish not in st.listeners


async def test_slow_client_is_dropped_not_stale(tmp_path: Path) -> None:
    from edge.booth import live

    b = await start_booth(tmp_path)
    st = b.server.state
    assert st is not None and b.server.feed is not None
    try:
        client, _ = await SseClient.open(b.port)
        await client.until("snapshot")
        q = next(iter(b.server.feed.clients))
        for i in range(live.QUEUE_MAX + 5):  # no await: the client cannot drain in between
            st.on_crossing(snapshot(f"C{i}", "approaching"))
        assert q not in b.server.feed.clients
        assert b.server.feed.counters.get("slow_clients_dropped") == 1
        client.close()
    finally:
        await b.app.stop()


async def test_lane_mode_change_event_reaches_the_page(tmp_path: Path) -> None:
    events = pytest.importorskip("edge.ops.events", reason="edge.ops is not merged yet")
    b = await start_booth(tmp_path, watch_s=10.0)
    try:
        client, _ = await SseClient.open(b.port)
        await client.until("snapshot")
        b.app.mode = "closed"
        b.app.bus.publish(events.LaneModeChanged(ts=1.0, mode="closed", kind="passenger"))
        lane = await client.until("lane", timeout=2)
        assert lane["lane"]["mode"] == "closed" and lane["lane"]["kind"] == "passenger"
        client.close()
    finally:
        await b.app.stop()
