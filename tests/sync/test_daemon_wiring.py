"""SyncComponent inside the real App: a device event goes bus -> store outbox -> MQTT -> headquarters."""

from __future__ import annotations

import time
from pathlib import Path

from sync_harness import LANE, PORT, lane_cfg, until

from edge.daemon.app import App, AppOptions
from edge.events import DeviceState, DeviceStateChanged
from edge.sim.headquarters import Headquarters
from edge.sync.brokers import BrokerProcess
from edge.sync.component import SyncComponent


async def test_component_in_the_app_reports_device_events_and_status(
        tmp_path: Path, broker: BrokerProcess) -> None:
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    sync = SyncComponent(health_interval_s=0.2)
    app = App(lane_cfg(tmp_path, broker.port), AppOptions(components=[sync]))
    await app.start()
    try:
        app.publish(DeviceStateChanged(ts=time.time(), device="mrz", state=DeviceState.DISCONNECTED,
                                       error_code="device.gone"))
        led = hq.ledger(PORT, LANE)
        await until(lambda: led.hw >= 1, 10, "the device event at headquarters")
        await until(lambda: bool(led.health), 5, "a health report")
        st = app.status()["components"]["sync"]
        assert st["link"]["state"] == "connected"
        await until(lambda: sync.status()["last_ack_hw"] >= 1, 5, "the ack")
        assert led.state["state"] == "online"
    finally:
        await app.stop()
    await until(lambda: led.state.get("state") == "offline", 5, "offline on stop")
    await hq.stop()
