"""The daemon's sync component: one MQTT link, the outbox uplink, the downlink and health.

Retention (what headquarters confirmed and is past its time) is not done here: `edge.ops.retention`
does it for the whole store, with or without MQTT.

Wire it when `cfg.mqtt.enabled`: `AppOptions(components=[SyncComponent()])`, or
`app.components.append(SyncComponent())` before `app.start()`. Other components register
downlink appliers on `component.appliers` (data-set name -> callable) before or after start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import edge
from edge.sync.apply import Appliers, Downlink, Update
from edge.sync.envelope import Limits, load_public_keys
from edge.sync.mqtt_client import LinkSettings, Message, MqttLink
from edge.sync.topics import LaneTopics
from edge.sync.uplink import Uplink, committed, store_epoch

if TYPE_CHECKING:
    from edge.daemon.app import App

log = logging.getLogger(__name__)

COMMAND_DATASET = "command"
LANE_MODES = ("open", "closed")  # the lane's kind (NEXUS, FAST) is its config, not a command


class SyncComponent:
    name = "sync"

    def __init__(self, *, appliers: Appliers | None = None, health_interval_s: float = 60.0,
                 resend_after_s: float = 60.0,
                 limits: Limits | None = None) -> None:
        self.appliers = appliers or Appliers()
        self.health_interval_s = health_interval_s
        self.resend_after_s = resend_after_s
        self.limits = limits
        self.app: App | None = None
        self.link: MqttLink | None = None
        self.uplink: Uplink | None = None
        self.downlink: Downlink | None = None
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self, app: App) -> None:
        cfg = app.cfg
        self.app = app
        topics = LaneTopics(cfg.lane.port, cfg.lane.id)
        epoch = await committed(app.store, store_epoch)
        birth = {"lane_edge": edge.__version__, "topics": "v1", "port": cfg.lane.port, "lane": cfg.lane.id,
                 "started": app.started, "epoch": epoch}
        settings = LinkSettings.from_config(
            cfg.mqtt, client_id=f"lane-edge-{cfg.lane.port}-{cfg.lane.id}",
            subscriptions=topics.subscriptions(), state_topic=topics.state, birth=birth)
        self.link = MqttLink(settings, on_message=self._on_message)
        self.uplink = Uplink(app.store, self.link, topics, resend_after_s=self.resend_after_s)
        self.uplink.epoch = epoch
        self.downlink = Downlink(app.store, topics, load_public_keys(cfg.mqtt.trusted_keys), self.appliers,
                                 limits=self.limits)
        self.appliers.register(COMMAND_DATASET, self._command)
        await self.downlink.load()
        await self.link.start()
        self._tasks = [asyncio.create_task(self.uplink.run(), name="sync-uplink"),
                       asyncio.create_task(self._downlink_loop(), name="sync-downlink"),
                       asyncio.create_task(self._health_loop(topics), name="sync-health")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.link is not None:
            await self.link.stop()

    # ------------------------------------------------------------------ inbound
    def _on_message(self, msg: Message) -> None:
        assert self.uplink is not None and self.link is not None
        topics = self.uplink.topics
        try:
            if msg.topic == topics.ack:
                body = json.loads(msg.payload)
                epoch = body.get("epoch")
                self.uplink.on_ack(int(body["hw"]), None if epoch is None else str(epoch))
            elif msg.topic == topics.replay:
                body = json.loads(msg.payload)
                self.uplink.on_replay(int(body["from"]), int(body["to"]))
            else:
                self._inbox.put_nowait(msg)
        except (ValueError, KeyError, TypeError):
            log.warning("malformed control message from headquarters on %s", msg.topic)

    async def _downlink_loop(self) -> None:
        assert self.downlink is not None
        # Sync starts first; downlinks queued at the broker arrive at once. Hold them until
        # every component has started and registered its appliers (else: `no_applier`).
        started = getattr(self.app, "started_event", None)
        if started is not None:
            await started.wait()
        while True:
            msg = await self._inbox.get()
            await self.downlink.handle(msg)

    async def _command(self, update: Update) -> None:
        """Signed commands: lane mode, resync (send again everything not yet confirmed)."""
        assert self.app is not None and self.uplink is not None
        body = json.loads(update.payload)
        cmd = body.get("cmd")
        if cmd == "lane_mode" and body.get("mode") in LANE_MODES:
            mode = str(body["mode"])
            control = getattr(self.app, "control", None)
            lane = control.handlers.get("lane") if control is not None else None
            if lane is not None:  # the technicians' path: audited, queued up, signs follow
                await lane({"action": "open" if mode == "open" else "close",
                            "actor": f"hq:{update.key_id}"})
            else:
                self.app.mode = mode
            log.info("headquarters set the lane mode to %s", mode)
        elif cmd == "resync":
            self.uplink.rewind("resync")
        else:
            raise ValueError("unknown command")

    # ------------------------------------------------------------------ technician
    async def sync_now(self, wait_s: float = 10.0) -> dict[str, Any]:
        """`lanectl sync now`: reconnect at once if the link waits out a backoff, send again
        everything headquarters has not confirmed, and wait up to `wait_s` for it to be."""
        assert self.link is not None and self.uplink is not None
        before = self.uplink.backlog()
        retried = self.link.retry_now()
        self.uplink.rewind("sync now")
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        after = before
        while loop.time() - t0 < wait_s:
            await asyncio.sleep(0.25)  # the backlog is a query on the store: not too often
            after = self.uplink.backlog()
            if self.link.connected.is_set() and not unconfirmed(after):
                break
        return {"link": self.link.status(), "retried_connection": retried,
                "unconfirmed_before": unconfirmed(before), "unconfirmed_after": unconfirmed(after),
                "waited_s": round(loop.time() - t0, 1)}

    # ------------------------------------------------------------------ periodic
    async def _health_loop(self, topics: LaneTopics) -> None:
        assert self.link is not None
        while True:
            await self.link.connected.wait()
            with contextlib.suppress(Exception):
                await self.link.publish(topics.health, json.dumps(self._health(), default=str), timeout=10)
            await asyncio.sleep(self.health_interval_s)

    def _health(self) -> dict[str, Any]:
        assert self.app is not None and self.uplink is not None and self.downlink is not None
        st = self.app.status(with_outbox=False)
        lane = st.get("components", {}).get("lane", {})
        return {"ts": time.time(), "versions": {"lane_edge": edge.__version__,
                                                "datasets": self.downlink.status()["applied"],
                                                "model": lane.get("model")},
                "mode": self.app.mode, "devices": {n: d["state"] for n, d in st["devices"].items()},
                # what each device reads, so that headquarters sees a camera or reader gone quiet
                # while "open" (counts and times only: nothing personal)
                "device_reads": {n: {"reads": d.get("reads", 0), "bad_reads": d.get("bad_reads", 0),
                                     "last_read": d.get("last_read")} for n, d in st["devices"].items()},
                "counters": st["events"], "backlog": self.uplink.backlog(), "uplink": self.uplink.status()}

    def status(self) -> dict[str, Any]:
        if self.link is None or self.uplink is None or self.downlink is None:
            return {"state": "not started"}
        up = self.uplink.status()
        return {"link": self.link.status(), "backlog": self.uplink.backlog(), "drain_rate": up["drain_rate"],
                "last_ack_hw": up["confirmed_hw"], "last_ack_at": up["last_ack_at"], "uplink": up,
                "downlink": self.downlink.status()}


def unconfirmed(backlog: dict[str, int]) -> int:
    """Outbox rows headquarters has not confirmed yet (pending or sent)."""
    return sum(n for state, n in backlog.items() if state != "confirmed")
