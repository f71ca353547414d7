"""lanectl against a daemon started by the test (with edge.ops wired through the test hook)."""

from __future__ import annotations

import json
import re
import sqlite3
import tarfile
from pathlib import Path

import pytest

from edge.sim.pty_device import PtyDevice
from tests.conftest import lane_config, serial_device
from tests.ops.conftest import hook_env, jrun, seed_personal


@pytest.fixture
def running(tmp_path: Path, daemon_factory):
    pty = PtyDevice(baud=0)
    cfg = lane_config(tmp_path, serial_device("aux", pty.path))
    seed_personal(tmp_path / "lane.sqlite")
    d = daemon_factory(cfg, hook_env())
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["aux"]["state"] == "open", what="device open")
    yield d, cfg, pty
    pty.close()


def test_status_devices_outbox_metrics(running, lanectl) -> None:
    d, cfg, pty = running
    pty.write(b"one\r\ntwo\r\n\xff\xfe\r\n")  # two lines and one the device garbled
    d.wait_for(lambda s: s["devices"]["aux"]["bad_reads"] == 1, what="the garbled line")
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert code == 0, st["attention"]
    assert st["running"] is True
    v = st["versions"]
    assert v["software"] and v["model"].startswith("risk@") and len(v["config"]) == 12
    assert v["roster"] == "none"  # no reference data yet
    assert st["disk"]["free_bytes"] > 0 and st["disk"]["store_bytes"] > 0
    assert st["components"]["ops"]["config_hash"] == v["config"]
    assert (st["devices"]["aux"]["reads"], st["devices"]["aux"]["bad_reads"]) == (2, 1)
    code, out, _ = lanectl("-c", str(cfg), "status")
    assert code == 0 and "versions  software" in out and "disk " in out
    assert "\nops    retention: 0 run(s)" in out and '{"' not in out  # components in words, not JSON
    (row,) = [line.split() for line in out.splitlines() if line.startswith("aux ")]
    assert row[-3:] == ["2", "1", "0"]  # reads, bad, failures (no last error)
    code, out, _ = lanectl("-c", str(cfg), "devices")
    assert code == 0 and out.startswith("aux: line/serial open  reads 2  bad 1\n")

    code, ob = jrun(lanectl, "-c", str(cfg), "outbox", "--json")
    assert code == 0 and ob["running"] is True
    assert ob["confirmed"] == 3 and "drain_per_min_1m" in ob

    code, text, _ = lanectl("-c", str(cfg), "metrics")
    assert code == 0
    assert 'lane_edge_device_state{device="aux",state="open"} 1' in text
    assert 'lane_edge_device_reads_total{device="aux"} 2' in text
    assert 'lane_edge_device_bad_reads_total{device="aux"} 1' in text
    assert "lane_edge_outbox_backlog" in text
    assert 'lane_edge_outbox_drain_per_minute{window="15m"}' in text
    # the config changed on disk -> status asks for attention (exit 1)
    cfg.write_text(cfg.read_text() + "\n[thresholds]\nrefer_score = 0.7\n")
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert code == 1 and any("config file changed" in a for a in st["attention"])


def test_lane_open_close_mode_are_audited(running, lanectl, tmp_path: Path) -> None:
    _d, cfg, _pty = running
    code, res = jrun(lanectl, "-c", str(cfg), "lane", "close", "--json")
    assert code == 0 and res["mode"] == "closed" and res["before"]["mode"] == "open"
    code, res = jrun(lanectl, "-c", str(cfg), "lane", "mode", "fast", "--json")
    assert code == 0 and res["kind"] == "fast"
    code, res = jrun(lanectl, "-c", str(cfg), "lane", "open", "--json")
    assert res["mode"] == "open"
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert st["lane"]["mode"] == "open" and st["components"]["ops"]["lane_kind"] == "fast"
    code, out, _ = lanectl("-c", str(cfg), "audit", "export", "--since", "1h")
    entries = [json.loads(line) for line in out.splitlines()]
    assert [e["kind"] for e in entries] == ["lane_mode"] * 3
    assert entries[0]["body"]["to"] == {"mode": "closed", "kind": "nexus"}
    conn = sqlite3.connect(tmp_path / "lane.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'lane_mode'").fetchone()[0] == 3
    conn.close()
    # an unknown kind is refused by the parser before reaching the daemon
    code, _out, _err = lanectl("-c", str(cfg), "lane", "mode", "bicycle")
    assert code == 2


