"""lanectl with the daemon down: says so, and still does what it can from files."""

from __future__ import annotations

import json
import socket
import sqlite3
import tarfile
from pathlib import Path

import pytest

from edge.control import DaemonNotRunning, request
from edge.decision.refdata import Change, RefData
from tests.conftest import lane_config
from tests.ops.conftest import jrun, seed_personal


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    seed_personal(tmp_path / "lane.sqlite")
    return lane_config(tmp_path, extra='[mqtt]\npassword_file = "/etc/lane-edge/mqtt.pw"\n'
                                       'username = "lane"\n')


def test_status_is_2_with_versions_disk_and_outbox_from_files(cfg: Path, lanectl) -> None:
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert code == 2 and st["running"] is False
    assert st["error"]["code"] == "control.not_running"
    assert st["versions"]["software"] and st["disk"]["store_bytes"] > 0
    assert st["outbox"]["confirmed"] == 3
    code, out, _ = lanectl("-c", str(cfg), "status")
    assert code == 2 and "lane-edge is not running (no control socket at" in out and "versions" in out
    assert out.count("not running") == 1  # said once


def test_a_control_socket_left_behind_is_told_from_a_missing_one(tmp_path: Path) -> None:
    """A daemon killed with -9 leaves its socket file: nothing answers on it."""
    path = tmp_path / "control.sock"
    with pytest.raises(DaemonNotRunning, match="no control socket"):
        request(path, "status")
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(path))
    left.close()  # the file stays, nobody listens
    with pytest.raises(DaemonNotRunning, match=r"nothing answers on .*crashed"):
        request(path, "status")


def test_live_commands_say_the_daemon_is_down(cfg: Path, lanectl) -> None:
    for argv in (["tail"], ["lane", "open"], ["sync", "now"], ["reload"], ["metrics"]):
        code, _out, err = lanectl("-c", str(cfg), *argv)
        assert code == 2 and "not running" in err, argv


def test_outbox_purge_and_audit_export_work_on_the_file(cfg: Path, lanectl, tmp_path: Path) -> None:
    code, ob = jrun(lanectl, "-c", str(cfg), "outbox", "--json")
    assert code == 0 and ob["running"] is False and ob["confirmed"] == 3 and ob["backlog"] == 0
    code, out, _ = lanectl("-c", str(cfg), "outbox")
    assert code == 0 and "drain, last minute" in out
    code, res = jrun(lanectl, "-c", str(cfg), "purge", "--json")
    assert code == 0 and res["running"] is False and res["outbox_personal"] == 3
    conn = sqlite3.connect(tmp_path / "lane.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM reads WHERE personal = 1").fetchone()[0] == 0
    seqs = [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
    conn.close()
    # confirmed 50+ years ago: scrubbed, and past the diagnostics period too, so gone
    assert seqs == [] and res["outbox_deleted"] == 3
    code, out, err = lanectl("-c", str(cfg), "audit", "export", "--since", "2000-01-01")
    entries = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [e["kind"] for e in entries] == ["purge"] and "1 audit entry" in err
    assert entries[0]["body"]["daemon"] == "down"
    code, out, _ = lanectl("-c", str(cfg), "audit", "export", "--since", "1s")
    assert out == "" or all(json.loads(x)["kind"] == "purge" for x in out.splitlines())
    # the chain stays valid (the audit verify command of the decision layer agrees)
    assert lanectl("-c", str(cfg), "audit", "verify", "--store", str(tmp_path / "lane.sqlite"))[0] == 0
    # without --store: the config's store, as every other command that reads it
    code, out, _ = lanectl("-c", str(cfg), "audit", "verify")
    assert code == 0 and out.startswith("audit chain OK: 1 entries"), out


def test_data_info_reads_the_reference_data(cfg: Path, lanectl, tmp_path: Path) -> None:
    code, info = jrun(lanectl, "-c", str(cfg), "data", "info", "--json")
    assert code == 2 and "no reference data" in info["error"]
    rd = RefData(tmp_path / "refdata.sqlite")
    rd.apply([Change("roster", "snapshot", "2026-11-25.1", [
        {"card_id": "E2801160600002", "programme": "NEXUS", "surname": "X", "given_names": "Y",
         "status": "active", "plates": []}])])
    rd.close()
    code, info = jrun(lanectl, "-c", str(cfg), "data", "info", "--json")
    assert code == 0
    assert info["datasets"]["roster"] == {**info["datasets"]["roster"], "version": "2026-11-25.1",
                                          "count": 1}
    assert info["datasets"]["lookouts"]["version"] == "none"
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert st["versions"]["roster"] == "2026-11-25.1"
    code, out, _ = lanectl("-c", str(cfg), "data", "info")
    assert "2026-11-25.1" in out and "records" in out


def test_model_info_and_verify(lanectl) -> None:
    code, res = jrun(lanectl, "model", "verify", "--json")
    assert code == 0 and res["ok"] is True
    risk = next(m for m in res["models"] if m["name"].endswith("risk.onnx"))
    assert risk["matches_card"] is True and risk["load"] == "ok"
    # every shipped model has its card, found by its title where a folder holds two cards
    assert all(m["card"] and m["matches_card"] is True for m in res["models"]), res["models"]
    det = next(m for m in res["models"] if m["name"].endswith("plate_detector.onnx"))
    assert det["card"].startswith("DETECTOR_CARD.md: plate_detector.onnx")
    code, out, _ = lanectl("model", "info")
    assert code == 0 and "matches" in out


def test_support_bundle_without_daemon_has_config_without_secrets(cfg: Path, lanectl,
                                                                   tmp_path: Path) -> None:
    cfg.write_text(cfg.read_text() + '\n[[devices]]\nname = "cam"\nkind = "line"\ndriver = "serial"\n'
                   'path = "rtsp://admin:hunter2@10.0.0.5/stream"\n')
    out = tmp_path / "b.tar.gz"
    code, _res = jrun(lanectl, "-c", str(cfg), "support-bundle", "--out", str(out), "--json")
    assert code == 0
    with tarfile.open(out) as tar:
        conf = tar.extractfile("support/config.toml").read().decode()  # type: ignore[union-attr]
        status = json.loads(tar.extractfile("support/status.json").read())  # type: ignore[union-attr]
        store = json.loads(tar.extractfile("support/store.json").read())  # type: ignore[union-attr]
    assert "hunter2" not in conf and "rtsp://<redacted>@10.0.0.5" in conf
    assert 'password_file = "/etc/lane-edge/mqtt.pw"' in conf  # a path, not a secret
    assert status["running"] is False
    assert store["summary"]["rows"]["reads"] == 3 and "payload" not in json.dumps(store)


def test_a_config_that_is_not_toml_says_so_not_that_it_is_missing(tmp_path: Path, lanectl) -> None:
    """Commands that talk to the daemon read a broken config's socket path alone; when even that
    cannot be read, they say the file does not load (not 'no config at ...')."""
    broken = tmp_path / "lane.toml"
    broken.write_text("[lane\n")
    code, _out, err = lanectl("-c", str(broken), "status")
    assert code == 2 and "[config.invalid]" in err and "not valid TOML" in err and "pass --socket" in err
    assert "no config at" not in err
