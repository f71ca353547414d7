"""Supervision in-process: a driver that throws on every read never takes the daemon down."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from edge.config import load_config
from edge.control import request
from edge.daemon.app import App, AppOptions
from edge.daemon.notify import Notifier
from edge.drivers.base import Driver
from edge.drivers.registry import REGISTRY, DriverEntry
from edge.errors import DeviceError
from edge.events import LineRead
from edge.supervisor import RestartPolicy
from tests.conftest import lane_config


class ExplodingDriver(Driver):
    """Fake device whose every read raises (a firmware that answers nonsense)."""

    async def run(self) -> None:
        await asyncio.sleep(0.01)
        raise DeviceError("reader answered nonsense", code="device.protocol")


class TickingDriver(Driver):
    async def run(self) -> None:
        from edge.events import DeviceState

        self.ctx.set_state(DeviceState.OPEN)
        n = 0
        while True:
            n += 1
            self.ctx.counters.inc("reads")
            self.ctx.emit(LineRead(ts=self.ctx.clock(), device=self.device.name, text=f"t{n}"))
            await asyncio.sleep(0.01)


def _registry() -> dict[tuple[str, str], DriverEntry]:
    reg = dict(REGISTRY)
    reg[("line", "exploding")] = DriverEntry(f"{__name__}:ExplodingDriver", "nothing", "test")
    reg[("line", "ticking")] = DriverEntry(f"{__name__}:TickingDriver", "nothing", "test")
    return reg


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("edge.drivers.registry.REGISTRY", _registry())
    devices = (
        '\n[[devices]]\nname = "bad"\nkind = "line"\ndriver = "exploding"\n'
        '\n[[devices]]\nname = "good"\nkind = "line"\ndriver = "ticking"\n'
    )
    return load_config(lane_config(tmp_path, devices))


async def test_failing_driver_is_restarted_and_reported(config) -> None:
    app = App(
        config,
        AppOptions(registry=_registry(), restart_policy=RestartPolicy(initial=0.01, maximum=0.05, budget=3)),
    )
    await app.start()
    try:
        await asyncio.sleep(0.6)
        st = await asyncio.to_thread(request, config.control_socket, "status")
        bad, good = st["devices"]["bad"], st["devices"]["good"]
        assert bad["state"] == "failed"  # past its restart budget
        assert bad["failures"] >= 4
        assert bad["last_error_code"] == "device.protocol"
        assert "nonsense" in bad["last_error"]
        assert good["state"] == "open"
        assert good["counters"]["reads"] > 10
    finally:
        await app.stop()


async def test_watchdog_and_ready_are_sent(config, tmp_path: Path, monkeypatch) -> None:
    addr = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(addr))
    sock.setblocking(False)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    app = App(config, AppOptions(registry=_registry(), notifier=Notifier(str(addr))))
    await app.start()
    await asyncio.sleep(0.3)
    msgs = []
    while True:
        try:
            msgs.append(sock.recv(1024).decode())
        except BlockingIOError:
            break
    assert msgs[0].startswith("WATCHDOG=1") or any("READY=1" in m for m in msgs)
    assert any("READY=1" in m and "STATUS=" in m for m in msgs)
    assert sum("WATCHDOG=1" in m for m in msgs) >= 3
    # a stuck loop stops the pings: block it and see none arrive meanwhile
    import time

    time.sleep(0.3)  # deliberately blocks the event loop
    stuck = []
    while True:
        try:
            stuck.append(sock.recv(1024).decode())
        except BlockingIOError:
            break
    assert sum("WATCHDOG=1" in m for m in stuck) <= 1
    await app.stop()
    sock.close()