def test_sync_now_without_sync_component_says_so(running, lanectl) -> None:
    _d, cfg, _pty = running
    code, _out, err = lanectl("-c", str(cfg), "sync", "now")
    assert code == 1 and "no sync component" in err


def test_reload_applies_live_settings_and_refuses_the_rest(running, lanectl, tmp_path: Path) -> None:
    d, cfg, _pty = running
    base = cfg.read_text()
    cfg.write_text(base + '\n[thresholds]\nrefer_score = 0.7\n[logging]\nlevel = "DEBUG"\n')
    code, res = jrun(lanectl, "-c", str(cfg), "reload", "--json")
    assert code == 0
    assert any(c.startswith("thresholds.refer_score: 0.5 -> 0.7") for c in res["changed"])
    assert any(c.startswith("logging.level") for c in res["changed"])
    code, _st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert code == 0  # the daemon now runs the file it sees
    # a new store path needs a restart: refused, nothing applied
    cfg.write_text(base.replace("lane.sqlite", "other.sqlite") + '\n[thresholds]\nrefer_score = 0.9\n')
    code, _out, err = lanectl("-c", str(cfg), "reload")
    assert code == 1 and "store.path" in err and "restart" in err
    # SIGHUP does the same as lanectl reload (and a refused one keeps the daemon running)
    cfg.write_text(base.replace('kind = "nexus"', 'kind = "nexus"\nmode = "closed"'))
    d.proc.send_signal(1)
    d.wait_for(lambda s: s["lane"]["mode"] == "closed", what="mode closed by SIGHUP")


def test_purge_through_the_daemon_and_support_bundle(running, lanectl, tmp_path: Path) -> None:
    _d, cfg, _pty = running
    code, res = jrun(lanectl, "-c", str(cfg), "purge", "--json")
    assert code == 0 and res["running"] is True
    assert res["outbox_personal"] == 3 and res["reads_personal"] == 3 and res["bad_reads"] == 1
    conn = sqlite3.connect(tmp_path / "lane.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM reads WHERE payload LIKE '%ERIKSSON%'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%ERIKSSON%'").fetchone()[0] == 0
    assert conn.execute("SELECT kind FROM audit").fetchall() == [("purge",)]
    conn.close()
    out = tmp_path / "bundle.tar.gz"
    code, res = jrun(lanectl, "-c", str(cfg), "support-bundle", "--out", str(out), "--json")
    assert code == 0 and "status.json" in res["files"]
    import tarfile

    with tarfile.open(out) as tar:
        status = json.loads(tar.extractfile("support/status.json").read())  # type: ignore[union-attr]
    assert status["running"] is True and "aux" in status["status"]["devices"]


def test_the_daemon_applies_retention_by_itself(tmp_path: Path, daemon_factory) -> None:
    """No lanectl: personal data past its time goes on the daemon's own schedule, audited."""
    cfg = lane_config(tmp_path, extra="[retention]\ninterval_minutes = 0.005\n")
    seed_personal(tmp_path / "lane.sqlite")
    d = daemon_factory(cfg, hook_env())
    d.wait_ready()
    d.wait_for(lambda s: (s["components"]["ops"]["retention"]["last"] or {}).get("reads_personal") == 3,
               what="a retention run that scrubbed the seeded reads")
    d.wait_for(lambda s: s["components"]["ops"]["retention"]["runs"] >= 3, what="runs go on")
    conn = sqlite3.connect(tmp_path / "lane.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM reads WHERE payload LIKE '%ERIKSSON%'").fetchone()[0] == 0
    audit = conn.execute("SELECT kind, actor FROM audit").fetchall()
    conn.close()
    # audited when it changed something, not on every quiet run
    assert audit == [("purge", "daemon:retention")]


