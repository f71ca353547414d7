"""The daemon as a whole: simulated RFID traffic -> crossings -> recommendations -> audit, outbox."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from edge.control import request
from edge.decision.audit import verify_chain
from edge.sim.pty_device import PtyDevice
from edge.sim.rfid_reader import SerialRfidReaderSim
from edge.sim.rfid_traffic import TrafficPlan, make_traffic
from tests.conftest import lane_config, serial_device

PLAN = TrafficPlan(vehicles=4, occupants=(1, 3), seed=5, spacing_s=(1.6, 2.0), pass_s=(0.6, 0.9),
                   read_interval_s=0.05, neighbour_vehicles=0.5)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_rfid_traffic_becomes_recommended_audited_crossings(tmp_path: Path, daemon_factory) -> None:
    traffic = make_traffic(PLAN)
    pty = PtyDevice(baud=0)
    sim = SerialRfidReaderSim(pty, traffic, live_clock=True)
    extra = "[thresholds]\nvehicle_gap_s = 0.8\nlane_antennas = [1, 2]\n"
    reader = serial_device("rfid1", pty.path, kind="rfid", options='profile = "csv"')
    cfg = lane_config(tmp_path, reader, extra=extra)
    d = daemon_factory(cfg)
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["rfid1"]["state"] == "open", what="reader open")
    sim.run(speed=1.0)
    st = d.wait_for(lambda s: s["components"]["lane"]["crossings"] >= len(traffic.truth)
                    and s["components"]["lane"]["recommendations"] >= len(traffic.truth),
                    timeout=20, what="every vehicle's crossing and recommendation")
    assert st["components"]["lane"]["model_fault"] is None
    crossings = request(d.socket, "crossings")
    found = [sorted(c["epc"] for c in x["cards"]) for x in crossings["active"] + crossings["recent"]]
    assert sorted(found) == sorted(sorted(cards) for cards in traffic.truth.values())
    for x in crossings["active"]:
        assert x["recommendation"]["action"] == "refer"  # no roster loaded: nobody is a member
        assert x["recommendation"]["reasons"]
    time.sleep(0.3)
    assert d.terminate()[0] == 0
    db = tmp_path / "lane.sqlite"
    kinds = [k for (k,) in rows(db, "SELECT kind FROM outbox ORDER BY seq")]
    assert kinds.count("recommendation") >= len(traffic.truth)
    assert rows(db, "SELECT COUNT(*) FROM crossings")[0][0] == len(traffic.truth)
    conn = sqlite3.connect(db)
    result = verify_chain(conn)
    conn.close()
    assert result.ok, result
