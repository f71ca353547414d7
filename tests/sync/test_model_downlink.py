"""Signed risk-model updates through a real mosquitto into a running lane daemon.

A good model swaps the live scorer (new recommendations carry its version), lands in the model
folder with the previous one kept, shows in status and the audit log, and survives a restart.
A corrupt, mismatched or wrongly signed one is refused with its reason and the old model keeps
scoring.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lane_daemon import LaneDaemon, model_bytes, write_config
from sync_harness import LANE, PORT, key_hex, until

from edge.models.installed import POINTER
from edge.sim.headquarters import Headquarters
from edge.sync.brokers import BrokerProcess
from edge.sync.model_apply import ModelMeta, encode, encode_file

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def audit_kinds(store: Path) -> list[tuple[str, str, dict]]:
    with sqlite3.connect(store) as conn:
        rows = conn.execute("SELECT kind, actor, body FROM audit ORDER BY seq").fetchall()
    return [(k, a, json.loads(b)) for k, a, b in rows]


@contextlib.asynccontextmanager
async def hq_and_lane(tmp_path: Path,
                      broker: BrokerProcess) -> AsyncIterator[tuple[Headquarters, LaneDaemon]]:
    """Headquarters and a lane daemon that trusts its key, both on the test's broker."""
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    lane = LaneDaemon(write_config(tmp_path, broker.port, {"hq1": key_hex(KEY)}))
    await lane.start()
    try:
        yield hq, lane
    finally:
        await lane.stop()
        await hq.stop()


async def test_model_update_swaps_refuses_bad_ones_and_survives_restart(
        tmp_path: Path, broker: BrokerProcess) -> None:
    cfg_path = write_config(tmp_path, broker.port, {"hq1": key_hex(KEY)})
    hq = Headquarters("127.0.0.1", broker.port)
    await hq.start()
    lane = LaneDaemon(cfg_path)
    await lane.start()
    led = hq.ledger(PORT, LANE)

    async def send(payload: bytes, version: int, key: Ed25519PrivateKey = KEY) -> None:
        await hq.send_downlink(PORT, LANE, "model", payload, version=version, key_id="hq1", key=key,
                               kind="snapshot")

    async def refused(reason: str) -> None:
        await until(lambda: any(r["reason"] == reason for r in led.refusals), 10, f"refusal {reason}")

    try:
        before = lane.recommend()
        assert before.versions["model"].startswith("risk-lr-1@")
        assert lane.app.status()["components"]["lane"]["model_info"]["source"] == "shipped"

        v2 = model_bytes(version="2", bias=5.0)  # scores everything high: refers
        await send(encode_file(v2, name="risk-test", version="2", schema="risk-features/1"), 1)
        sha2 = hashlib.sha256(v2).hexdigest()
        await until(lambda: lane.lane.engine.scorer.version.startswith("risk-test-2@"), 10, "the swap")  # type: ignore[union-attr]
        after = lane.recommend()
        assert after.versions["model"] == f"risk-test-2@{sha2[:12]}"
        assert after.action == "refer" and after.score is not None and after.score > 0.99
        info = lane.app.status()["components"]["lane"]["model_info"]
        assert (info["name"], info["model_version"], info["sha256"], info["source"]) == (
            "risk-test", "2", sha2, "hq")
        models = tmp_path / "models"
        assert (models / f"risk-test-2-{sha2[:12]}.onnx").read_bytes() == v2
        pointer = json.loads((models / POINTER).read_text())
        assert pointer["current"]["sha256"] == sha2
        assert pointer["previous"]["version"].startswith("risk-lr-1@")  # the shipped one, kept in place
        change = [b for k, a, b in audit_kinds(tmp_path / "lane.sqlite") if k == "model_change"]
        assert len(change) == 1 and change[0]["to"]["sha256"] == sha2
        assert change[0]["update"]["key_id"] == "hq1"

        # refused, each with its own reason; the v2 model keeps scoring
        garbage = b"\x08\x07not an onnx file" * 50
        await send(encode_file(garbage, name="risk-test", version="3", schema="risk-features/1"), 2)
        await refused("model_corrupt")
        good3 = model_bytes(version="3")
        wrong_sha = encode(ModelMeta("risk-test", "3", hashlib.sha256(b"x").hexdigest(), "risk-features/1"),
                           good3)
        await send(wrong_sha, 3)
        await refused("model_hash_mismatch")
        await send(encode_file(good3, name="risk-test", version="3", schema="risk-features/2"), 4)
        await refused("model_schema_mismatch")
        other_schema = model_bytes(version="3", schema="risk-features/2")  # the file says so itself
        await send(encode_file(other_schema, name="risk-test", version="3", schema="risk-features/1"), 5)
        await until(lambda: sum(r["reason"] == "model_schema_mismatch" for r in led.refusals) == 2, 10,
                    "the file's own schema refused")
        narrow = model_bytes(version="3", n=5)  # inputs do not fit the feature vector
        await send(encode_file(narrow, name="risk-test", version="3", schema="risk-features/1"), 6)
        await until(lambda: sum(r["reason"] == "model_schema_mismatch" for r in led.refusals) == 3, 10,
                    "the narrow model refused")
        await send(encode_file(good3, name="risk-other", version="3", schema="risk-features/1"), 7)
        await refused("model_metadata_mismatch")
        await send(encode_file(good3, name="risk-test", version="3", schema="risk-features/1"), 8, OTHER)
        await refused("bad_signature")
        assert lane.recommend().versions["model"] == f"risk-test-2@{sha2[:12]}"
        assert lane.lane.engine.scorer.ready  # type: ignore[union-attr]
        assert sorted(p.name for p in models.glob("*.onnx")) == [f"risk-test-2-{sha2[:12]}.onnx"]
        kinds = [k for k, _a, _b in audit_kinds(tmp_path / "lane.sqlite")]
        assert kinds.count("model_refused") == 6  # the bad signature never reached the applier

        # a good v3: v2 stays as the previous file
        await send(encode_file(good3, name="risk-test", version="3", schema="risk-features/1"), 9)
        await until(lambda: lane.lane.engine.scorer.version.startswith("risk-test-3@"), 10, "v3")  # type: ignore[union-attr]
        assert len(list(models.glob("*.onnx"))) == 2
    finally:
        await lane.stop()

    # a restart starts on the last accepted model
    again = LaneDaemon(cfg_path)
    await again.start()
    try:
        sha3 = hashlib.sha256(good3).hexdigest()
        assert again.recommend().versions["model"] == f"risk-test-3@{sha3[:12]}"
        assert again.app.status()["components"]["lane"]["model_info"]["update_version"] == 9
    finally:
        await again.stop()
        await hq.stop()


