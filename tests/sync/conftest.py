"""Real brokers for the sync tests: mosquitto (plain and mTLS) and a second engine (NATS MQTT)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.store import Store
from edge.store.writer import enqueue_outbox
from edge.sync.brokers import BrokerPki, BrokerProcess, make_pki, mosquitto, nats, nats_available

sys.path.insert(0, str(Path(__file__).parent))  # the sync tests' helpers (sync_harness)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> BrokerPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(params=["mosquitto", "nats"])
def any_broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, BrokerProcess]]:
    """The core suite runs on mosquitto and on a clusterable second engine (NATS JetStream MQTT)."""
    if request.param == "nats":
        if not nats_available():
            pytest.skip("nats-server not installed: the second-engine run needs /usr/sbin/nats-server")
        b = nats(tmp_path / "nats")
    else:
        b = mosquitto(tmp_path / "mosq")
    b.start(timeout=20)
    yield request.param, b
    b.stop()


def protocol_for(engine: str) -> str:
    """NATS server speaks MQTT 3.1.1 only."""
    return "3.1.1" if engine == "nats" else "5"


async def fill_outbox(store: Store, n: int, *, kind: str = "crossing", personal: bool = False) -> None:
    for start in range(0, n, 1000):
        def write(db, start=start):  # type: ignore[no-untyped-def]
            for i in range(start, min(n, start + 1000)):
                enqueue_outbox(db, kind=kind, topic=kind, payload={"n": i, "pad": "x" * 64},
                               personal=personal)
        await store.write(write)


def outbox_states(path: Path) -> dict[str, int]:
    import sqlite3
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())


def dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))