def test_tail_filters_by_device_and_type(running, lanectl) -> None:
    """At rush hour a reader sends hundreds of sightings a second: a technician looking for the
    camera's plates or a device's bad reads names them."""
    d, cfg, pty = running
    pty.write(b"one\r\n\xff\xfe\r\ntwo\r\n")
    d.wait_for(lambda s: s["devices"]["aux"]["bad_reads"] == 1, what="the garbled line")
    code, out, _ = lanectl("-c", str(cfg), "tail", "--json", "--last", "50", "--type", "badread",
                           "--count", "1", "--timeout", "5")
    events = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [(e["type"], e["device"]) for e in events] == [("BadRead", "aux")]
    code, out, _ = lanectl("-c", str(cfg), "tail", "--json", "--last", "50", "--device", "aux",
                           "--type", "LineRead", "--count", "2", "--timeout", "5")
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["one", "two"]
    code, out, _ = lanectl("-c", str(cfg), "tail", "--last", "50", "--device", "cam9", "--timeout", "1")
    assert code == 0 and out == ""


def test_devices_rate_gives_each_counters_speed_now(running, lanectl) -> None:
    """`devices --rate 1`: counters looked at twice a second apart, each with its rate (how a
    technician sees a camera's frames a second, or a reader that went quiet)."""
    import threading

    d, cfg, pty = running
    stop = threading.Event()

    def send() -> None:
        while not stop.wait(0.05):
            pty.write(b"ping\r\n")

    t = threading.Thread(target=send, daemon=True)
    t.start()
    try:
        d.wait_for(lambda s: s["devices"]["aux"]["reads"] >= 3, what="lines flowing")
        code, res = jrun(lanectl, "-c", str(cfg), "devices", "--rate", "1", "--json")
        code_text, out, _ = lanectl("-c", str(cfg), "devices", "--rate", "0.5")
    finally:
        stop.set()
        t.join(2)
    assert code == 0 and 5 <= res["aux"]["rates"]["reads"] <= 25, res["aux"]  # 20 a second sent
    assert res["aux"]["rates"]["bytes"] == pytest.approx(6 * res["aux"]["rates"]["reads"], rel=0.3)
    assert code_text == 0 and re.search(r"reads\s+\d+  \(\d+\.\d/s\)", out), out


def test_diag_on_a_device_the_daemon_has_open_warns(running, lanectl) -> None:
    """Two readers of one serial port split its bytes: diag says the daemon holds the device
    (it still looks: the technician may know better)."""
    _d, cfg, pty = running
    _code, _out, err = lanectl("-c", str(cfg), "diag", "serial", "aux", "--only", "--seconds", "0.2")
    assert "warning: the running daemon has aux open" in err and "systemctl stop lane-edge" in err
    _code, _out, err = lanectl("-c", str(cfg), "diag", "serial", pty.path, "--only", "--seconds", "0.2")
    assert "warning: the running daemon has aux open" in err  # named by its port, the same device


def test_a_typo_in_the_config_does_not_hide_the_running_daemon(running, lanectl, tmp_path: Path) -> None:
    """A technician editing lane.toml leaves a typo: status, devices and the support bundle still
    reach the daemon (which runs the config it loaded) and say that the file does not load; they
    answered only 'config.invalid', exit 2, when status was needed most."""
    _d, cfg, _pty = running
    cfg.write_text(cfg.read_text().replace("[booth]\n", '[booth]\ncolour = "blue"\n'))
    code, st = jrun(lanectl, "-c", str(cfg), "status", "--json")
    assert code == 1 and st["running"] is True and st["devices"]["aux"]["state"] == "open"
    assert any("config file does not load" in a and "booth.colour" in a for a in st["attention"])
    code, out, err = lanectl("-c", str(cfg), "devices")
    assert code == 0 and out.startswith("aux: line/serial open") and "does not load" in err
    bundle = tmp_path / "b.tar.gz"
    code, _out, _err = lanectl("-c", str(cfg), "support-bundle", "--out", str(bundle))
    assert code == 0
    with tarfile.open(bundle) as tar:
        status = json.load(tar.extractfile("support/status.json"))  # type: ignore[arg-type]
        info = json.load(tar.extractfile("support/versions.json"))  # type: ignore[arg-type]
    assert status["running"] is True and "booth.colour" in info["config_problem"]
    code, _out, err = lanectl("-c", str(cfg), "reload")  # the daemon refuses it, saying why
    assert code == 1 and "booth.colour" in err
