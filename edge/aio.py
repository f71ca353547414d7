"""asyncio helpers the daemon needs on Python 3.11.

`wait_for`: Python 3.11's `asyncio.wait_for` can swallow a cancellation that arrives while the
awaited future is completing (CPython gh-86296, fixed in 3.12 by rebuilding it on
`asyncio.timeout`). A loop that calls it then never stops: `App.stop()` cancels its task and
waits for it forever. This one is built on `asyncio.timeout` as 3.12's is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def wait_for(aw: Awaitable[T], timeout: float | None) -> T:  # noqa: ASYNC109
    """`await aw` for at most `timeout` seconds (None: no limit); TimeoutError after that."""
    async with asyncio.timeout(timeout):
        return await aw
