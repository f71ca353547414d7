"""Signed settings updates through a real mosquitto into a running lane daemon.

Whitelisted settings are validated, kept in the overlay, applied live (the decision engine uses
the new threshold at once), audited and in force after a restart; anything outside the
whitelist, invalid or wrongly signed is refused with its reason and changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lane_daemon import LaneDaemon, write_config
from sync_harness import LANE, PORT, key_hex, until

from edge.config import ConfigInvalid, load_config, read_problems
from edge.config_overlay import OVERLAY_NAME
from edge.sim.headquarters import Headquarters
from edge.sync.brokers import BrokerProcess
from edge.sync.config_apply import encode

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def audit_rows(store: Path, kind: str) -> list[dict[str, Any]]:
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT body FROM audit WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    return [json.loads(b) for (b,) in rows]


async def test_config_update_whitelist_apply_refuse_and_restart(tmp_path: Path,
                                                                broker: BrokerProcess) -> None:
    cfg_path = write_config(tmp_path, broker.port, {"hq1": key_hex(KEY)})
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    lane = LaneDaemon(cfg_path)
    await lane.start()
    led = hq.ledger(PORT, LANE)
    store = tmp_path / "lane.sqlite"
    engine = lane.lane.engine
    assert engine is not None

    async def send(settings: dict[str, Any], version: int, *, kind: str = "delta",
                   key: Ed25519PrivateKey = KEY) -> None:
        await hq.send_downlink(PORT, LANE, "config", encode(settings), version=version, key_id="hq1",
                               key=key, kind=kind)

    async def refused(reason: str, n: int = 1) -> None:
        await until(lambda: sum(r["reason"] == reason for r in led.refusals) == n, 10, f"refusal {reason}")

    try:
        await send({"thresholds": {"refer_score": 0.9, "model_timeout_ms": 80},
                    "retention": {"personal_hours": 24}, "lane": {"mode": "closed"}}, 1, kind="snapshot")
        await until(lambda: engine.thresholds.refer_score == 0.9, 10, "the new threshold in the engine")
        cfg = lane.app.cfg
        th = cfg.thresholds
        assert (th.refer_score, th.model_timeout_ms, cfg.retention.personal_hours) == (0.9, 80.0, 24.0)
        assert lane.app.mode == "closed" and engine.scorer.timeout_ms == 80.0
        overlay = json.loads((tmp_path / OVERLAY_NAME).read_text())
        assert overlay["version"] == 1 and overlay["settings"]["thresholds"]["refer_score"] == 0.9
        # audited before the settings are in force (a change that cannot be audited is not made)
        await until(lambda: len(audit_rows(store, "config_change")) == 1, 10, "the audit entry")
        (change,) = audit_rows(store, "config_change")
        assert "thresholds.refer_score: 0.5 -> 0.9" in change["changed"]
        assert change["update"]["key_id"] == "hq1"
        status = lane.app.status()["components"]["ops"]["hq_config"]
        assert status["version"] == 1 and status["settings"]["lane.mode"] == "closed"

        # outside the whitelist: refused whole (the allowed key in the same update is not applied)
        await send({"mqtt": {"host": "203.0.113.9"}, "thresholds": {"refer_score": 0.1}}, 2)
        await refused("config_not_allowed")
        await send({"thresholds": {"min_rssi": -90.0}}, 3)  # site calibration is the technician's
        await refused("config_not_allowed", 2)
        await send({"devices": []}, 4)
        await refused("config_not_allowed", 3)
        # invalid by the config's own rules or the whitelist's ranges
        await send({"thresholds": {"refer_scor": 0.3}}, 5)
        await refused("config_invalid")
        await send({"thresholds": {"refer_score": "high"}}, 6)
        await refused("config_invalid", 2)
        await send({"thresholds": {"refer_score": 1.5}}, 7)
        await refused("config_invalid", 3)
        await send({"lane": {"mode": "nexus_only"}}, 8)
        await refused("config_invalid", 4)
        await send({"thresholds": {"refer_score": 0.2}}, 9, key=OTHER)
        await refused("bad_signature")
        assert lane.app.cfg.thresholds.refer_score == 0.9 and lane.app.cfg.mqtt.host == "127.0.0.1"
        assert engine.thresholds.refer_score == 0.9
        assert json.loads((tmp_path / OVERLAY_NAME).read_text())["version"] == 1
        refusals = audit_rows(store, "config_refused")
        assert [r["reason"] for r in refusals] == ["config_not_allowed"] * 3 + ["config_invalid"] * 4
        assert refusals[0]["keys"] == ["mqtt.host", "thresholds.refer_score"]

        # a delta edits the overlay; null gives a setting back to the lane's own file
        await send({"thresholds": {"refer_score": None}, "retention": {"diagnostics_days": 30}}, 10)
        await until(lambda: engine.thresholds.refer_score == 0.5, 10, "the file's threshold again")
        assert lane.app.cfg.retention.diagnostics_days == 30.0
        assert lane.app.cfg.thresholds.model_timeout_ms == 80
    finally:
        await lane.stop()

    # the next start uses the overlay; lanectl config check sees no problem
    cfg = load_config(cfg_path)
    assert (cfg.thresholds.refer_score, cfg.thresholds.model_timeout_ms, cfg.retention.diagnostics_days,
            cfg.lane.mode) == (0.5, 80.0, 30.0, "closed")
    assert read_problems(cfg_path) == []
    # sent while the lane is down: the broker keeps it in the lane's session and hands it over
    # as soon as the lane connects, before the ops layer has registered the config applier
    await send({"retention": {"diagnostics_days": 20}}, 11)
    again = LaneDaemon(cfg_path)
    await again.start()
    try:
        await until(lambda: again.app.cfg.retention.diagnostics_days == 20.0, 10, "the queued update")
        assert not any(r["reason"] == "no_applier" for r in led.refusals)
        assert again.app.mode == "closed"
        assert again.lane.engine is not None and again.lane.engine.scorer.timeout_ms == 80.0
        # applied versions survive too: a replay of version 10 is refused
        await send({"retention": {"diagnostics_days": 5}}, 10)
        await refused("replayed")
    finally:
        await again.stop()
        await hq.stop()


def test_a_tampered_overlay_stops_the_config_from_loading(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path, 1883, {})
    (tmp_path / OVERLAY_NAME).write_text(json.dumps({"settings": {"mqtt": {"host": "203.0.113.9"}}}))
    with pytest.raises(ConfigInvalid) as err:
        load_config(cfg_path)
    assert [p.code for p in err.value.problems] == ["config.not_remote"]
    assert [p.key for p in read_problems(cfg_path)] == [f"{OVERLAY_NAME}:mqtt.host"]
    (tmp_path / OVERLAY_NAME).write_text("{not json")
    assert [p.code for p in read_problems(cfg_path)] == ["config.overlay"]
