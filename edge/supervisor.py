"""Supervision of device drivers: restart with backoff, escalate after too many failures.

A driver that raises is restarted (fresh instance, capped exponential backoff); its state and
last error stay visible in `lanectl status`. Past `budget` failures within `window` seconds it
is marked `failed` (needs a technician) but keeps being retried at the slowest pace, so a
re-plugged device still comes back by itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from edge.drivers.base import Driver, DriverContext
from edge.errors import LaneEdgeError
from edge.events import DeviceState

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    initial: float = 0.5
    maximum: float = 30.0
    budget: int = 5
    window: float = 60.0


class Supervised:
    """One device under supervision."""

    def __init__(self, name: str, factory: Callable[[DriverContext], Driver], ctx: DriverContext,
                 policy: RestartPolicy = RestartPolicy()) -> None:
        self.name = name
        self.factory = factory
        self.ctx = ctx
        self.policy = policy
        self.task: asyncio.Task[None] | None = None
        self.driver: Driver | None = None
        self._stopping = False
        self._recent: deque[float] = deque()

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name=f"device:{self.name}")

    async def stop(self, drain_s: float = 1.0) -> None:
        """Ask the driver to finish what is on the wire; cancel it if it takes longer."""
        self._stopping = True
        if self.task is not None:
            if self.driver is not None:
                self.driver.request_stop()
            done, _ = await asyncio.wait({self.task}, timeout=drain_s)
            if not done:
                self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
            except Exception as err:  # noqa: BLE001 - a driver failing while it drains is still stopped
                log.warning("[%s] failed while stopping: %s", self.name, type(err).__name__)
        self.ctx.set_state(DeviceState.STOPPED)

    async def _run(self) -> None:
        delay = self.policy.initial
        while True:
            started = time.monotonic()
            try:
                self.driver = self.factory(self.ctx)
                await self.driver.run()
                if self._stopping or self.driver.stopping:
                    return
                raise LaneEdgeError("driver returned", code="device.stopped_unexpectedly")
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if self._stopping:
                    return
                now = time.monotonic()
                if now - started > self.policy.window:
                    delay = self.policy.initial  # it ran fine for a while: start over
                self._recent.append(now)
                while self._recent and now - self._recent[0] > self.policy.window:
                    self._recent.popleft()
                self.ctx.health.failures += 1
                self.ctx.counters.inc("failures")
                state = (DeviceState.FAILED if len(self._recent) > self.policy.budget
                         else DeviceState.FAILING)
                first = self.ctx.health.state not in (DeviceState.FAILING, DeviceState.FAILED)
                self.ctx.set_state(state, err)
                if first:
                    log.warning("[%s] driver failed (%s); restarting with backoff", self.name,
                                self.ctx.health.last_error_code, exc_info=not isinstance(err, LaneEdgeError))
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.policy.maximum)
                self.ctx.health.restarts += 1
