"""A lane for the sync tests: real store, real SyncComponent, minimal app around them."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from edge.config import Config, check_config
from edge.store import Store
from edge.sync.component import SyncComponent

PORT, LANE = "CA-0427", "L03"


def key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def lane_cfg(tmp: Path, broker_port: int, *, protocol: str = "5", keys: dict[str, str] | None = None,
             mqtt_extra: dict[str, Any] | None = None, lane: str = LANE) -> Config:
    data = {"lane": {"port": PORT, "id": lane, "kind": "nexus"},
            "store": {"path": str(tmp / f"{lane}.sqlite")},
            "mqtt": {"enabled": True, "host": "127.0.0.1", "port": broker_port, "protocol": protocol,
                     "trusted_keys": keys or {}, **(mqtt_extra or {})},
            "retention": {"personal_hours": 1.0}}
    cfg, problems = check_config(data)
    assert cfg is not None, problems
    return cfg


class FakeApp:
    """What SyncComponent uses of edge.daemon.app.App."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.store = Store(cfg.store.path)
        self.mode = cfg.lane.mode
        self.started = time.time()

    def status(self, *, with_outbox: bool = True) -> dict[str, Any]:
        return {"devices": {"mrz": {"state": "open", "reads": 3, "bad_reads": 1, "last_read": 12.5}},
                "events": {"LineRead": 3}}


class Lane:
    def __init__(self, cfg: Config, **component_kw: Any) -> None:
        self.app = FakeApp(cfg)
        self.sync = SyncComponent(**component_kw)

    async def start(self) -> None:
        await asyncio.to_thread(self.app.store.open)
        await self.sync.start(self.app)  # type: ignore[arg-type]

    async def stop(self) -> None:
        await self.sync.stop()
        await asyncio.to_thread(self.app.store.close)


async def until(cond: Any, timeout: float, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
