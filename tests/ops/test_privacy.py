"""Nothing in `tail`, the daemon's logs or the support bundle carries a name, document number or
birth date after a run with personal data in the store and MRZ text on a device line."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

from edge.sim.pty_device import PtyDevice
from tests.conftest import lane_config, serial_device
from tests.ops.conftest import MRZ_LINES, PERSONAL_STRINGS, hook_env, seed_personal


def leaks(text: str) -> list[str]:
    return [s for s in PERSONAL_STRINGS if s in text]


def test_tail_logs_and_bundle_hold_no_personal_data(tmp_path: Path, daemon_factory, lanectl) -> None:
    pty = PtyDevice(baud=0)
    cfg = lane_config(tmp_path, serial_device("mrz", pty.path),
                      extra='[logging]\nlevel = "DEBUG"\n')
    seed_personal(tmp_path / "lane.sqlite", confirmed=False)
    d = daemon_factory(cfg, hook_env())
    d.wait_ready()
    d.wait_for(lambda s: s["devices"]["mrz"]["state"] == "open", what="device open")
    for _ in range(2):
        pty.write(("\r\n".join(MRZ_LINES) + "\r\n").encode(), paced=False)
    d.wait_for(lambda s: s["devices"]["mrz"]["counters"].get("reads") == 4, what="4 reads")

    code, out, _err = lanectl("-c", str(cfg), "tail", "--json", "--last", "50", "--count", "5")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["type"] for e in events].count("LineRead") == 4
    assert leaks(out) == []
    code, human, _err = lanectl("-c", str(cfg), "tail", "--last", "50", "--count", "5")
    assert code == 0 and "LineRead" in human and leaks(human) == []

    # --show-personal shows them, and is audited once for the session
    code, shown, err = lanectl("-c", str(cfg), "tail", "--json", "--last", "50", "--count", "5",
                               "--show-personal")
    assert code == 0 and "ERIKSSON" in shown and "audit" in err
    conn = sqlite3.connect(tmp_path / "lane.sqlite")
    audit = conn.execute("SELECT kind, actor, body FROM audit").fetchall()
    conn.close()
    assert [a[0] for a in audit] == ["personal_data_view"]
    assert leaks(audit[0][2]) == []

    code, _, _ = lanectl("-c", str(cfg), "status")
    bundle_up = tmp_path / "up.tar.gz"
    assert lanectl("-c", str(cfg), "support-bundle", "--out", str(bundle_up))[0] == 0

    assert d.terminate()[0] == 0
    log = d.output()
    assert "ready" in log and leaks(log) == []
    logfile = tmp_path / "daemon.log"
    # a log line written by mistake with a name in it: the bundle's deny-list must catch it
    logfile.write_text(log + "\nbuggy line: traveller ERIKSSON L898902C3 born 1974-08-12\n")
    bundle_down = tmp_path / "down.tar.gz"
    code, _out, _err = lanectl("-c", str(cfg), "support-bundle", "--out", str(bundle_down),
                               "--log-file", str(logfile))
    assert code == 0
    for bundle in (bundle_up, bundle_down):
        with tarfile.open(bundle) as tar:
            members = tar.getmembers()
            assert {"support/config.toml", "support/versions.json", "support/logs.txt"} <= {
                m.name for m in members}
            for m in members:
                text = tar.extractfile(m).read().decode()  # type: ignore[union-attr]
                assert leaks(text) == [], (bundle.name, m.name)
    with tarfile.open(bundle_down) as tar:
        kept = tar.extractfile("support/logs-daemon.log").read().decode()  # type: ignore[union-attr]
    assert "buggy line: traveller <redacted>" in kept
    pty.close()
