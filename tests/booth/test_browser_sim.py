"""Acceptance in a real browser with the simulator driving a vehicle through the real lane:
simulated RFID reader (pty) -> driver -> correlator -> decision engine -> booth page; clicking
"refer" goes through the lane service to the store, audit log and outbox; unplugging the reader
turns the RFID light red."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path

import pytest

from edge.booth.server import BoothServer
from edge.config import load_config
from edge.daemon.app import App, AppOptions
from tests.booth.test_browser import ARGS, CHROMIUM, _playwright, until
from tests.conftest import lane_config, serial_device

pytestmark = pytest.mark.browser

SPECIMEN = (  # ICAO 9303 part 4 specimen passport (Utopia), expired in 2012
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


async def test_simulated_vehicle_on_the_page_refer_and_unplug(tmp_path: Path) -> None:
    async_playwright = _playwright()
    from edge.daemon.lane_service import LaneService
    from edge.sim.mrz_scanner import SimulatedScanner
    from edge.sim.pty_device import PtyDevice
    from edge.sim.rfid_reader import SerialRfidReaderSim
    from edge.sim.rfid_traffic import TrafficPlan, make_traffic

    traffic = make_traffic(TrafficPlan(vehicles=1, occupants=(2, 2), seed=11, spacing_s=(0.2, 0.3),
                                       pass_s=(0.6, 0.8), read_interval_s=0.05,
                                       neighbour_vehicles=0.0))
    pty = PtyDevice(baud=0)
    sim = SerialRfidReaderSim(pty, traffic, live_clock=True)
    scanner = SimulatedScanner("crlf", baud=115200, seed=3)
    reader = serial_device("rfid1", pty.path, kind="rfid", options='profile = "csv"')
    reader += serial_device("mrz1", scanner.path, kind="mrz_scanner", framing="crlf")
    cfg = load_config(lane_config(tmp_path, reader,
                                  extra="[thresholds]\nvehicle_gap_s = 0.6\nlane_antennas = [1, 2]\n"))
    booth = BoothServer(port=0, heartbeat_s=1.0, watch_s=0.2)
    app = App(cfg, AppOptions(components=[LaneService(), booth]))
    await app.start()
    assert booth.state is not None
    first_seen: list[float] = []
    booth.state.listeners.append(
        lambda kind, _d: first_seen.append(time.monotonic()) if kind == "crossing.new" else None)
    db = tmp_path / "lane.sqlite"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                pg = await browser.new_page(viewport={"width": 1280, "height": 800})
                await pg.goto(f"http://127.0.0.1:{booth.port}/")
                await pg.wait_for_selector("[data-testid=light-rfid].ok", timeout=10000)
                sim.start(speed=1.0)
                deadline = time.monotonic() + 15
                while not first_seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                assert first_seen, "the lane opened no crossing"
                cards = len(next(iter(traffic.truth.values())))
                await until(pg, "document.querySelectorAll('[data-testid=occupants] li[data-kind=card]')"
                                ".length >= 1", timeout=5.0)
                shown_after = time.monotonic() - first_seen[0]
                print(f"booth: page showed the crossing {shown_after * 1000:.0f} ms after it opened")
                assert shown_after < 1.0, f"page showed the crossing {shown_after:.2f} s after it opened"
                await until(pg, "document.querySelectorAll('[data-testid=occupants] li[data-kind=card]')"
                                f".length === {cards}", timeout=5.0)
                await pg.wait_for_selector("[data-testid=light-mrz].ok", timeout=5000)
                await asyncio.to_thread(scanner.scan, SPECIMEN)  # the officer scans a passport
                await until(pg, "document.querySelector('[data-testid=occupants]').textContent"
                                ".includes('ERIKSSON, ANNA MARIA')", timeout=5.0)
                occupants = await pg.inner_text("[data-testid=occupants]")
                assert "L898902C3" in occupants and "EXPIRED" in occupants  # the specimen expired
                shot = os.environ.get("BOOTH_SIM_SCREENSHOT")
                if shot:
                    await pg.screenshot(path=shot)
                await pg.wait_for_selector("[data-testid=recommendation][data-suggested]", timeout=10000)
                current = booth.state.current()
                assert current is not None
                cid = current["id"]
                suggested = (current["recommendation"] or {}).get("suggested")
                await pg.click("[data-testid=btn-refer]")
                if suggested != "refer":
                    await pg.click("[data-testid=confirm-yes]")
                await pg.wait_for_selector("[data-testid=empty]", state="visible", timeout=5000)
                await asyncio.sleep(0.2)
                assert count(db, "SELECT COUNT(*) FROM decisions WHERE kind = 'officer' AND "
                                 f"crossing_id = '{cid}' AND action = 'refer' AND actor = 'local'") == 1
                assert count(db, "SELECT COUNT(*) FROM audit WHERE kind = 'officer_decision' AND "
                                 f"crossing_id = '{cid}' AND actor = 'local'") == 1
                assert count(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'decision' "
                                 "AND state = 'pending'") == 1
                await asyncio.to_thread(sim.stop)
                pty.unplug()
                await pg.wait_for_selector("[data-testid=light-rfid].down", timeout=5000)
                assert "DOWN" in await pg.inner_text("[data-testid=light-rfid]")
            finally:
                await browser.close()
    finally:
        sim.stop()
        pty.close()
        scanner.unplug()
        await app.stop()
