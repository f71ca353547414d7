"""Crossings reach the booth through the bus as the lane's `CrossingUpdated` events (skipped until
the lane layer is installed)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.booth.conftest import Booth, http, recommendation, snapshot


async def test_crossing_updated_events_feed_the_booth(booth: Booth) -> None:
    crossing = pytest.importorskip("edge.lane.crossing", reason="edge.lane is not merged yet")
    snap = snapshot("L01-000077", "approaching", rec=None)
    booth.app.bus.publish(crossing.CrossingUpdated(
        ts=time.time(), crossing_id="L01-000077", lane="L01",
        state=crossing.CrossingState.APPROACHING, step="opened", snapshot=snap))
    snap2 = {**snap, "state": "at_booth", "recommendation": recommendation(crossing_id="L01-000077")}
    booth.app.bus.publish(crossing.CrossingUpdated(
        ts=time.time(), crossing_id="L01-000077", lane="L01",
        state=crossing.CrossingState.AT_BOOTH, step="recommendation", snapshot=snap2))
    await asyncio.sleep(0.05)
    cur = (await http(booth.port, "GET", "/api/v1/crossings/current")).json()["current"]
    assert cur["id"] == "L01-000077"
    assert cur["recommendation"]["suggested"] == "refer"


async def test_decision_goes_through_the_lane_service_whatever_the_order(tmp_path) -> None:
    """Booth listed before the lane: decisions still move the lane's crossing and use its
    records (outbox kind `decision`), not the store-only fallback."""
    from edge.booth.server import BoothServer
    from edge.config import load_config
    from edge.daemon.app import App, AppOptions
    from edge.daemon.lane_service import LaneService
    from edge.events import TagSighting
    from tests.booth.test_api import rows
    from tests.conftest import lane_config

    cfg = load_config(lane_config(tmp_path, extra="[thresholds]\nvehicle_gap_s = 0.3\n"))
    booth = BoothServer(port=0)
    app = App(cfg, AppOptions(components=[booth, LaneService()]))
    await app.start()
    try:
        now = time.time()
        for i in range(6):
            app.bus.publish(TagSighting(ts=now + i * 0.05, device="rfid1",
                                        epc="E2801160AB12CD34EF567890", antenna=1, rssi=-45.0))
        assert booth.state is not None
        for _ in range(100):
            if booth.state.current() is not None:
                break
            await asyncio.sleep(0.05)
        current = booth.state.current()
        assert current is not None, "the lane opened no crossing"
        r = await http(booth.port or 0, "POST", f"/api/v1/crossings/{current['id']}/decision",
                       {"action": "refer"})
        assert r.status == 200, r.body
        await asyncio.sleep(0.1)
    finally:
        await app.stop()
    db = tmp_path / "lane.sqlite"
    assert rows(db, "SELECT kind FROM outbox WHERE kind IN ('decision', 'officer_decision')"
                ) == [("decision",)]
    assert rows(db, "SELECT action, actor FROM decisions WHERE kind = 'officer'") == [("refer", "local")]
