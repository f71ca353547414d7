"""The officer declares how many occupants they see: booth API and lanectl, through the real lane
service (correlator, decision engine, store, audit chain) in the real daemon App."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge.booth.server import BoothServer
from edge.config import load_config
from edge.daemon.app import App, AppOptions
from edge.daemon.lane_service import LaneService
from edge.decision.audit import verify_chain
from edge.events import TagSighting
from tests.booth.conftest import Booth, http, snapshot
from tests.booth.test_api import rows
from tests.conftest import lane_config

EPC = "E2801160AB12CD34EF567890"


@dataclass
class Lane:
    app: App
    booth: BoothServer
    db: Path
    config: Path

    @property
    def port(self) -> int:
        assert self.booth.port is not None
        return self.booth.port


async def wait_for(what: str, check: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def lane(tmp_path: Path) -> AsyncIterator[Lane]:
    """A NEXUS lane with its booth; one card read, the vehicle already at the booth."""
    config = lane_config(tmp_path, extra="[thresholds]\nvehicle_gap_s = 0.3\narrive_after_s = 0.2\n")
    booth = BoothServer(port=0)
    app = App(load_config(config), AppOptions(components=[LaneService(), booth]))
    await app.start()
    try:
        now = time.time()
        for i in range(6):
            app.bus.publish(TagSighting(ts=now + i * 0.05, device="rfid1", epc=EPC, antenna=1,
                                        rssi=-45.0))
        state = booth.state
        assert state is not None
        await wait_for("the vehicle at the booth with a recommendation", lambda: (
            (c := state.current()) is not None and c["state"] == "at_booth" and c["recommendation"]))
        yield Lane(app, booth, tmp_path / "lane.sqlite", config)
    finally:
        await app.stop()


def reasons(view: dict[str, Any]) -> set[str]:
    return {r["code"] for r in (view.get("recommendation") or {}).get("reasons", [])}


async def test_declaring_more_than_identified_is_audited_and_recomputes(lane: Lane) -> None:
    state = lane.booth.state
    assert state is not None
    current = state.current()
    assert current is not None
    cid = current["id"]
    assert "occupant_unidentified" not in reasons(current)

    r = await http(lane.port, "POST", f"/api/v1/crossings/{cid}/occupants", {"count": 3})
    assert r.status == 200, r.body
    body = r.json()
    assert body["occupants"]["occupants_declared"] == 3
    assert body["occupants"]["actor"] == "local"
    assert body["occupants"]["recommendation"] == "refer"
    assert {"occupant_unidentified", "occupant_without_card"} <= set(body["occupants"]["reasons"])
    assert body["crossing"]["occupants_declared"] == 3  # shown at once

    # the booth's own view follows the lane: new recommendation with its reason
    view = await wait_for("the new recommendation on the booth", lambda: (
        (v := state.detail(cid)) is not None and "occupant_unidentified" in reasons(v) and v))
    assert view["occupants_declared"] == 3
    detail = (await http(lane.port, "GET", f"/api/v1/crossings/{cid}")).json()["crossing"]
    assert detail["occupants_declared"] == 3

    audit = rows(lane.db, "SELECT kind, actor, crossing_id, body FROM audit ORDER BY seq")
    declared = [a for a in audit if a[0] == "occupants_declared"]
    assert [(a[1], a[2]) for a in declared] == [("local", cid)]
    assert json.loads(declared[0][3]) == {"count": 3, "before": None,
                                          "identified": {"cards": 1, "documents": 0}}
    after = audit[audit.index(declared[0]) + 1:]
    assert any(a[0] == "recommendation" and "occupant_unidentified" in a[3] for a in after)
    conn = sqlite3.connect(lane.db)
    try:
        assert verify_chain(conn).ok
    finally:
        conn.close()
    stored = rows(lane.db, f"SELECT snapshot FROM crossings WHERE id = '{cid}'")
    assert json.loads(stored[0][0])["occupants_declared"] == 3

    # back to one: the lane no longer says unidentified
    r = await http(lane.port, "POST", f"/api/v1/crossings/{cid}/occupants", {"count": 1})
    assert r.status == 200, r.body
    assert "occupant_unidentified" not in r.json()["occupants"]["reasons"]


async def test_after_the_decision_the_count_is_refused(lane: Lane) -> None:
    state = lane.booth.state
    assert state is not None
    current = state.current()
    assert current is not None
    cid = current["id"]
    r = await http(lane.port, "POST", f"/api/v1/crossings/{cid}/decision", {"action": "refer"})
    assert r.status == 200, r.body
    r = await http(lane.port, "POST", f"/api/v1/crossings/{cid}/occupants", {"count": 2})
    assert r.status == 409
    assert r.json()["error"]["code"] == "booth.already_decided"
    assert rows(lane.db, "SELECT COUNT(*) FROM audit WHERE kind = 'occupants_declared'") == [(0,)]


async def test_lanectl_declares_for_the_vehicle_at_the_booth(
    lane: Lane, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.lanectl.main import main as lanectl

    code = await asyncio.to_thread(lanectl, ["-c", str(lane.config), "occupants", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["occupants_declared"] == 2
    assert "occupant_unidentified" in out["reasons"]
    actors = rows(lane.db, "SELECT actor FROM audit WHERE kind = 'occupants_declared'")
    assert len(actors) == 1 and actors[0][0] != "local"  # the technician's user, not the booth

    code = await asyncio.to_thread(lanectl, ["-c", str(lane.config), "occupants", "99"])
    assert code == 1
    assert "0 to 20" in capsys.readouterr().err


@pytest.mark.parametrize(("body", "code"), [
    ('{"count": -1}', "booth.bad_occupants"),
    ('{"count": 21}', "booth.bad_occupants"),
    ('{"count": "3"}', "booth.bad_occupants"),
    ('{"count": true}', "booth.bad_occupants"),
    ('{"count": 2.5}', "booth.bad_occupants"),
    ("{}", "booth.bad_occupants"),
    ('{"count": 2, "who": "x"}', "booth.bad_request"),
    ("[2]", "booth.bad_request"),
])
async def test_bad_occupant_bodies(booth: Booth, body: str, code: str) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/occupants", body,
                   {"Content-Type": "application/json"})
    assert r.status == 400
    assert r.json()["error"]["code"] == code


async def test_without_the_lane_layer_the_booth_says_so(booth: Booth) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/occupants", {"count": 2})
    assert r.status == 503
    assert r.json()["error"]["code"] == "booth.occupants_unavailable"
    r = await http(booth.port, "POST", "/api/v1/crossings/NOPE/occupants", {"count": 2})
    assert r.status == 404


@pytest.mark.browser
async def test_the_page_declares_with_key_o_and_shows_the_new_reason(lane: Lane) -> None:
    """Skipped, as the other browser tests, without chromium or playwright."""
    from tests.booth.test_browser import ARGS, CHROMIUM, _playwright, until

    async_playwright = _playwright()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = await browser.new_page(viewport={"width": 1280, "height": 800})
            await pg.goto(f"http://127.0.0.1:{lane.port}/")
            await pg.wait_for_selector("[data-testid=recommendation][data-suggested]")
            assert not await pg.is_disabled("[data-testid=declare-btn]")
            await pg.keyboard.press("o")  # focuses the count; digits are not shortcuts there
            await pg.keyboard.type("3")
            await pg.keyboard.press("Enter")
            await until(pg, "[...document.querySelectorAll('[data-testid=reasons] li')]"
                            ".some(li => li.dataset.code === 'occupant_unidentified')")
            assert "3" in await pg.inner_text("[data-testid=occupants-declared]")
            assert await pg.input_value("[data-testid=declare-count]") == "3"
        finally:
            await browser.close()
    assert rows(lane.db, "SELECT actor FROM audit WHERE kind = 'occupants_declared'") == [("local",)]
