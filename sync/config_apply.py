"""Downlink -> lane settings: the `config` data set's payload, and the route to whoever applies it.

Payload: JSON `{"settings": {table: {key: value}}}`, shaped like the lane's TOML config, e.g.
`{"settings": {"thresholds": {"refer_score": 0.6}, "retention": {"personal_hours": 48}}}`.
A `snapshot` replaces headquarters' whole overlay (settings it leaves out go back to the lane's
file); a `delta` changes only what it names, and a `null` value removes that setting from the
overlay. Which settings headquarters may change, and how they are validated and applied,
belongs to the daemon (`edge.ops.remote_config.ConfigUpdater`), which this module routes to.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from edge.sync.apply import Appliers, Update
from edge.sync.envelope import Reason, Refused

DATASET = "config"


def encode(settings: Mapping[str, Any]) -> bytes:
    """Headquarters' side (simulator, tests): the payload `decode` reads."""
    return json.dumps({"settings": settings}, separators=(",", ":")).encode()


def decode(payload: bytes) -> dict[str, Any]:
    """The settings tables; raises `Refused(malformed)`."""
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        raise Refused(Reason.MALFORMED, "config update is not JSON") from err
    if not isinstance(body, dict) or set(body) != {"settings"} or not isinstance(body["settings"], dict):
        raise Refused(Reason.MALFORMED, 'config update must be {"settings": {...}}')
    settings: dict[str, Any] = body["settings"]
    return settings


def register_config(appliers: Appliers, apply: Callable[[dict[str, Any], Update], Awaitable[None]]) -> None:
    """Route the `config` data set: decode the payload, then hand it to `apply`."""

    async def applier(update: Update) -> None:
        await apply(decode(update.payload), update)

    appliers.register(DATASET, applier)
