"""A simulated headquarters: receives every lane's uplink, de-duplicates, acknowledges, signs downlinks.

Per lane it keeps a ledger: event ids seen (copies dropped and counted), the contiguous seq
high-water mark (published retained on the lane's `ack` topic), events that arrived ahead of
a gap (held back, so what headquarters *delivers* is always in seq order), a replay request
when a gap does not fill by itself, and end-to-end latency from the event's own timestamp.
It talks to lanes only over MQTT, as the real one does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.sync.envelope import seal
from edge.sync.mqtt_client import LinkSettings, Message, MqttLink, TlsSettings
from edge.sync.topics import ROOT, LaneTopics, parse_lane_topic

log = logging.getLogger(__name__)


@dataclass
class LaneLedger:
    hw: int = 0
    acked: int = 0
    epoch: str | None = None
    seen: set[str] = field(default_factory=set)
    ahead: dict[int, dict[str, Any]] = field(default_factory=dict)
    delivered: list[int] = field(default_factory=list)
    first_seen: list[int] = field(default_factory=list)
    received: int = 0
    dups: int = 0
    replays_asked: int = 0
    latencies: list[float] = field(default_factory=list)
    last_progress: float = 0.0
    state: dict[str, Any] = field(default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)
    refusals: list[dict[str, Any]] = field(default_factory=list)

    def take(self, body: dict[str, Any], now: float) -> None:
        self.received += 1
        event_id, seq = str(body.get("event_id")), int(body.get("seq", 0))
        if event_id in self.seen or seq <= self.hw:
            self.dups += 1
            return
        self.seen.add(event_id)
        self.first_seen.append(seq)
        self.latencies.append(now - float(body.get("ts", now)))
        if body.get("kind") == "downlink_refused":
            self.refusals.append(body)
        self.ahead[seq] = body
        while self.hw + 1 in self.ahead:
            self.ahead.pop(self.hw + 1)
            self.hw += 1
            self.delivered.append(self.hw)
            self.last_progress = now

    def missing(self) -> list[int]:
        top = max(self.ahead, default=self.hw)
        return [s for s in range(self.hw + 1, top) if s not in self.ahead]


class Headquarters:
    def __init__(self, host: str, port: int, *, protocol: str = "5", client_id: str = "hq-sim",
                 ack_interval_s: float = 0.05, gap_timeout_s: float = 1.0,
                 tls: TlsSettings | None = None, username: str | None = None, password: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.ack_interval_s = ack_interval_s
        self.gap_timeout_s = gap_timeout_s
        self.lanes: dict[tuple[str, str], LaneLedger] = {}
        self.link = MqttLink(LinkSettings(
            host=host, port=port, client_id=client_id, protocol=protocol, tls=tls, username=username,
            password=password, inflight=1000, backoff_min_s=0.1, backoff_max_s=1.0,
            subscriptions=(f"{ROOT}/+/+/up/#", f"{ROOT}/+/+/state", f"{ROOT}/+/+/health")),
            on_message=self.handle)
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait: bool = True) -> None:
        await self.link.start()
        self._task = asyncio.create_task(self._ack_loop(), name="hq-acks")
        if wait:
            await self.link.wait_connected(10)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.link.stop()

    def ledger(self, port: str, lane: str) -> LaneLedger:
        return self.lanes.setdefault((port, lane), LaneLedger(last_progress=self.clock()))

    def handle(self, msg: Message) -> None:
        parsed = parse_lane_topic(msg.topic)
        if parsed is None:
            return
        port, lane, rest = parsed
        try:
            body = json.loads(msg.payload)
        except ValueError:
            log.warning("headquarters got a non-JSON message on %s", msg.topic)
            return
        if not isinstance(body, dict):
            return
        ledger = self.ledger(port, lane)
        if rest.startswith("up/"):
            ledger.take(body, self.clock())
        elif rest == "state":
            epoch = body.get("epoch")
            if epoch and ledger.epoch and epoch != ledger.epoch:
                # the lane's store was re-created: its seq starts again at 1
                log.warning("lane %s/%s has a new store epoch; its ledger starts over", port, lane)
                ledger = self.lanes[(port, lane)] = LaneLedger(last_progress=self.clock())
            ledger.epoch = ledger.epoch or epoch
            ledger.state = body
        elif rest == "health":
            ledger.health = body

    async def _ack_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ack_interval_s)
            if not self.link.connected.is_set():
                continue
            now = self.clock()
            for (port, lane), led in list(self.lanes.items()):
                topics = LaneTopics(port, lane)
                with contextlib.suppress(Exception):
                    if led.hw > led.acked:
                        ack = {"hw": led.hw, **({"epoch": led.epoch} if led.epoch else {})}
                        _forget(self.link.publish_nowait(topics.ack, json.dumps(ack), retain=True))
                        led.acked = led.hw
                    if led.ahead and now - led.last_progress > self.gap_timeout_s:
                        lo, hi = led.hw + 1, min(led.ahead) - 1
                        _forget(self.link.publish_nowait(topics.replay, json.dumps({"from": lo, "to": hi})))
                        led.replays_asked += 1
                        led.last_progress = now

    async def send_downlink(self, port: str, lane: str, dataset: str, payload: bytes, *, version: int,
                            key_id: str, key: Ed25519PrivateKey, kind: str = "delta", ttl_s: float = 3600,
                            chunk_size: int = 256 * 1024) -> None:
        """Seal and publish one update to a lane (or `all` lanes of a port)."""
        await self.publish_down(port, lane, dataset, seal(
            payload, dataset=dataset, scope=f"{port}/{lane}", version=version, key_id=key_id, key=key,
            issued=self.clock(), ttl_s=ttl_s, kind=kind, chunk_size=chunk_size))

    async def publish_down(self, port: str, lane: str, dataset: str, messages: list[bytes]) -> None:
        """Publish downlink messages as they are (sealed here, or tampered with by a test)."""
        topics = LaneTopics(port, "L0") if lane == "all" else LaneTopics(port, lane)
        topic = topics.port_down(dataset) if lane == "all" else topics.down(dataset)
        for raw in messages:
            await self.link.publish(topic, raw)

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (port, lane), led in self.lanes.items():
            lat = sorted(led.latencies)
            out[f"{port}/{lane}"] = {
                "received": led.received, "unique": len(led.seen), "duplicates": led.dups, "hw": led.hw,
                "missing": len(led.missing()), "held_ahead": len(led.ahead),
                "replays_asked": led.replays_asked,
                "latency_p50_s": statistics.median(lat) if lat else None,
                "latency_p99_s": lat[int(0.99 * (len(lat) - 1))] if lat else None,
                "state": led.state.get("state"), "refusals": len(led.refusals),
                "refusal_reasons": dict(sorted(Counter(str(r.get("reason")) for r in led.refusals).items()))}
        return out


def _forget(fut: asyncio.Future[None]) -> None:
    """Acks and replay requests are repeated by the loop; a lost one needs no handling."""
    fut.add_done_callback(lambda f: f.cancelled() or f.exception())
