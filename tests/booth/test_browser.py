"""The booth page in a real browser: Debian's chromium, headless, driven by Playwright.

Skipped (with the reason) when /usr/bin/chromium or the playwright package is missing; never
runs `playwright install`. Set BOOTH_SCREENSHOT=path to write the page's screenshot there (the
one in docs/booth.png is made that way).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge.events import DeviceState, DeviceStateChanged, PlateRead
from tests.booth.conftest import Booth, recommendation, snapshot, start_booth

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _playwright() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright python package (pip install playwright)")
    return async_playwright


@pytest.fixture
async def page(tmp_path: Path) -> AsyncIterator[tuple[Any, Booth]]:
    async_playwright = _playwright()
    booth = await start_booth(tmp_path, heartbeat_s=1.0)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            pg = await browser.new_page(viewport={"width": 1280, "height": 800})
            await pg.goto(f"http://127.0.0.1:{booth.port}/")
            await pg.wait_for_selector("[data-testid=light-mrz].ok", timeout=5000)
            yield pg, booth
        finally:
            await browser.close()
            await booth.app.stop()


def plate_jpeg(text: str) -> bytes:
    """A synthetic plate crop (no real photo in the docs)."""
    import cv2
    import numpy as np

    img = np.full((90, 300, 3), 245, np.uint8)
    cv2.rectangle(img, (3, 3), (296, 86), (40, 40, 40), 4)
    cv2.putText(img, "ONTARIO", (105, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (140, 70, 20), 1)
    cv2.putText(img, text, (22, 72), cv2.FONT_HERSHEY_DUPLEX, 1.6, (25, 25, 25), 3)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(buf)


async def until(pg: Any, js: str, timeout: float = 5.0) -> None:
    """Poll a page expression (page.wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not await pg.evaluate(js):
        if time.monotonic() > deadline:
            raise AssertionError(f"page never satisfied: {js}")
        await asyncio.sleep(0.02)


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


async def test_crossing_shows_within_a_second_and_refer_records(page: tuple[Any, Booth]) -> None:
    pg, booth = page
    st = booth.server.state
    assert st is not None
    booth.app.bus.publish(PlateRead(ts=time.time(), device="cam1", text="ABC 123", confidence=0.93,
                                    box=(0, 0, 300, 90), crop_jpeg=plate_jpeg("ABC 123")))
    await asyncio.sleep(0.05)
    snap = snapshot("L01-000042", "at_booth", rec=recommendation(crossing_id="L01-000042"),
                    opened=time.time() - 42)
    t0 = time.monotonic()
    st.on_crossing(snap)
    await until(pg,
        "document.querySelector('[data-testid=plate-text]').textContent === 'ABC 123' && "
        "document.querySelectorAll('[data-testid=occupants] li[data-kind]').length === 2",
        timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert "TREMBLAY" in await pg.inner_text("[data-testid=occupants]")
    assert await pg.get_attribute("[data-testid=recommendation]", "data-suggested") == "refer"
    assert "lookout" in (await pg.inner_text("[data-testid=lookouts]")).lower()
    assert await pg.get_attribute("[data-testid=plate-crop]", "src") is not None
    st.on_crossing(snapshot("L01-000043", "approaching", plate="FXR 482", opened=time.time() - 3))
    await until(pg,
        "document.querySelector('[data-testid=queue]').textContent.includes('FXR 482')")
    shot = os.environ.get("BOOTH_SCREENSHOT")
    if shot:
        await pg.screenshot(path=shot)
    await pg.click("[data-testid=btn-refer]")  # agrees with the recommendation: no confirmation
    await until(pg,
        "document.querySelector('[data-testid=plate-text]').textContent === 'FXR 482'")
    assert await pg.is_hidden("[data-testid=confirm]")
    db = booth.db
    assert count(db, "SELECT COUNT(*) FROM decisions WHERE crossing_id = 'L01-000042' "
                     "AND action = 'refer' AND actor = 'local'") == 1
    assert count(db, "SELECT COUNT(*) FROM audit WHERE kind = 'officer_decision' "
                     "AND crossing_id = 'L01-000042'") == 1
    assert count(db, "SELECT COUNT(*) FROM outbox WHERE kind = 'officer_decision' "
                     "AND state = 'pending'") == 1


async def test_decision_against_recommendation_asks_first(page: tuple[Any, Booth]) -> None:
    pg, booth = page
    st = booth.server.state
    assert st is not None
    st.on_crossing(snapshot("C7", "at_booth",
                            rec=recommendation("proceed_nexus", 0.05, ("eligible_nexus",), "C7")))
    await pg.wait_for_selector("[data-testid=recommendation][data-suggested=release]")
    await pg.keyboard.press("f")  # refer, against a release: asks
    await pg.wait_for_selector("[data-testid=confirm]", state="visible")
    await pg.keyboard.press("Escape")
    await pg.wait_for_selector("[data-testid=confirm]", state="hidden")
    assert count(booth.db, "SELECT COUNT(*) FROM decisions") == 0
    await pg.keyboard.press("f")
    await pg.wait_for_selector("[data-testid=confirm]", state="visible")
    await pg.keyboard.press("Enter")
    await pg.wait_for_selector("[data-testid=empty]", state="visible")
    assert count(booth.db, "SELECT COUNT(*) FROM decisions WHERE action = 'refer'") == 1


async def test_device_down_turns_its_light_red_with_words(page: tuple[Any, Booth]) -> None:
    pg, booth = page
    booth.app.bus.publish(DeviceStateChanged(ts=time.time(), device="rfid1",
                                             state=DeviceState.DISCONNECTED,
                                             error_code="device.unplugged"))
    light = "[data-testid=light-rfid]"
    await pg.wait_for_selector(f"{light}.down", timeout=2000)
    assert "DOWN" in await pg.inner_text(light)
    bg = await pg.eval_on_selector(light, "e => getComputedStyle(e).backgroundColor")
    r, g, b = (int(x) for x in bg[bg.index("(") + 1:bg.index(")")].split(",")[:3])
    assert r > 180 and g < 100 and b < 100, bg
    booth.app.bus.publish(DeviceStateChanged(ts=time.time(), device="rfid1", state=DeviceState.OPEN))
    await pg.wait_for_selector(f"{light}.ok", timeout=2000)


async def test_language_switches_with_one_key(page: tuple[Any, Booth]) -> None:
    pg, booth = page
    st = booth.server.state
    assert st is not None
    st.on_crossing(snapshot("C8", "at_booth", rec=recommendation(crossing_id="C8")))
    await pg.wait_for_selector("[data-testid=recommendation][data-suggested=refer]")
    await pg.keyboard.press("l")
    await until(pg, "document.documentElement.lang === 'fr'")
    assert "RENVOYER" in await pg.inner_text("[data-testid=recommendation]")
    assert "surveillance" in await pg.inner_text("[data-testid=reasons]")
    await pg.keyboard.press("l")
    await until(pg, "document.documentElement.lang === 'en'")


async def test_banner_when_daemon_unreachable_then_reconnects(page: tuple[Any, Booth]) -> None:
    pg, booth = page
    assert await pg.is_hidden("[data-testid=banner]")
    port = booth.port
    await booth.server.stop()
    await pg.wait_for_selector("[data-testid=banner]", state="visible", timeout=3000)
    assert "unreachable" in (await pg.inner_text("[data-testid=banner]")).lower()
    await booth.server.serve("127.0.0.1", port)
    await pg.wait_for_selector("[data-testid=banner]", state="hidden", timeout=8000)
