"""The README's mosquitto ACLs and bridge config, with real brokers."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from sync_harness import LANE, PORT, Lane, lane_cfg, until

import edge.sync
from edge.sim.headquarters import Headquarters
from edge.store.writer import enqueue_outbox
from edge.sync.brokers import MOSQUITTO, free_port, mosquitto
from edge.sync.mqtt_client import LinkSettings, Message, MqttLink, PublishFailed

DEPLOY = Path(edge.sync.__file__).parent / "deploy"


def passwd(folder: Path, users: dict[str, str]) -> Path:
    path = folder / "passwd"
    for i, (user, pw) in enumerate(users.items()):
        subprocess.run(["mosquitto_passwd", "-b", *([] if i else ["-c"]), str(path), user, pw], check=True)
    return path


def acl_broker(tmp: Path):  # type: ignore[no-untyped-def]
    folder = tmp / "acl"
    folder.mkdir()
    pw = passwd(folder, {"CA-0427/L03": "pw3", "CA-0427/L04": "pw4", "hq": "hqpw"})
    return mosquitto(folder, allow_anonymous=False,
                     extra=f"password_file {pw}\nacl_file {DEPLOY / 'lane-edge.acl'}\n")


async def test_a_lane_cannot_publish_or_read_under_another_lane(tmp_path: Path) -> None:
    broker = acl_broker(tmp_path)
    broker.start()
    try:
        hq = Headquarters("127.0.0.1", broker.port, username="hq", password="hqpw")
        await hq.start()
        pwfile = tmp_path / "lane.pw"
        pwfile.write_text("pw3\n")
        lane = Lane(lane_cfg(tmp_path, broker.port, mqtt_extra={
            "username": "CA-0427/L03", "password_file": str(pwfile)}))
        await lane.start()
        await lane.app.store.write(lambda db: enqueue_outbox(db, kind="crossing", topic="crossing",
                                                            payload={"ok": 1}))
        led = hq.ledger(PORT, LANE)
        await until(lambda: led.hw == 1, 10, "the lane's own event")

        got: list[Message] = []
        rogue = MqttLink(LinkSettings(port=broker.port, client_id="rogue", username="CA-0427/L03",
                                      password="pw3", subscriptions=("lane-edge/v1/CA-0427/L04/#",)),
                         on_message=got.append)
        await rogue.start()
        await rogue.wait_connected(5)  # mosquitto grants the subscription but checks reads on delivery
        await hq.link.publish("lane-edge/v1/CA-0427/L04/ack", b'{"hw": 7}')
        await hq.link.publish("lane-edge/v1/CA-0427/L04/down/roster", b"{}")
        await asyncio.sleep(0.3)
        assert got == [], "a lane read another lane's messages"
        await rogue.stop()

        rogue = MqttLink(LinkSettings(port=broker.port, client_id="rogue2", username="CA-0427/L03",
                                      password="pw3"), on_message=got.append)
        await rogue.start()
        await rogue.wait_connected(5)
        with pytest.raises(PublishFailed):  # MQTT 5: PUBACK "Not authorized"
            await rogue.publish("lane-edge/v1/CA-0427/L04/up/crossing",
                                b'{"event_id":"x","seq":1,"kind":"crossing","ts":0}', timeout=5)
        await rogue.stop()
        # nor can anonymous clients connect at all
        anon = MqttLink(LinkSettings(port=broker.port, client_id="anon", backoff_min_s=0.05))
        await anon.start()
        await asyncio.sleep(0.5)
        assert not anon.connected.is_set()
        await anon.stop()
        await asyncio.sleep(0.3)
        assert ("CA-0427", "L04") not in hq.lanes or hq.ledger("CA-0427", "L04").received == 0
        await lane.stop()
        await hq.stop()
    finally:
        broker.stop()


async def test_bridge_delivers_through_a_headquarters_outage(tmp_path: Path) -> None:
    hq_broker = mosquitto(tmp_path / "hq")
    hq_broker.start()
    bridge = (DEPLOY / "bridge-hq.conf").read_text().replace("HQ_HOST:HQ_PORT", f"127.0.0.1:{hq_broker.port}")
    bridge = bridge.replace("restart_timeout 1 30", "restart_timeout 1 2")
    port_broker = mosquitto(tmp_path / "port", extra=bridge)
    port_broker.start()
    hq = Headquarters("127.0.0.1", hq_broker.port, gap_timeout_s=0.5)
    await hq.start()
    lane = Lane(lane_cfg(tmp_path, port_broker.port), resend_after_s=3)
    await lane.start()
    try:
        async def traffic() -> None:
            for i in range(60):
                await lane.app.store.write(lambda db, i=i: [enqueue_outbox(
                    db, kind="crossing", topic="crossing", payload={"i": i}) for _ in range(25)])
                await asyncio.sleep(0.05)
        task = asyncio.create_task(traffic())
        await asyncio.sleep(0.8)
        hq_broker.stop()  # headquarters' side goes away; the lane's link to its port stays up
        await asyncio.sleep(2.0)
        hq_broker.start()
        await task
        led = hq.ledger(PORT, LANE)
        await until(lambda: led.hw == 1500, 40, "every event through the bridge")
        assert led.delivered == list(range(1, 1501))
        assert lane.sync.link.connects == 1  # type: ignore[union-attr]
    finally:
        await lane.stop()
        await hq.stop()
        port_broker.stop()
        hq_broker.stop()
        assert MOSQUITTO
        _ = free_port
