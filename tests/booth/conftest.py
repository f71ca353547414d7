"""Booth fixtures: the real daemon App in-process with the booth component on an ephemeral port,
a raw HTTP client (so tests see exactly what goes on the wire) and crossing snapshots shaped like
the lane correlator's `CrossingUpdated.snapshot`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge.booth.server import BoothServer
from edge.config import load_config
from edge.daemon.app import App, AppOptions
from tests.conftest import lane_config

TOKEN = "s3cret-terminal-token-0123456789"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def http(port: int, method: str, path: str, body: bytes | str | dict | None = None,
               headers: dict[str, str] | None = None, host: str = "127.0.0.1",
               timeout: float = 5.0) -> Reply:
    if isinstance(body, dict):
        body = json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
    data = body.encode() if isinstance(body, str) else (body or b"")
    hdrs = {"Host": f"{host}:{port}", "Content-Length": str(len(data)), **(headers or {})}
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        writer.write(head.encode() + b"\r\n" + data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    head_b, _, payload = raw.partition(b"\r\n\r\n")
    lines = head_b.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    parsed = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        parsed[k.strip().lower()] = v.strip()
    return Reply(status, parsed, payload)


def recommendation(action: str = "refer", score: float | None = 0.82,
                   codes: tuple[str, ...] = ("lookout_plate", "risk_score_high"),
                   crossing_id: str = "L01-000001") -> dict[str, Any]:
    from edge.decision.reasons import REASONS

    return {
        "crossing_id": crossing_id, "lane_kind": "nexus", "action": action, "score": score,
        "traveller_scores": [],
        "reasons": [{"code": c, "en": REASONS[c][0], "fr": REASONS[c][1], "source": "rule",
                     **({"detail": "LK-STOLEN"} if c.startswith("lookout") else {})} for c in codes],
        "versions": {"model": "risk/3", "rules": "rules/1", "roster": "42"}, "shadow": None,
    }


def snapshot(cid: str = "L01-000001", state: str = "at_booth", plate: str | None = "ABC 123",
             rec: dict[str, Any] | None = None, opened: float | None = None,
             documents: bool = True) -> dict[str, Any]:
    opened = time.time() - 30 if opened is None else opened
    snap: dict[str, Any] = {
        "id": cid, "lane": "L01", "state": state, "opened_ts": opened, "state_since": opened + 10,
        "walk_up": False, "vehicle": {"seq": 1, "first_seen": opened, "last_seen": opened + 2,
                                      "closed_by": "gap"},
        "cards": [{"epc": "E2801160AB12CD34EF567890", "first_seen": opened, "last_seen": opened + 2,
                   "count": 14, "best_rssi": -48.0, "antennas": [1, 2], "lane_reads": 14,
                   "status": "active", "programme": "NEXUS", "expiry": "2029-05-31"}],
        "card_count": 1, "rejected_cards": [],
        "plates": [] if plate is None else [
            {"text": plate, "confidence": 0.93, "ts": opened + 1, "device": "cam1", "reads": 3,
             "low_confidence": False}],
        "documents": [], "document_count": 0, "occupants_declared": None,
        "recommendation": rec, "decision": None, "closed_reason": None, "history": [],
    }
    if documents:
        snap["documents"] = [{"ts": opened + 5, "device": "mrz1", "document": {
            "valid": True, "surname": "TREMBLAY", "given_names": "MARIE",
            "document_number": "AB1234567", "document_code": "P",
            "expiry_date": {"raw": "300101", "year": 2030, "month": 1, "day": 1},
            "expired": False, "checks": [{"name": "document_number", "passed": True},
                                         {"name": "composite", "passed": True}],
            "errors": [], "warnings": []}}]
        snap["document_count"] = 1
    return snap


class FakeLink:
    state = "connected"


class FakeSync:
    """Stands in for edge.sync's component: the booth reads only `link.state`."""

    name = "sync"

    def __init__(self) -> None:
        self.link = FakeLink()

    async def start(self, app: App) -> None:
        return None

    async def stop(self) -> None:
        return None

    def status(self) -> dict[str, Any]:
        return {"link": {"state": self.link.state}}


@dataclass
class Booth:
    app: App
    server: BoothServer
    tmp: Path
    sync: FakeSync

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port

    @property
    def db(self) -> Path:
        return self.tmp / "lane.sqlite"


async def start_booth(tmp: Path, *, bind: str = "127.0.0.1", token: bool = False,
                      heartbeat_s: float = 5.0, watch_s: float = 0.05) -> Booth:
    token_file = None
    if token:
        (tmp / "booth.token").write_text(f"# booth terminals\nbooth-3:{TOKEN}\n")
        token_file = str(tmp / "booth.token")
    cfg = load_config(lane_config(tmp))  # the booth's own settings come by argument: the shared
    server = BoothServer(bind=bind, port=0, token_file=token_file,  # lane_config may set [booth]
                         heartbeat_s=heartbeat_s, watch_s=watch_s)
    sync = FakeSync()
    app = App(cfg, AppOptions(components=[sync, server]))
    await app.start()
    assert server.state is not None
    server.state.on_device("mrz1", "open", None, kind="mrz_scanner")
    server.state.on_device("rfid1", "open", None, kind="rfid")
    server.state.on_device("cam1", "open", None, kind="camera")
    await asyncio.sleep(0.1)  # the booth's watcher has seen the sync link
    return Booth(app, server, tmp, sync)


@pytest.fixture
async def booth(tmp_path: Path) -> AsyncIterator[Booth]:
    b = await start_booth(tmp_path)
    yield b
    await b.app.stop()
