"""The live feed: Server-Sent Events from `BoothState` changes to every open booth page.

Each page gets a bounded queue. On connect it first gets `retry:` (how soon its browser should
reconnect) and a full `snapshot`, then each change; a `heartbeat` event every few seconds lets the
page tell a quiet lane from a dead daemon. A page too slow to keep up is disconnected (its
browser reconnects and gets a fresh snapshot) rather than served stale data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from edge.aio import wait_for
from edge.booth.http import Request, encode_head
from edge.booth.state import BoothState
from edge.counters import Counters

log = logging.getLogger(__name__)

RETRY_MS = 1000
QUEUE_MAX = 256
_CLOSE: tuple[str, dict[str, Any]] = ("__close__", {})


def sse_message(kind: str, data: Any, event_id: int | None = None) -> bytes:
    text = json.dumps(data, separators=(",", ":"), default=str)
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {kind}\ndata: {text}\n\n".encode()


class LiveFeed:
    def __init__(self, state: BoothState, heartbeat_s: float = 5.0) -> None:
        self.state = state
        self.heartbeat_s = heartbeat_s
        self.clients: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        self.counters = Counters()
        self.seq = 0
        state.listeners.append(self.publish)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        self.counters.inc("events")
        for q in list(self.clients):
            if q.full():
                self.counters.inc("slow_clients_dropped")
                self.clients.discard(q)
                while not q.empty():
                    q.get_nowait()
                q.put_nowait(_CLOSE)
                continue
            q.put_nowait((kind, data))

    async def serve(self, req: Request, writer: asyncio.StreamWriter) -> None:
        q: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_MAX)
        self.clients.add(q)
        self.counters.inc("connects")
        try:
            writer.write(encode_head(200, {"Content-Type": "text/event-stream; charset=utf-8",
                                           "Connection": "keep-alive", "X-Accel-Buffering": "no"}))
            writer.write(f"retry: {RETRY_MS}\n\n".encode())
            writer.write(self._next("snapshot", self.state.snapshot()))
            if req.method == "HEAD":
                return
            await writer.drain()
            while True:
                try:
                    kind, data = await wait_for(q.get(), self.heartbeat_s)
                except TimeoutError:
                    kind, data = "heartbeat", {"now": self.state.clock()}
                if kind == _CLOSE[0]:
                    return
                writer.write(self._next(kind, data))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.clients.discard(q)

    def _next(self, kind: str, data: Any) -> bytes:
        self.seq += 1
        return sse_message(kind, data, self.seq)

    def close_all(self) -> None:
        for q in list(self.clients):
            with contextlib.suppress(asyncio.QueueFull):
                q.put_nowait(_CLOSE)
        self.clients.clear()
