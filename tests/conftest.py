"""Shared fixtures: lane configs, a running daemon (subprocess) and its control socket."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from edge.control import ControlError, request
from edge.sync.brokers import BrokerProcess, mosquitto

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def lane_config(tmp: Path, devices: str = "", extra: str = "", kind: str = "nexus") -> Path:
    cfg = tmp / "lane.toml"
    cfg.write_text(
        f'[lane]\nport = "TST-0001"\nid = "L01"\nkind = "{kind}"\n'
        f'[store]\npath = "{tmp / "lane.sqlite"}"\n'
        f'[control]\nsocket = "{tmp / "control.sock"}"\n'
        "[booth]\nport = 0\n"
        f"{extra}\n{devices}"
    )
    return cfg


def serial_device(
    name: str, path: str, kind: str = "line", driver: str = "serial", framing: str = "crlf", options: str = ""
) -> str:
    text = (
        f'\n[[devices]]\nname = "{name}"\nkind = "{kind}"\ndriver = "{driver}"\n'
        f'path = "{path}"\nbaud = 9600\nframing = "{framing}"\n'
    )
    if options:
        text += f"[devices.options]\n{options}\n"
    return text


class Daemon:
    """A lane-edge daemon run as a real process, as systemd would."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.socket = config.parent / "control.sock"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edge.daemon.cli", "run", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, **(env or {})),
        )

    def wait_ready(self, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.output()}")
            try:
                st = request(self.socket, "status", timeout=1.0)
                if st.get("ready"):
                    return st
            except ControlError:
                pass
            time.sleep(0.05)
        raise AssertionError("daemon not ready in time")

    def status(self) -> dict:
        return request(self.socket, "status")

    def wait_for(self, predicate, timeout: float = 10.0, what: str = "condition") -> dict:
        deadline = time.monotonic() + timeout
        st: dict = {}
        while time.monotonic() < deadline:
            st = self.status()
            if predicate(st):
                return st
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; last status: {st}")

    def terminate(self, timeout: float = 5.0) -> tuple[int, float]:
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        return code, time.monotonic() - t0

    def output(self) -> str:
        if self.proc.poll() is None:
            return ""
        assert self.proc.stdout is not None
        return self.proc.stdout.read().decode(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def daemon_factory() -> Iterator:
    started: list[Daemon] = []

    def start(config: Path, env: dict[str, str] | None = None) -> Daemon:
        d = Daemon(config, env)
        started.append(d)
        return d

    yield start
    for d in started:
        d.kill()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """A mosquitto of the test's own on a free loopback port."""
    b = mosquitto(tmp_path / "mosq")
    b.start()
    yield b
    b.stop()


@contextmanager
def on_own_loop(start: Callable[[], Coroutine[Any, Any, object]],
                stop: Callable[[], Coroutine[Any, Any, object]]) -> Iterator[None]:
    """Serve an asyncio simulator (a reader, headquarters) from an event loop in a thread, for
    tests that drive the lane through a blocking client (lanectl in-process)."""
    loop = asyncio.new_event_loop()
    loop.run_until_complete(start())
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    try:
        yield
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        t.join(5)
        loop.close()
