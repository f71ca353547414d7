"""A live feed of bus events for `lanectl tail`, served by polling over the control channel.

The control channel answers one request with one reply, so a live feed is a long poll: the
client asks for events after the last sequence number it saw, and the daemon answers as soon as
there is one (or after `wait` seconds with none). The feed holds the last few hundred events in
a ring; a client that falls behind is told how many it missed, never blocked on.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from edge.aio import wait_for
from edge.bus import Bus, Subscription
from edge.events import Event

RING = 500


class EventFeed:
    def __init__(self, ring: int = RING) -> None:
        self.seq = 0
        self.ring: collections.deque[tuple[int, Event]] = collections.deque(maxlen=ring)
        self._new = asyncio.Event()
        self._sub: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    def attach(self, bus: Bus) -> asyncio.Task[None]:
        self._sub = bus.subscribe("ops.feed", (Event,), maxsize=1000)
        self._task = bus.consume(self._sub, self.add)
        return self._task

    def add(self, event: Event) -> None:
        self.seq += 1
        self.ring.append((self.seq, event))
        self._new.set()
        self._new = asyncio.Event()

    async def after(self, seq: int | None, wait: float = 0.0, limit: int = 200) -> dict[str, Any]:
        """Events after `seq` (None: only the current position), waiting up to `wait` seconds."""
        if seq is None:
            return {"seq": self.seq, "events": [], "missed": 0}
        if seq >= self.seq and wait > 0:
            waiter = self._new
            try:
                await wait_for(waiter.wait(), timeout=min(wait, 10.0))
            except TimeoutError:
                pass
        events = [(s, e) for s, e in self.ring if s > seq][:limit]
        first = self.ring[0][0] if self.ring else self.seq + 1
        missed = max(0, first - seq - 1) if seq < self.seq else 0
        last = events[-1][0] if events else min(seq, self.seq)  # a restarted daemon restarts at 0
        return {"seq": last, "events": events, "missed": missed,
                "dropped": self._sub.dropped if self._sub else 0}

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
