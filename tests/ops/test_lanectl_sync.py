"""`lanectl sync now` against a daemon syncing with headquarters over a real mosquitto."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.sim.headquarters import Headquarters
from edge.sync.brokers import BrokerProcess
from tests.conftest import lane_config, on_own_loop
from tests.ops.conftest import hook_env, jrun, seed_personal


@pytest.fixture
def headquarters(broker: BrokerProcess) -> Iterator[Headquarters]:
    """The simulated headquarters (it acknowledges what it stores), on its own event loop."""
    hq = Headquarters("127.0.0.1", broker.port)
    with on_own_loop(hq.start, hq.stop):
        yield hq


def test_sync_now_sends_the_outbox_and_says_it_is_confirmed(
        tmp_path: Path, broker: BrokerProcess, headquarters: Headquarters, daemon_factory, lanectl) -> None:
    """It used to answer 'this daemon has no sync component' from every daemon that had one."""
    mqtt = f'[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\n'
    cfg = lane_config(tmp_path, extra=mqtt)
    seed_personal(tmp_path / "lane.sqlite", confirmed=False)  # three events headquarters never had
    d = daemon_factory(cfg, hook_env())
    d.wait_ready()
    code, res = jrun(lanectl, "-c", str(cfg), "sync", "now", "--json")
    assert code == 0 and res["link"]["state"] == "connected", res
    assert res["unconfirmed_after"] == 0
    code, out, _err = lanectl("-c", str(cfg), "sync", "now")
    assert code == 0 and f"sync: connected to 127.0.0.1:{broker.port}\n" in out
    assert re.search(r"outbox: \d+ unconfirmed before, 0 after \d", out), out


def test_sync_now_with_headquarters_away_says_what_waits(tmp_path: Path, broker: BrokerProcess,
                                                         daemon_factory, lanectl) -> None:
    """Connected to the broker but nobody acknowledges: exit 1, and how many events wait."""
    mqtt = f'[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\n'
    cfg = lane_config(tmp_path, extra=mqtt)
    seed_personal(tmp_path / "lane.sqlite", confirmed=False)
    d = daemon_factory(cfg, hook_env())
    d.wait_ready()
    code, out, _err = lanectl("-c", str(cfg), "sync", "now", "--wait", "3")
    assert code == 1 and "sync: connected to" in out, out
    m = re.search(r"outbox: (\d+) unconfirmed before, (\d+) after", out)
    assert m is not None and int(m.group(2)) >= 3, out
