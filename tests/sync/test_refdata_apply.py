"""A signed roster snapshot and delta, through the downlink, into the decision layer's RefData."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_harness import LANE, PORT, Lane, key_hex, lane_cfg, until

from edge.decision.refdata import RefData
from edge.sim.headquarters import Headquarters
from edge.sync.brokers import BrokerProcess
from edge.sync.refdata_apply import encode, register_refdata

KEY = Ed25519PrivateKey.generate()


def member(card: str, status: str = "active") -> dict:
    return {"card_id": card, "programme": "NEXUS", "surname": "TEST", "given_names": "A",
            "birth_date": "1980-01-01", "status": status, "expiry": "2030-01-01", "plates": []}


async def test_roster_snapshot_then_delta_land_in_refdata(tmp_path: Path, broker: BrokerProcess) -> None:
    refdata = RefData(tmp_path / "refdata.sqlite")
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    lane = Lane(lane_cfg(tmp_path, broker.port, keys={"hq1": key_hex(KEY)}))
    register_refdata(lane.sync.appliers, refdata)
    await lane.start()
    try:
        await lane.sync.link.wait_connected(10)  # type: ignore[union-attr]
        snap = encode([member(f"N{i:07d}") for i in range(1000)])
        await hq.send_downlink(PORT, LANE, "roster", snap, version=1, key_id="hq1", key=KEY, kind="snapshot")
        await until(lambda: refdata.versions().get("roster") == "1", 10, "the snapshot")
        assert refdata.count("roster") == 1000
        delta = encode([member("N9999999"), {"card_id": "N0000000", "op": "delete"}], from_version="1")
        await hq.send_downlink(PORT, LANE, "roster", delta, version=2, key_id="hq1", key=KEY)
        await until(lambda: refdata.versions().get("roster") == "2", 10, "the delta")
        assert refdata.count("roster") == 1000
        # a delta on a version not in force is refused (apply_failed), nothing applied
        bad = encode([member("N8888888")], from_version="1")
        await hq.send_downlink(PORT, LANE, "roster", bad, version=3, key_id="hq1", key=KEY)
        led = hq.ledger(PORT, LANE)
        await until(lambda: any(r["reason"] == "apply_failed" for r in led.refusals), 10, "the refusal")
        assert refdata.versions().get("roster") == "2" and refdata.count("roster") == 1000
    finally:
        await lane.stop()
        await hq.stop()
