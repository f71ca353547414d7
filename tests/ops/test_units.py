"""Pure parts of the operations layer: exposition, masking, framing view, reload, retention, feed."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.config import RetentionConfig, load_config
from edge.events import DocumentScanned, LineRead, PlateRead, TagSighting
from edge.lane.crossing import CrossingState, CrossingUpdated
from edge.lanectl.bundle import redact_config
from edge.lanectl.files_cmds import parse_since
from edge.lanectl.frames_view import frames, visible
from edge.metrics import render
from edge.ops.events import ConfigReloaded, LaneModeChanged
from edge.ops.feed import EventFeed
from edge.ops.privacy import event_view
from edge.ops.reload import ReloadRefused, reload
from edge.ops.retention import purge_file
from tests.conftest import lane_config
from tests.ops.conftest import MRZ_LINES, PERSON, PERSONAL_STRINGS, seed_personal

STATUS: dict[str, Any] = {
    "lane": {"port": "CA-0427", "id": "L03", "kind": "nexus", "mode": "open"},
    "version": "0.1.0", "ready": True, "uptime_s": 12.5,
    "devices": {"mrz": {"kind": "mrz_scanner", "driver": "serial", "state": "open", "last_read": 1.7e9,
                        "restarts": 1, "failures": 2, "counters": {"reads": 5, "bad_frames": 1}},
                'od"d\\dev': {"kind": "rfid", "driver": "llrp", "state": "failed", "last_read": None,
                              "restarts": 0, "failures": 9, "counters": {}}},
    "events": {"LineRead": 5, "DeviceStateChanged": 3},
    "store": {"size_bytes": 4096, "queued_writes": 0, "transactions": 7},
    "outbox": {"pending": 2, "sent": 1, "confirmed": 9, "backlog": 3, "oldest_unconfirmed_age_s": 4.5,
               "drain_per_min_1m": 1.0, "drain_per_min_15m": 0.5},
    "components": {"ops": {"feed_seq": 4, "lane_kind": "nexus", "nested": {"x": 1.5}}},
}
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? \S+$')


def test_metrics_text_is_well_formed() -> None:
    text = render(STATUS)
    assert text.endswith("\n")
    families = [ln.split()[2] for ln in text.splitlines() if ln.startswith("# TYPE")]
    assert len(families) == len(set(families))
    for line in text.splitlines():
        assert line.startswith("# ") or SAMPLE.match(line), line
    assert 'lane_edge_device_state{device="mrz",state="open"} 1' in text
    assert 'lane_edge_device_state{device="od\\"d\\\\dev",state="failed"} 1' in text
    assert 'lane_edge_device_events_total{device="mrz",counter="reads"} 5' in text
    assert "lane_edge_outbox_backlog 3" in text
    assert 'lane_edge_component_value{component="ops",key="nested.x"} 1.5' in text


def test_metrics_parse_with_prometheus_client() -> None:
    parser = pytest.importorskip("prometheus_client.parser",
                                 reason="prometheus_client not installed: its parser is not run")
    fams = {f.name: f for f in parser.text_string_to_metric_families(render(STATUS))}
    assert fams["lane_edge_device_restarts"].type == "counter"
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in fams.values() for s in f.samples}
    assert samples[("lane_edge_device_failures_total", (("device", 'od"d\\dev'),))] == 9
    assert samples[("lane_edge_uptime_seconds", ())] == 12.5
    assert samples[("lane_edge_outbox_drain_per_minute", (("window", "15m"),))] == 0.5


@dataclasses.dataclass
class FakeDoc:
    surname: str
    given_names: str
    document_number: str
    birth_date: str
    format: str = "TD3"
    valid: bool = True

    def to_json_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def test_event_view_masks_personal_data_unless_asked() -> None:
    doc = FakeDoc(PERSON["surname"], PERSON["given_names"], PERSON["document_number"],
                  PERSON["birth_date"])
    events = [DocumentScanned(ts=1.0, device="mrz", document=doc, raw_lines=MRZ_LINES),
              LineRead(ts=1.0, device="aux", text=MRZ_LINES[1]),
              PlateRead(ts=1.0, device="cam", text="ABCD123", confidence=0.9, box=(1, 2, 3, 4),
                        crop_jpeg=b"\xff\xd8"),
              TagSighting(ts=1.0, device="rfid", epc="E280", antenna=1, rssi=-50.0),
              # a crossing carries its plates in its snapshot (and a plate object in a view)
              CrossingUpdated(ts=1.0, crossing_id="L01-1", lane="L01", state=CrossingState.AT_BOOTH,
                              step="plate", snapshot={
                                  "plates": [{"text": "ABCD123", "confidence": 0.9, "device": "cam"}],
                                  "plate": {"text": "ABCD123"}, "cards": [{"epc": "E280"}]})]
    masked = json.dumps([event_view(e) for e in events])
    assert not [s for s in PERSONAL_STRINGS if s in masked]
    assert "ABCD123" not in masked and masked.count('"text": "A***"') == 3
    assert '"format": "TD3"' in masked and '"valid": true' in masked and '"epc": "E280"' in masked
    shown = json.dumps([event_view(e, show_personal=True) for e in events])
    assert all(s in shown for s in ("ERIKSSON", "L898902C3", "ABCD123"))
    assert "<2 bytes>" in shown  # images never go to a terminal


def test_visible_names_control_characters() -> None:
    assert visible(b"\x02AB\r\n\x03\xff") == "<STX>AB<CR><LF><ETX><xFF>"


@given(st.lists(st.text("ABCXYZ0123456789<", min_size=1, max_size=44), min_size=1, max_size=3))
def test_frames_round_trip(lines: list[str]) -> None:
    raw = [ln.encode() for ln in lines]
    assert frames(b"".join(r + b"\r\n" for r in raw), "crlf") == [[r] for r in raw]
    assert frames(b"\x02" + b"\r".join(raw) + b"\r\x03", "desko") == [raw]


def test_parse_since() -> None:
    assert parse_since("2h", 10_000.0) == 10_000.0 - 7200
    assert parse_since("1970-01-02", 0.0) == 86400.0
    assert parse_since("12.5", 0.0) == 12.5
    with pytest.raises(Exception, match="not a time"):
        parse_since("yesterday", 0.0)


def test_redact_config() -> None:
    text = 'password = "s3cret"\npassword_file = "/etc/x"\nurl = "rtsp://u:p@cam/1"\napi_token="t"\n'
    out = redact_config(text)
    assert "s3cret" not in out and "u:p@" not in out and '"t"' not in out
    assert 'password_file = "/etc/x"' in out


class FakeApp:
    def __init__(self, cfg: Any) -> None:
        self.cfg, self.mode, self.published = cfg, cfg.lane.mode, []

    def publish(self, event: Any) -> None:
        self.published.append(event)


def test_reload_applies_thresholds_mode_and_refuses_restart_settings(tmp_path: Path) -> None:
    path = lane_config(tmp_path)
    app = FakeApp(load_config(path))
    base = path.read_text()
    path.write_text(base.replace('kind = "nexus"', 'kind = "nexus"\nmode = "closed"')
                    + "\n[thresholds]\nmin_rssi = -60.0\n")
    changed = reload(app, load_config(path))
    assert changed == ["lane.mode: 'open' -> 'closed'", "thresholds.min_rssi: -65.0 -> -60.0"]
    assert app.mode == "closed" and app.cfg.thresholds.min_rssi == -60.0
    assert isinstance(app.published[0], LaneModeChanged)
    assert isinstance(app.published[1], ConfigReloaded)
    assert reload(app, load_config(path)) == []
    before = app.cfg
    path.write_text(base.replace("control.sock", "other.sock") + '\n[mqtt]\nhost = "hq"\n')
    with pytest.raises(ReloadRefused) as err:
        reload(app, load_config(path))
    assert err.value.fields["needs_restart"] == ["control.socket", "mqtt.host"]
    assert app.cfg is before


def test_purge_file_keeps_recent_and_unconfirmed_personal_data(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    seed_personal(store, n=2, ts=1000.0, confirmed=True)  # old, confirmed
    seed_personal(store, n=2, ts=1000.0, confirmed=False)  # old, never confirmed
    conn = sqlite3.connect(store)
    conn.execute("UPDATE outbox SET state = 'pending', confirmed_at = NULL WHERE seq > 2")
    conn.commit()
    conn.close()
    now = 1000.0 + 80 * 3600  # 80 h later: past the 72 h of personal retention
    res = purge_file(store, RetentionConfig(), now, actor="test")
    assert (res.outbox_personal, res.reads_personal, res.bad_reads) == (2, 4, 0)
    conn = sqlite3.connect(store)
    left = conn.execute("SELECT seq FROM outbox WHERE payload LIKE '%ERIKSSON%'").fetchall()
    payload = json.loads(conn.execute("SELECT payload FROM outbox WHERE seq = 1").fetchone()[0])
    conn.close()
    assert left == [(3,), (4,)]  # headquarters has not confirmed them: kept
    assert payload == {"event_id": payload["event_id"], "seq": 1, "kind": "crossing",
                       "ts": 1000.0, "purged": True}
    res = purge_file(store, RetentionConfig(), 1000.0 + 15 * 86400)
    assert res.bad_reads == 2
    assert res.outbox_deleted == 2  # confirmed and past the diagnostics period; 3-4 are pending


def test_confirmed_outbox_rows_go_oldest_first_and_leave_no_hole(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    seed_personal(store, n=4, ts=1000.0, confirmed=True)
    conn = sqlite3.connect(store)
    conn.execute("UPDATE outbox SET confirmed_at = ? WHERE seq = 2", (1000.0 + 20 * 86400,))
    conn.commit()
    res = purge_file(store, RetentionConfig(), 1000.0 + 15 * 86400)
    assert res.outbox_deleted == 1  # seq 2 was confirmed late: 3 and 4 wait behind it
    assert [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")] == [2, 3, 4]
    res = purge_file(store, RetentionConfig(diagnostics_days=1.0), 1000.0 + 22 * 86400)
    assert res.outbox_deleted == 3 and res.changed >= 3
    assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    conn.close()


async def test_feed_long_poll_and_missed_events() -> None:
    feed = EventFeed(ring=3)
    assert (await feed.after(None))["seq"] == 0

    async def later() -> None:
        await asyncio.sleep(0.05)
        feed.add(LineRead(ts=1.0, device="a", text="x"))

    task = asyncio.create_task(later())
    got = await feed.after(0, wait=2.0)
    await task
    assert got["seq"] == 1 and len(got["events"]) == 1
    for i in range(5):
        feed.add(LineRead(ts=2.0, device="a", text=str(i)))
    got = await feed.after(1)
    assert got["missed"] == 2 and [s for s, _ in got["events"]] == [4, 5, 6]
    assert (await feed.after(99))["seq"] == 6  # a client ahead of a restarted daemon catches up


def test_bundle_scrubber_removes_store_values_and_keeps_log_times(tmp_path: Path) -> None:
    from edge.lanectl.bundle import make_scrubber, personal_tokens

    store = tmp_path / "s.sqlite"
    seed_personal(store, n=1)
    scrub = make_scrubber(personal_tokens(store))
    out = scrub("2026-11-25 10:00 Eriksson anna born 740812 (1974-08-12), doc l898902c3; seq 1974")
    assert out == ("2026-11-25 10:00 <redacted> <redacted> born <redacted> (<redacted>), "
                   "doc <redacted>; seq 1974")
