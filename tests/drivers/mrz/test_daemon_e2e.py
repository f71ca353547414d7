"""End to end: simulated scanner on a pty at 9600 baud -> daemon -> store and `lanectl status`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from edge.drivers.registry import REGISTRY
from edge.sim.mrz_scanner import SimulatedScanner
from tests.conftest import lane_config, serial_device

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)

pytestmark = pytest.mark.skipif(
    ("mrz_scanner", "serial") not in REGISTRY,
    reason="driver not registered yet: edge.drivers.registry needs ('mrz_scanner', 'serial')",
)


def stored_documents(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT payload FROM reads WHERE kind = 'document' ORDER BY id")
        return [json.loads(payload) for (payload,) in rows]
    finally:
        conn.close()


@pytest.mark.parametrize("framing", ["crlf", "3m"])
def test_scanned_passport_reaches_the_store_and_status(tmp_path, daemon_factory, framing):
    with SimulatedScanner(framing, baud=9600, seed=3) as sim:
        devices = serial_device("mrz", sim.path, kind="mrz_scanner", framing=framing)
        d = daemon_factory(lane_config(tmp_path, devices))
        d.wait_ready()
        d.wait_for(lambda s: s["devices"]["mrz"]["state"] == "open", what="scanner open")
        sim.scan(TD3)
        sim.write_paced(b"\x02\x01garbage")  # noise between reads
        sim.scan()
        st = d.wait_for(lambda s: s["devices"]["mrz"]["counters"].get("documents") == 2, what="2 documents")
        assert st["devices"]["mrz"]["counters"]["reads"] == 2
        assert d.terminate()[0] == 0
    docs = stored_documents(tmp_path / "lane.sqlite")
    assert [doc["valid"] for doc in docs] == [True, True]
    assert docs[0]["document_number"] == "L898902C3"
    assert docs[0]["mrz"] == list(TD3)
