"""The officer says which queued vehicle is really at the booth: booth API, page and lanectl,
through the real lane service (correlator, decision engine, store, audit chain) in the real App."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge.booth.server import BoothServer
from edge.booth.state import BoothState
from edge.config import load_config
from edge.daemon.app import App, AppOptions
from edge.daemon.lane_service import LaneService
from edge.decision.audit import verify_chain
from edge.events import TagSighting
from tests.booth.conftest import Booth, http, snapshot
from tests.booth.test_api import rows
from tests.booth.test_occupants import Lane, wait_for
from tests.conftest import lane_config

EPCS = ("E2801160AB12CD34EF567890", "E2801160AB12CD34EF567891", "E2801160AB12CD34EF567892")


def by_card(state: BoothState, epc: str) -> dict[str, Any] | None:
    """The open crossing whose card is `epc` (the lane's ids are not known in advance)."""
    for snap in reversed(state.crossings.values()):
        if any(c.get("epc") == epc for c in snap.get("cards") or []):
            return snap
    return None


@pytest.fixture
async def queue(tmp_path: Path) -> AsyncIterator[Lane]:
    """A NEXUS lane: vehicle A at the booth, B and C (in that order) queued behind it."""
    config = lane_config(tmp_path, extra="[thresholds]\nvehicle_gap_s = 0.3\narrive_after_s = 0.2\n")
    booth = BoothServer(port=0)
    app = App(load_config(config), AppOptions(components=[LaneService(), booth]))
    await app.start()
    try:
        state = booth.state
        assert state is not None
        for n, epc in enumerate(EPCS):
            now = time.time()
            for i in range(6):
                app.bus.publish(TagSighting(ts=now + i * 0.05, device="rfid1", epc=epc, antenna=1,
                                            rssi=-45.0))
            want = "at_booth" if n == 0 else "approaching"
            await wait_for(f"vehicle {n} {want}", lambda epc=epc, want=want: (
                (s := by_card(state, epc)) is not None and s.get("state") == want
                and s.get("recommendation")))
        yield Lane(app, booth, tmp_path / "lane.sqlite", config)
    finally:
        await app.stop()


def ids(state: BoothState) -> list[str]:
    out = []
    for epc in EPCS:
        snap = by_card(state, epc)
        assert snap is not None
        out.append(str(snap["id"]))
    return out


async def test_the_last_queued_vehicle_is_moved_to_the_booth(queue: Lane) -> None:
    state = queue.booth.state
    assert state is not None
    a, b, c = ids(state)
    assert [x["id"] for x in state.approaching()] == [b, c]

    r = await http(queue.port, "POST", f"/api/v1/crossings/{c}/arrive", {})
    assert r.status == 200, r.body
    body = r.json()
    assert body["arrival"]["crossing_id"] == c
    assert body["arrival"]["before"] == a
    assert body["arrival"]["closed"] == [a]
    assert body["arrival"]["actor"] == "local"
    assert body["arrival"]["recommendation"]  # computed again at the booth, as at any arrival
    assert body["current"]["id"] == c and body["current"]["state"] == "at_booth"  # at once

    # the lane's own steps follow: A superseded, B (seen before C) overtaken, C at the booth
    await wait_for("A superseded and B overtaken", lambda: (
        state.crossings[a].get("closed_reason") == "superseded"
        and state.crossings[b].get("closed_reason") == "overtaken"))
    current = (await http(queue.port, "GET", "/api/v1/crossings/current")).json()
    assert current["current"]["id"] == c and current["approaching"] == []
    stored = dict(rows(queue.db, "SELECT id, state FROM crossings"))
    assert stored[a] == "closed" and stored[c] == "at_booth"

    audit = rows(queue.db, "SELECT kind, actor, crossing_id, body FROM audit ORDER BY seq")
    moved = [x for x in audit if x[0] == "officer_arrival"]
    assert [(x[1], x[2]) for x in moved] == [("local", c)]
    assert json.loads(moved[0][3]) == {"before": a, "closed": [a]}  # ids only, nothing personal
    conn = sqlite3.connect(queue.db)
    try:
        assert verify_chain(conn).ok
    finally:
        conn.close()

    # the moved vehicle is decided as any other
    r = await http(queue.port, "POST", f"/api/v1/crossings/{c}/decision", {"action": "refer"})
    assert r.status == 200, r.body


async def test_only_an_approaching_vehicle_can_be_moved(queue: Lane) -> None:
    state = queue.booth.state
    assert state is not None
    a, b, _c = ids(state)
    r = await http(queue.port, "POST", f"/api/v1/crossings/{a}/arrive", {})
    assert (r.status, r.json()["error"]["code"]) == (409, "booth.not_approaching")
    r = await http(queue.port, "POST", "/api/v1/crossings/NOPE/arrive", {})
    assert (r.status, r.json()["error"]["code"]) == (404, "booth.crossing_unknown")
    r = await http(queue.port, "POST", f"/api/v1/crossings/{b}/decision", {"action": "refer"})
    assert r.status == 200, r.body
    r = await http(queue.port, "POST", f"/api/v1/crossings/{b}/arrive", {})
    assert (r.status, r.json()["error"]["code"]) == (409, "booth.already_decided")
    # the booth still lists a crossing the lane has closed: the lane's answer is relayed
    state.on_crossing(snapshot("L01-999999", state="approaching"))
    r = await http(queue.port, "POST", "/api/v1/crossings/L01-999999/arrive", {})
    assert (r.status, r.json()["error"]["code"]) == (409, "booth.crossing_closed")
    assert rows(queue.db, "SELECT COUNT(*) FROM audit WHERE kind = 'officer_arrival'") == [(0,)]


async def test_lanectl_moves_a_vehicle_to_the_booth(
    queue: Lane, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.lanectl.main import main as lanectl

    state = queue.booth.state
    assert state is not None
    a, b, _c = ids(state)
    code = await asyncio.to_thread(lanectl, ["-c", str(queue.config), "arrive", b, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (out["crossing_id"], out["before"]) == (b, a)
    actors = rows(queue.db, "SELECT actor, crossing_id FROM audit WHERE kind = 'officer_arrival'")
    assert len(actors) == 1 and actors[0][0] != "local" and actors[0][1] == b

    code = await asyncio.to_thread(lanectl, ["-c", str(queue.config), "arrive", a])
    assert code == 1  # closed by the move: no longer approaching, nor active
    assert "lane.crossing_unknown" in capsys.readouterr().err


@pytest.mark.parametrize(("body", "status", "code"), [
    ("[]", 400, "booth.bad_request"),
    ('{"crossing": "x"}', 400, "booth.bad_request"),
    ("", 400, "booth.bad_json"),
])
async def test_bad_arrive_bodies(booth: Booth, body: str, status: int, code: str) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1", state="approaching"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/arrive", body,
                   {"Content-Type": "application/json"})
    assert (r.status, r.json()["error"]["code"]) == (status, code)
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/arrive", "{}")  # no JSON type
    assert (r.status, r.json()["error"]["code"]) == (415, "booth.unsupported_media_type")


async def test_without_the_lane_layer_the_booth_says_so(booth: Booth) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1", state="approaching"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/arrive", {})
    assert (r.status, r.json()["error"]["code"]) == (503, "booth.arrive_unavailable")


@pytest.mark.browser
async def test_the_page_moves_a_queued_vehicle_with_the_keyboard(queue: Lane) -> None:
    """Skipped, as the other browser tests, without chromium or playwright."""
    from tests.booth.test_browser import ARGS, CHROMIUM, _playwright, until

    state = queue.booth.state
    assert state is not None
    a, b, c = ids(state)
    async_playwright = _playwright()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = await browser.new_page(viewport={"width": 1280, "height": 800})
            await pg.goto(f"http://127.0.0.1:{queue.port}/")
            await until(pg, "document.querySelectorAll('[data-testid=arrive-btn]').length === 2")
            assert EPCS[0] in await pg.inner_text("[data-testid=occupants]")
            await pg.keyboard.press("a")  # the first queued vehicle's button (B)
            await pg.keyboard.press("Tab")  # C's
            focused = await pg.evaluate("document.activeElement.dataset.id")
            assert focused == c
            # A is at the booth without a decision: moving C there would close it, so the page
            # asks first; Esc keeps A
            await pg.keyboard.press("Enter")
            await pg.wait_for_selector("[data-testid=confirm]", state="visible")
            assert "without a decision" in await pg.inner_text("[data-testid=confirm]")
            await pg.keyboard.press("Escape")
            await pg.wait_for_selector("[data-testid=confirm]", state="hidden")
            assert rows(queue.db, "SELECT 1 FROM audit WHERE kind = 'officer_arrival'") == []
            assert EPCS[0] in await pg.inner_text("[data-testid=occupants]")
            await pg.click(f"[data-testid=arrive-btn][data-id='{c}']")
            await pg.wait_for_selector("[data-testid=confirm]", state="visible")
            await pg.keyboard.press("Enter")  # yes
            await until(pg, f"document.querySelector('[data-testid=occupants]').textContent"
                            f".includes('{EPCS[2]}')")
            await until(pg, "document.querySelectorAll('[data-testid=arrive-btn]').length === 0")
        finally:
            await browser.close()
    moved = rows(queue.db, "SELECT actor, crossing_id FROM audit WHERE kind = 'officer_arrival'")
    assert moved == [("local", c)]
    assert state.crossings[a].get("closed_reason") == "superseded"
    assert b not in [x["id"] for x in state.approaching()]
