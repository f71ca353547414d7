"""What every device driver is: a coroutine that turns a device's bytes into typed events.

A driver knows its device and its codec, nothing of the lane, the store or MQTT. It reports
through a `DriverContext`: `emit` for events, `counters` for figures, `set_state` for health.
Raising from `run()` is how a driver says "I failed": the supervisor restarts it with backoff.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from edge.config import DeviceConfig
from edge.counters import Counters
from edge.errors import LaneEdgeError
from edge.events import (
    BadRead,
    DeviceState,
    DeviceStateChanged,
    DocumentScanned,
    Event,
    LineRead,
    PlateRead,
    TagSighting,
)

# The events that are a device's reads, whatever the driver: what `lanectl status` counts in
# its "reads" column (each driver's own counters name their units: frames, reports, lines).
READS = (LineRead, TagSighting, PlateRead, DocumentScanned)


@dataclass(slots=True)
class DeviceHealth:
    """Mutable health record of one device, read by the control channel."""

    state: DeviceState = DeviceState.STARTING
    since: float = field(default_factory=time.time)
    last_error_code: str | None = None
    last_error: str | None = None
    last_read: float | None = None
    reads: int = 0  # typed reads handed to the lane (`READS`)
    bad_reads: int = 0  # input that could not be read: BadRead events, frames skipped as corrupt
    restarts: int = 0
    failures: int = 0


class DriverContext:
    """Everything a driver may touch of the daemon: emit events, count, report health."""

    def __init__(self, device: str, emit: Callable[[Event], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.device = device
        self._emit = emit
        self.clock = clock
        self.counters = Counters()
        self.health = DeviceHealth()
        # Events addressed to an output device (signs); filled by the daemon, read by the driver.
        self.inbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=64)

    def emit(self, event: Event) -> None:
        # "last read" is the device's last input, read or not: not its other news (an antenna
        # unplugged, a sign's acknowledgement), which would make a silent reader look alive
        if isinstance(event, BadRead):
            self.health.bad_reads += 1
            self.health.last_read = event.ts
        elif isinstance(event, READS):
            self.health.reads += 1
            self.health.last_read = event.ts
        self._emit(event)

    def count_bad(self, n: int = 1) -> None:
        """Count `n` inputs that could not be read and raise no `BadRead` (a camera's corrupt
        frames: one event each would flood the store at 30 frames a second)."""
        self.health.bad_reads += n

    def set_state(self, state: DeviceState, error: BaseException | None = None) -> None:
        code = msg = None
        if error is not None:
            code = error.code if isinstance(error, LaneEdgeError) else "device.exception"
            msg = str(error) if isinstance(error, LaneEdgeError) else type(error).__name__
            if str(error) and not isinstance(error, LaneEdgeError):
                msg = f"{type(error).__name__}: {error}"
            self.health.last_error_code, self.health.last_error = code, msg
        if state == self.health.state and error is None:
            return
        self.health.state = state
        self.health.since = self.clock()
        self._emit(DeviceStateChanged(ts=self.clock(), device=self.device, state=state,
                                      error_code=code, error=msg))


class Driver(abc.ABC):
    """Base of device drivers. Subclasses implement `run()`.

    Output devices list the event types they take in `accepts`; the daemon puts those events
    in `ctx.inbox`.
    """

    accepts: ClassVar[tuple[type[Event], ...]] = ()

    def __init__(self, device: DeviceConfig, ctx: DriverContext) -> None:
        self.device = device
        self.ctx = ctx
        self.stopping = False

    @abc.abstractmethod
    async def run(self) -> None:
        """Read the device until cancelled (or, after `request_stop`, until drained).

        Raise to be restarted with backoff.
        """

    def request_stop(self) -> None:
        """Finish what the device already sent, then return from `run()`.

        Drivers that buffer (serial ports) honour it so that a clean stop loses nothing
        already on the wire; the supervisor cancels whoever does not return in time.
        """
        self.stopping = True
