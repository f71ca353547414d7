"""End to end over LLRP on loopback: simulated reader -> LLRP client driver -> lane logic."""

from __future__ import annotations

import asyncio
import time

import pytest

from edge.config import DeviceConfig
from edge.drivers.base import DriverContext
from edge.drivers.rfid.llrp_reader import LlrpRfidReader
from edge.events import DeviceState, DeviceStateChanged, Event, TagSighting
from edge.lane.correlator import CrossingCorrelator, LaneOptions
from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions
from edge.sim.llrp_reader import LlrpReaderSim
from edge.sim.rfid_traffic import Traffic, TrafficPlan, compare, make_traffic

LANE = LaneOptions(
    lane="L01",
    thresholds=LaneThresholds(antennas=(1, 2), min_rssi=-65.0, min_reads=2),
    grouping=GroupingOptions(gap_s=3.0),
)
FAST = {
    "keepalive_s": 0.2,
    "missed_keepalives": 3,
    "backoff_initial_s": 0.05,
    "response_timeout_s": 2.0,
    "max_clock_skew_s": 0,
}


async def run_reader(
    sim: LlrpReaderSim, expect: int, timeout: float = 25.0, options: dict[str, object] | None = None
) -> tuple[list[Event], DriverContext, LlrpRfidReader]:
    await sim.start()
    events: list[Event] = []
    ctx = DriverContext("rfid1", events.append)
    dev = DeviceConfig(name="rfid1", kind="rfid", driver="llrp", url=sim.url, options=options or FAST)
    driver = LlrpRfidReader(dev, ctx)
    task = asyncio.create_task(driver.run())
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(isinstance(e, TagSighting) for e in events) >= expect:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await sim.stop()
    return events, ctx, driver


def correlate(events: list[Event]) -> list[frozenset[str]]:
    clock = [0.0]
    lane = CrossingCorrelator(LANE, clock=lambda: clock[0])
    found: list[frozenset[str]] = []
    for e in events:
        if isinstance(e, TagSighting):
            clock[0] = e.ts
        ups = lane.handle(e) if isinstance(e, TagSighting) else []
        found += [frozenset(c["epc"] for c in u.snapshot["cards"]) for u in ups if u.step == "opened"]
    found += [
        frozenset(c["epc"] for c in u.snapshot["cards"])
        for u in lane.tick(clock[0] + 60)
        if u.step == "opened"
    ]
    return found


def sightings(events: list[Event]) -> list[TagSighting]:
    return [e for e in events if isinstance(e, TagSighting)]


async def test_200_vehicles_over_llrp_with_a_dead_link_in_the_middle() -> None:
    traffic: Traffic = make_traffic(TrafficPlan(vehicles=200, seed=23))
    sim = LlrpReaderSim(traffic, batch=16, silent_after_reports=len(traffic.reads) // 32)
    events, ctx, driver = await run_reader(sim, len(traffic.reads))
    assert driver.capabilities is not None
    assert driver.capabilities.firmware == "lane-sim 1.0"
    got = sightings(events)
    assert len(got) == len(traffic.reads)
    assert got[0].ts == traffic.reads[0].ts  # the reader's first-seen time, not arrival
    # the silent link was noticed (missed keepalives), dropped and re-established
    assert ctx.counters.get("reconnects") == 1
    assert sim.connections == 2
    assert ctx.counters.get("reports") == sim.reports_sent
    assert any(isinstance(e, DeviceStateChanged) and e.error_code == "llrp.dead_link" for e in events)
    found = correlate(events)
    assert compare(traffic, found) == []
    assert len(found) == 200


async def test_reader_reboot_drops_the_socket_and_the_client_comes_back() -> None:
    traffic = make_traffic(TrafficPlan(vehicles=20, seed=3))
    sim = LlrpReaderSim(traffic, batch=8, drop_after_reports=10)
    events, ctx, _ = await run_reader(sim, len(traffic.reads) - 80, timeout=10.0)
    assert ctx.counters.get("reconnects") >= 1
    assert len(sightings(events)) >= len(traffic.reads) - 80
    assert sim.connections >= 2


async def test_keepalives_are_answered() -> None:
    traffic = make_traffic(TrafficPlan(vehicles=2, seed=3))
    sim = LlrpReaderSim(traffic, speed=20.0)
    _, ctx, _ = await run_reader(
        sim, 10**9, timeout=1.0, options={**FAST, "keepalive_s": 0.1, "missed_keepalives": 5}
    )
    assert ctx.counters.get("keepalives") >= 3
    assert sim.keepalive_acks >= 3


@pytest.mark.slow
async def test_live_lane_closes_vehicles_by_its_own_clock() -> None:
    """Production mode: reads arrive in real time, the lane ticks on the wall clock."""
    plan = TrafficPlan(
        vehicles=12,
        seed=8,
        pass_s=(0.4, 0.6),
        spacing_s=(0.5, 0.7),
        read_interval_s=0.02,
        neighbour_vehicles=0.5,
    )
    traffic = make_traffic(plan)
    sim = LlrpReaderSim(traffic, batch=1, speed=1.0, live_clock=True)
    live = LaneOptions(thresholds=LANE.thresholds, grouping=GroupingOptions(gap_s=0.3))
    lane = CrossingCorrelator(live)  # wall clock
    found: list[frozenset[str]] = []

    def on_event(e: Event) -> None:
        found.extend(
            frozenset(c["epc"] for c in u.snapshot["cards"]) for u in lane.handle(e) if u.step == "opened"
        )

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.05)
            on_tick = lane.tick()
            found.extend(
                frozenset(c["epc"] for c in u.snapshot["cards"]) for u in on_tick if u.step == "opened"
            )

    await sim.start()
    ctx = DriverContext("rfid1", on_event)
    dev = DeviceConfig(name="rfid1", kind="rfid", driver="llrp", url=sim.url, options=FAST)
    tasks = [asyncio.create_task(LlrpRfidReader(dev, ctx).run()), asyncio.create_task(ticker())]
    try:
        await asyncio.wait_for(sim.done.wait(), 30)
        await asyncio.sleep(0.6)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await sim.stop()
    assert compare(traffic, found) == []


async def test_request_stop_says_goodbye_and_returns() -> None:
    traffic = make_traffic(TrafficPlan(vehicles=5, seed=2))
    sim = await LlrpReaderSim(traffic, speed=5.0).start()
    ctx = DriverContext("rfid1", lambda e: None)
    dev = DeviceConfig(name="rfid1", kind="rfid", driver="llrp", url=sim.url, options=FAST)
    driver = LlrpRfidReader(dev, ctx)
    task = asyncio.create_task(driver.run())
    try:
        for _ in range(100):
            await asyncio.sleep(0.02)
            if ctx.counters.get("sightings"):
                break
        driver.request_stop()
        await asyncio.wait_for(task, 3.0)  # returns by itself, no cancel needed
    finally:
        task.cancel()
        await sim.stop()
    assert sim.closed_politely == 1
    assert ctx.health.state == DeviceState.STOPPED
