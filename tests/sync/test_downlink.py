"""Downlink over a real broker: a signed roster delta applies; every bad kind is refused and reported."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import protocol_for
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sync_harness import LANE, PORT, Lane, key_hex, lane_cfg, until

from edge.sim.headquarters import Headquarters
from edge.sync.apply import Update
from edge.sync.brokers import BrokerProcess
from edge.sync.envelope import seal
from edge.sync.topics import LaneTopics

KEY = Ed25519PrivateKey.generate()
ROGUE = Ed25519PrivateKey.generate()


async def test_signed_updates_apply_and_bad_ones_are_refused_with_reasons(
        tmp_path: Path, any_broker: tuple[str, BrokerProcess]) -> None:
    engine, broker = any_broker
    proto = protocol_for(engine)
    hq = Headquarters("127.0.0.1", broker.port, protocol=proto)
    await hq.start()
    lane = Lane(lane_cfg(tmp_path, broker.port, protocol=proto, keys={"hq1": key_hex(KEY)}))
    applied: list[Update] = []
    lane.sync.appliers.register("roster", applied.append)
    await lane.start()
    topics = LaneTopics(PORT, LANE)
    led = hq.ledger(PORT, LANE)
    try:
        await lane.sync.link.wait_connected(10)  # type: ignore[union-attr]
        delta = json.dumps({"kind": "delta", "upsert": [{"card": f"N{i:08d}"} for i in range(3000)]}).encode()
        await hq.send_downlink(PORT, LANE, "roster", delta, version=10, key_id="hq1", key=KEY,
                               chunk_size=16 * 1024)
        await until(lambda: len(applied) == 1, 10, "the roster delta applied")
        assert applied[0].payload == delta and applied[0].version == 10

        # port-wide command: lane mode
        await hq.send_downlink(PORT, "all", "command", b'{"cmd":"lane_mode","mode":"closed"}', version=1,
                               key_id="hq1", key=KEY)
        await until(lambda: lane.app.mode == "closed", 10, "the lane mode command")

        async def raw(payload: bytes, dataset: str = "roster") -> None:
            await hq.link.publish(topics.down(dataset), payload)

        def sealed(**kw):  # type: ignore[no-untyped-def]
            args = {"dataset": "roster", "scope": f"{PORT}/{LANE}", "version": 11, "key_id": "hq1",
                    "key": KEY, "issued": __import__("time").time()}
            args.update(kw)
            return seal(b'{"upsert":[]}', **args)[0]

        def edit(msg: bytes, fn):  # type: ignore[no-untyped-def]
            body = json.loads(msg)
            fn(body)
            return json.dumps(body).encode()

        await raw(b"not json at all")                                                    # malformed
        await raw(edit(sealed(version=12), lambda m: m.pop("sig")))                      # unsigned
        await raw(sealed(version=13, key=ROGUE))                                          # bad_signature
        await raw(sealed(version=14, key_id="stranger", key=ROGUE))                      # unknown_key
        await raw(sealed(version=10))                                                     # replayed
        await raw(sealed(version=15, issued=1_000_000.0))                                 # expired
        await raw(seal(b"x" * 70_000, dataset="command", scope=f"{PORT}/{LANE}", version=2, key_id="hq1",
                       key=KEY, issued=__import__("time").time())[0], "command")           # oversized
        await raw(edit(sealed(version=16), lambda m: m.update(data="AAAA")))             # hash_mismatch
        await raw(sealed(version=17, scope=f"{PORT}/L04"))                                # wrong_scope
        expected = {"malformed", "unsigned", "bad_signature", "unknown_key", "replayed", "expired",
                    "oversized", "hash_mismatch", "wrong_scope"}
        await until(lambda: {r["reason"] for r in led.refusals} >= expected, 15, "every refusal reported up")
        assert len(applied) == 1, "a refused update was applied"
        assert set(lane.sync.downlink.refusals) >= expected  # type: ignore[union-attr]
        # a re-delivery of the update already applied is not a refusal
        await hq.send_downlink(PORT, LANE, "roster", b"{}", version=18, key_id="hq1", key=KEY)
        await until(lambda: len(applied) == 2, 10, "the next version")
    finally:
        await lane.stop()
        await hq.stop()


async def test_applied_versions_survive_a_restart(tmp_path: Path, broker: BrokerProcess) -> None:
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    cfg = lane_cfg(tmp_path, broker.port, keys={"hq1": key_hex(KEY)})
    applied: list[Update] = []
    for round_ in range(2):
        lane = Lane(cfg)
        lane.sync.appliers.register("lookouts", applied.append)
        await lane.start()
        await lane.sync.link.wait_connected(10)  # type: ignore[union-attr]
        await hq.send_downlink(PORT, LANE, "lookouts", b'{"v":5}', version=5, key_id="hq1", key=KEY)
        if round_ == 0:
            await until(lambda: len(applied) == 1, 10, "first apply")
        else:
            down = lane.sync.downlink
            assert down is not None
            await until(lambda d=down: d.status()["duplicates"] >= 1, 10, "dropped re-delivery")
        await lane.stop()
    assert len(applied) == 1
    await hq.stop()


async def test_a_two_million_member_roster_arrives_in_chunks_and_applies_whole(
        tmp_path: Path, broker: BrokerProcess) -> None:
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    lane = Lane(lane_cfg(tmp_path, broker.port, keys={"hq1": key_hex(KEY)}))
    applied: list[Update] = []
    lane.sync.appliers.register("roster", applied.append)
    await lane.start()
    try:
        await lane.sync.link.wait_connected(10)  # type: ignore[union-attr]
        roster = "\n".join(f"N{i:08d}" for i in range(2_000_000)).encode()
        await hq.send_downlink(PORT, LANE, "roster", roster, version=1, key_id="hq1", key=KEY,
                               kind="snapshot")
        await until(lambda: len(applied) == 1, 60, "the whole roster")
        assert applied[0].payload == roster and applied[0].kind == "snapshot"
        assert lane.sync.downlink.status()["assembling"] == 0  # type: ignore[union-attr]
    finally:
        await lane.stop()
        await hq.stop()
