"""`lanectl sync now` at the component: a lane waiting out its reconnect backoff when the broker
comes back connects at once, sends its outbox and reports it confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fill_outbox
from sync_harness import Lane, lane_cfg, until

from edge.sim.headquarters import Headquarters
from edge.sync import mqtt_client
from edge.sync.brokers import free_port, mosquitto


async def test_sync_now_reconnects_at_once_and_waits_for_the_confirmations(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mqtt_client, "backoff_delay", lambda *_a: 60.0)  # as after many failures
    port = free_port()
    lane = Lane(lane_cfg(tmp_path, port))
    await lane.start()
    broker = hq = None
    try:
        await fill_outbox(lane.app.store, 5)
        assert lane.sync.link is not None
        await until(lambda: lane.sync.link is not None and lane.sync.link.state == "backoff", 10,
                    "the first connect to fail")
        broker = mosquitto(tmp_path / "broker", port=port)
        broker.start()
        hq = Headquarters("127.0.0.1", port)
        await hq.start()
        res = await lane.sync.sync_now(wait_s=15.0)
        assert res["retried_connection"] is True and res["link"]["state"] == "connected", res
        assert (res["unconfirmed_before"], res["unconfirmed_after"]) == (5, 0)
        assert res["waited_s"] < 15.0
        again = await lane.sync.sync_now(wait_s=5.0)  # nothing to do: at once
        assert again["retried_connection"] is False and again["unconfirmed_after"] == 0
        assert again["waited_s"] <= 1.0
    finally:
        await lane.stop()
        if hq is not None:
            await hq.stop()
        if broker is not None:
            broker.stop()
