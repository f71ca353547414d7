"""Sync throughput and latency against a local mosquitto (started here on a free port).

- drain rate of a 100,000-event outbox backlog at QoS 1 (until every PUBACK is in and the rows
  are marked `sent`), through the real Uplink and MqttLink;
- in the same run, bare paho (its own network thread) publishing the same payloads at QoS 1
  with the same in-flight window: the ceiling this machine allows from Python;
- end-to-end latency of one event on an idle link: committed to the outbox -> received by the
  simulated headquarters.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from edge.sim.headquarters import Headquarters
from edge.store import Store
from edge.store.writer import enqueue_outbox
from edge.sync.brokers import mosquitto
from edge.sync.mqtt_client import LinkSettings, MqttLink
from edge.sync.topics import LaneTopics
from edge.sync.uplink import Uplink

EVENTS = 100_000
WINDOW = 256
LATENCY_SAMPLES = 200
TOPICS = LaneTopics("CA-0427", "L03")
PAYLOAD = {"crossing_id": "c" * 32, "lane": "L03", "outcome": "admit", "score": 0.12,
           "reads": ["mrz", "rfid", "plate"], "officer": "b12", "pad": "x" * 80}


async def _fill(store: Store) -> None:
    for start in range(0, EVENTS, 5000):
        def write(db: Any, start: int = start) -> None:
            for i in range(start, start + 5000):
                enqueue_outbox(db, kind="crossing", topic="crossing", payload={**PAYLOAD, "n": i})
        await store.write(write)


async def _drain(store: Store, port: int) -> tuple[float, float]:
    link = MqttLink(LinkSettings(port=port, client_id="bench-lane", inflight=WINDOW))
    up = Uplink(store, link, TOPICS, window=WINDOW)
    await link.start()
    await link.wait_connected(10)
    t0 = time.perf_counter()
    task = asyncio.create_task(up.run())
    while up.acked < EVENTS:  # noqa: ASYNC110 - polling a counter, on purpose
        await asyncio.sleep(0.001)
    t_acked = time.perf_counter() - t0
    await store.write(lambda db: None)  # the sent marks were queued before this: wait for them
    t_sent = time.perf_counter() - t0
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await link.stop()
    return t_acked, t_sent


def _bare_paho(port: int, rows: list[tuple[str, str]], *, paho_cap: bool) -> float:
    room = threading.Semaphore(WINDOW)
    done = threading.Event()
    acked = [0]

    def on_publish(*_a: Any) -> None:
        room.release()
        acked[0] += 1
        if acked[0] == len(rows):
            done.set()

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=MQTTProtocolVersion.MQTTv5)
    client.max_inflight_messages_set(WINDOW if paho_cap else 0)
    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    time.sleep(0.2)
    t0 = time.perf_counter()
    for topic, payload in rows:
        room.acquire()
        client.publish(topic, payload, qos=1)
    done.wait(120)
    elapsed = time.perf_counter() - t0
    client.disconnect()
    client.loop_stop()
    return elapsed


async def _latency(store: Store, port: int) -> list[float]:
    hq = Headquarters("127.0.0.1", port, client_id="bench-hq")
    await hq.start()
    link = MqttLink(LinkSettings(port=port, client_id="bench-lane-2", subscriptions=TOPICS.subscriptions()))
    up = Uplink(store, link, TOPICS)
    await link.start()
    await link.wait_connected(10)
    task = asyncio.create_task(up.run())
    led = hq.ledger(TOPICS.port, TOPICS.lane)
    await asyncio.sleep(0.5)
    samples: list[float] = []
    for _ in range(LATENCY_SAMPLES):
        before = led.received
        t0 = time.time()
        await store.write(lambda db: enqueue_outbox(db, kind="crossing", topic="crossing", payload=PAYLOAD))
        up.wake()
        while led.received == before:  # noqa: ASYNC110
            await asyncio.sleep(0.0002)
        samples.append(time.time() - t0)
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await link.stop()
    await hq.stop()
    return samples


async def _main(work: Path) -> dict[str, dict[str, Any]]:
    broker = mosquitto(work / "mosq")
    broker.start()
    try:
        store = Store(work / "lane.sqlite")
        store.open()
        await _fill(store)
        rows = [(TOPICS.up(t), p) for t, p in
                store._db.conn.execute("SELECT topic, payload FROM outbox ORDER BY seq")]  # type: ignore[union-attr]
        t_acked, t_sent = await _drain(store, broker.port)
        bare_capped = await asyncio.to_thread(_bare_paho, broker.port, rows, paho_cap=True)
        bare = await asyncio.to_thread(_bare_paho, broker.port, rows, paho_cap=False)
        store.close()
        idle = Store(work / "idle.sqlite")  # an idle lane: nothing waiting in its outbox
        idle.open()
        lat = sorted(await _latency(idle, broker.port))
        idle.close()
    finally:
        broker.stop()
    drain_rate = EVENTS / t_sent
    bare_rate = max(EVENTS / bare, EVENTS / bare_capped)
    p99 = lat[int(0.99 * (len(lat) - 1))]
    size = len(rows[0][1])
    return {
        "sync_drain_rate": {"value": round(drain_rate), "unit": "events/s",
                            "note": f"{EVENTS} outbox rows ({size} B) to local mosquitto, QoS 1, window {WINDOW}, "
                                    f"until PUBACKed and marked sent ({EVENTS / t_acked:.0f}/s to last PUBACK); "
                                    "goal >= 15000"},
        "sync_bare_paho_rate": {"value": round(EVENTS / bare), "unit": "events/s",
                                "note": f"bare paho loop_start thread, same payloads, window {WINDOW} held by "
                                        "a semaphore, paho's own in-flight cap off (as the link runs it)"},
        "sync_bare_paho_capped_rate": {"value": round(EVENTS / bare_capped), "unit": "events/s",
                                       "note": f"the same with max_inflight_messages_set({WINDOW}): paho "
                                               "scans its in-flight table on every PUBACK"},
        "sync_drain_vs_bare": {"value": round(drain_rate / bare_rate, 3), "unit": "ratio",
                               "note": "drain rate / the faster bare paho rate; goal >= 0.7"},
        "sync_latency_p50": {"value": round(statistics.median(lat) * 1000, 2), "unit": "ms",
                             "note": f"idle link, outbox commit -> headquarters receipt, {len(lat)} events"},
        "sync_latency_p99": {"value": round(p99 * 1000, 2), "unit": "ms", "note": "same run"},
    }


def run() -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_main(Path(tmp)))


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
