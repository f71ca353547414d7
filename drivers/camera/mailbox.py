"""A one-slot mailbox between the capture thread and the pipeline: the newest frame wins.

A camera does not wait for a slow reader, and a lane does not want a plate from five seconds
ago: `put` replaces whatever was not taken yet (and says so, so the caller counts a drop);
`take` empties the slot. `notify` is called after every put, from the putting thread (the
driver passes `loop.call_soon_threadsafe(event.set)`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class NewestMailbox(Generic[T]):
    def __init__(self, notify: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._item: T | None = None
        self._notify = notify
        self.puts = 0
        self.dropped = 0

    def put(self, item: T) -> bool:
        """Store `item`; True when it replaced an item nobody took (a dropped frame)."""
        with self._lock:
            replaced = self._item is not None
            self._item = item
            self.puts += 1
            self.dropped += replaced
            self._ready.notify_all()
        if self._notify is not None:
            self._notify()
        return replaced

    def wait_empty(self, timeout: float) -> bool:
        """Wait until the last item was taken (back-pressure for sources that can wait)."""
        with self._lock:
            return self._ready.wait_for(lambda: self._item is None, timeout)

    def take(self) -> T | None:
        """The newest item, or None when nothing arrived since the last take."""
        with self._lock:
            item, self._item = self._item, None
            self._ready.notify_all()
            return item

    def wait(self, timeout: float) -> T | None:
        """Blocking take for threads (benchmarks, tools); None on timeout."""
        with self._lock:
            self._ready.wait_for(lambda: self._item is not None, timeout)
            item, self._item = self._item, None
            self._ready.notify_all()
            return item