async def test_a_tampered_accepted_model_falls_back_to_the_shipped_one(
        tmp_path: Path, broker: BrokerProcess) -> None:
    async with hq_and_lane(tmp_path, broker) as (hq, lane):
        v2 = model_bytes(version="2")
        await hq.send_downlink(PORT, LANE, "model", encode_file(v2, name="risk-test", version="2",
                                                                 schema="risk-features/1"),
                               version=1, key_id="hq1", key=KEY)
        await until(lambda: lane.lane.engine.scorer.version.startswith("risk-test-2@"), 10, "the swap")  # type: ignore[union-attr]
        cfg_path = lane.config_path
    (path,) = (tmp_path / "models").glob("*.onnx")
    path.write_bytes(path.read_bytes()[:-10])  # not the file headquarters signed any more
    again = LaneDaemon(cfg_path)
    await again.app.start()
    try:
        assert again.recommend().versions["model"].startswith("risk-lr-1@")
        assert again.app.status()["components"]["lane"]["model_info"]["source"] == "shipped"
    finally:
        await again.stop()


async def test_a_lane_mode_command_goes_the_technicians_way(tmp_path: Path, broker: BrokerProcess) -> None:
    """Headquarters closes the lane: audited with its key as actor, queued up, like lanectl."""
    async with hq_and_lane(tmp_path, broker) as (hq, lane):
        await hq.send_downlink(PORT, LANE, "command", b'{"cmd":"lane_mode","mode":"closed"}',
                               version=1, key_id="hq1", key=KEY)
        await until(lambda: lane.app.mode == "closed", 10, "the lane closed")
        await until(lambda: "lane_mode" in [k for k, _a, _b in audit_kinds(tmp_path / "lane.sqlite")],
                    10, "the audit entry")
        (entry,) = [(k, a) for k, a, _b in audit_kinds(tmp_path / "lane.sqlite") if k == "lane_mode"]
        assert entry == ("lane_mode", "hq:hq1")
