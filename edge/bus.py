"""In-process event bus: drivers publish typed events, subscribers get them by type.

Publishing never blocks the publisher (a driver in the middle of a frame). Each subscriber owns a
queue; a subscriber that must not lose anything (the store) gets an unbounded one, a best-effort
one (the booth's live feed) a bounded one whose overflow is counted, never silent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from edge.counters import Counters
from edge.events import Event

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Subscription:
    name: str
    types: tuple[type[Event], ...]
    queue: asyncio.Queue[Event]
    lossy: bool
    dropped: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class Bus:
    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self.counters = Counters()

    def subscribe(self, name: str, types: tuple[type[Event], ...], *, maxsize: int = 0) -> Subscription:
        """A queue of the events of `types` (maxsize > 0 makes it lossy: oldest dropped, counted)."""
        sub = Subscription(name, types, asyncio.Queue(maxsize), lossy=maxsize > 0)
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def publish(self, event: Event) -> None:
        self.counters.inc(type(event).__name__)
        for sub in self._subs:
            if isinstance(event, sub.types):
                if sub.lossy and sub.queue.full():
                    sub.queue.get_nowait()
                    sub.dropped += 1
                sub.queue.put_nowait(event)

    def consume(
        self, sub: Subscription, handler: Callable[[Event], Awaitable[None] | None]
    ) -> asyncio.Task[None]:
        """Run `handler` for each event of `sub` in a task; a failing handler is logged, not fatal."""

        async def loop() -> None:
            while True:
                event = await sub.queue.get()
                try:
                    result = handler(event)
                    if result is not None:
                        await result
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.counters.inc(f"handler_errors.{sub.name}")
                    log.exception("subscriber %s failed on %s", sub.name, type(event).__name__)

        sub.task = asyncio.create_task(loop(), name=f"bus:{sub.name}")
        return sub.task

    def pending(self) -> dict[str, int]:
        return {s.name: s.queue.qsize() for s in self._subs}
