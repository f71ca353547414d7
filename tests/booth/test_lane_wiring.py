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
