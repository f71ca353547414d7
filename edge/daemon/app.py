"""The daemon: one asyncio loop wiring devices -> bus -> lane logic -> store and outputs.

`App` owns the life cycle: open the store, start the control channel and the devices under
supervision, say READY to systemd, ping the watchdog from the loop (so a stuck loop stops the
pings), and on stop: devices first, then the store's writer is drained and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import edge
from edge.bus import Bus
from edge.config import Config, DeviceConfig
from edge.control import ControlServer
from edge.daemon.notify import Notifier
from edge.daemon.recorder import RECORDED, Recorder
from edge.drivers.base import Driver, DriverContext
from edge.drivers.registry import REGISTRY, DriverEntry, create_driver, load_class
from edge.events import Event
from edge.ops.store_facts import outbox_stats
from edge.store import Store
from edge.supervisor import RestartPolicy, Supervised

log = logging.getLogger(__name__)


class Component(Protocol):
    """A part of the daemon with a life (lane logic, booth API, sync, ...)."""

    name: str

    async def start(self, app: App) -> None: ...

    async def stop(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


@dataclass
class AppOptions:
    registry: dict[tuple[str, str], DriverEntry] = field(default_factory=lambda: dict(REGISTRY))
    restart_policy: RestartPolicy = field(default_factory=RestartPolicy)
    notifier: Notifier | None = None
    components: list[Component] | None = None  # None: the daemon's standard set


class App:
    def __init__(self, cfg: Config, options: AppOptions | None = None) -> None:
        self.cfg = cfg
        self.opts = options or AppOptions()
        self.bus = Bus()
        self.store = Store(cfg.store.path, busy_timeout_ms=cfg.store.busy_timeout_ms)
        self.control = ControlServer(cfg.control_socket)
        self.notifier = self.opts.notifier or Notifier()
        self.devices: dict[str, Supervised] = {}
        self.components: list[Component] = (
            default_components(cfg) if self.opts.components is None else list(self.opts.components)
        )
        if cfg.mqtt.enabled and not any(c.name == "sync" for c in self.components):
            from edge.sync.component import SyncComponent

            # first to start, last to stop: the outbox drains while everything else winds down
            self.components.insert(0, SyncComponent())
        self.mode = cfg.lane.mode
        self.started = time.time()
        self.ready = False
        self.started_event = asyncio.Event()  # set once every component has started
        self._tasks: list[asyncio.Task[Any]] = []
        self.topic_prefix = f"lane-edge/v1/{cfg.lane.port}/{cfg.lane.id}"

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        await asyncio.to_thread(self.store.open)
        recorder = Recorder(self.store, self.topic_prefix)
        self._tasks.append(self.bus.consume(self.bus.subscribe("store", RECORDED), recorder.handle))
        self.control.register("status", lambda _req: self.status_async())
        self.control.register("devices", lambda _req: self.status()["devices"])
        self.control.register("ping", lambda _req: {"pong": time.time()})
        await self.control.start()
        for dev in self.cfg.devices:  # subscriptions first: components may address devices
            if dev.enabled:
                self._prepare_device(dev)
        for comp in self.components:
            await comp.start(self)
        for sup in self.devices.values():
            sup.start()
        if self.notifier.watchdog_interval:
            self._tasks.append(asyncio.create_task(self._watchdog(), name="watchdog"))
        self.ready = True
        self.started_event.set()
        self.notifier.ready(self._status_line())
        log.info("lane-edge %s ready: lane %s/%s (%s), %d device(s)", edge.__version__,
                 self.cfg.lane.port, self.cfg.lane.id, self.cfg.lane.kind, len(self.devices))

    def _prepare_device(self, dev: DeviceConfig) -> None:
        ctx = DriverContext(dev.name, self.publish)

        def factory(c: DriverContext, d: DeviceConfig = dev) -> Driver:
            return create_driver(d, c, self.opts.registry)

        sup = Supervised(dev.name, factory, ctx, self.opts.restart_policy)
        self.devices[dev.name] = sup
        accepts = load_class(self.opts.registry[(dev.kind, dev.driver)]).accepts
        if accepts:  # an output device: hand it the events it takes, newest wins
            sub = self.bus.subscribe(f"device:{dev.name}", accepts, maxsize=64)
            self._tasks.append(self.bus.consume(sub, partial(_offer, ctx.inbox)))

    def publish(self, event: Event) -> None:
        self.bus.publish(event)

    def add_task(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.append(task)
        return task

    async def stop(self) -> None:
        self.notifier.stopping()
        await asyncio.gather(*(d.stop() for d in self.devices.values()), return_exceptions=True)
        # let subscribers take what is already queued before they stop
        for _ in range(100):
            if not any(self.bus.pending().values()):
                break
            await asyncio.sleep(0.01)
        for comp in reversed(self.components):
            with contextlib.suppress(Exception):
                await comp.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.control.close()
        await asyncio.to_thread(self.store.close)
        log.info("lane-edge stopped cleanly")

    async def _watchdog(self) -> None:
        interval = self.notifier.watchdog_interval or 1.0
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(interval)

    # ------------------------------------------------------------------ status
    def _status_line(self) -> str:
        states = [d.ctx.health.state for d in self.devices.values()]
        ok = sum(1 for s in states if s == "open")
        return f"lane {self.cfg.lane.id} {self.mode}; devices {ok}/{len(states)} open"

    async def status_async(self) -> dict[str, Any]:
        """Status with the store figures read off the loop (a SQLite read can take a while)."""
        result = self.status(with_outbox=False)
        result["outbox"] = await asyncio.to_thread(outbox_stats, self.store.path)
        return result

    def status(self, *, with_outbox: bool = True) -> dict[str, Any]:
        devices = {}
        for name, sup in self.devices.items():
            h = sup.ctx.health
            dev = next(d for d in self.cfg.devices if d.name == name)
            devices[name] = {
                "kind": dev.kind, "driver": dev.driver, "state": str(h.state), "since": h.since,
                "last_read": h.last_read, "reads": h.reads, "bad_reads": h.bad_reads,
                "last_error_code": h.last_error_code,
                "last_error": h.last_error, "restarts": h.restarts, "failures": h.failures,
                "counters": sup.ctx.counters.snapshot(),
            }
        return {
            "lane": {"port": self.cfg.lane.port, "id": self.cfg.lane.id,
                     "kind": str(self.cfg.lane.kind), "mode": self.mode},
            "version": edge.__version__,
            "pid": os.getpid(),
            "ready": self.ready,
            "uptime_s": round(time.time() - self.started, 3),
            "devices": devices,
            "events": self.bus.counters.snapshot(),
            "store": {"path": str(self.store.path), "size_bytes": _size(self.store.path),
                      "queued_writes": self.store.backlog(), "transactions": self.store.transactions},
            "outbox": outbox_stats(self.store.path) if with_outbox else {},
            "components": {c.name: c.status() for c in self.components},
        }


def _offer(inbox: asyncio.Queue[Event], event: Event) -> None:
    if inbox.full():
        inbox.get_nowait()  # an output device wants the newest state, not a backlog
    inbox.put_nowait(event)


def default_components(cfg: Config) -> list[Component]:
    """The parts every lane daemon runs, in start order (stopped in reverse)."""
    from edge.booth import BoothServer
    from edge.daemon.lane_service import LaneService

    return [LaneService(), BoothServer()]


def _size(path: os.PathLike[str] | str) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            total += os.path.getsize(f"{path}{suffix}")
    return total


async def run_until_signalled(app: App, stop: asyncio.Event,
                              on_stop: Callable[[], None] | None = None) -> None:
    await app.start()
    try:
        await stop.wait()
    finally:
        if on_stop:
            on_stop()
        await app.stop()
