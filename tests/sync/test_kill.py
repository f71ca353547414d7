"""SIGKILL the lane's sync at random points while it drains: every event exactly once, no gap."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import fill_outbox, outbox_states
from sync_harness import LANE, PORT, lane_cfg, until

from edge.sim.headquarters import Headquarters
from edge.store import Store
from edge.sync.brokers import BrokerProcess

PROC = Path(__file__).with_name("uplink_proc.py")
EVENTS = 10_000


async def test_sigkill_while_draining_loses_and_duplicates_nothing(
        tmp_path: Path, broker: BrokerProcess) -> None:
    cfg = lane_cfg(tmp_path, broker.port)
    store = Store(cfg.store.path)
    store.open()
    await fill_outbox(store, EVENTS)
    store.close()
    hq = Headquarters("127.0.0.1", broker.port, ack_interval_s=0.02, gap_timeout_s=0.3)
    await hq.start()
    led = hq.ledger(PORT, LANE)
    rng = random.Random(7)
    kills = 0
    started = time.monotonic()
    proc: subprocess.Popen[bytes] | None = None
    try:
        while led.hw < EVENTS and time.monotonic() - started < 90:
            proc = subprocess.Popen([sys.executable, str(PROC), str(cfg.store.path), str(broker.port)],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            mark = led.received
            target = rng.randint(100, 350)  # kill after this many more arrivals, then a random moment
            deadline = time.monotonic() + 15
            while led.received - mark < target and led.hw < EVENTS and time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise AssertionError(proc.stdout.read().decode() if proc.stdout else "exited")  # type: ignore[union-attr]
                await asyncio.sleep(0.005)
            await asyncio.sleep(rng.random() * 0.03)
            if led.hw < EVENTS and kills < 40:
                proc.send_signal(signal.SIGKILL)
                kills += 1
                proc.wait()
                continue
            await until(lambda: led.hw == EVENTS, 30, "the rest after the last kill")
            await until(lambda: outbox_states(cfg.store.path) == {"confirmed": EVENTS}, 10, "all confirmed")
            proc.send_signal(signal.SIGTERM)
            proc.wait(5)
        assert kills >= 20, f"only {kills} kills"
        assert led.hw == EVENTS
        assert len(led.seen) == EVENTS and led.delivered == list(range(1, EVENTS + 1))
        assert not led.missing()
        print(f"{kills} kills, {led.received} received, {led.dups} copies dropped by event id")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        await hq.stop()
