"""The booth API over real sockets, inside the real daemon App (store, bus, audit, outbox)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from edge.decision.audit import verify_chain
from edge.events import DeviceState, DeviceStateChanged, PlateRead
from tests.booth.conftest import TOKEN, Booth, http, recommendation, snapshot, start_booth


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_page_and_static_files(booth: Booth) -> None:
    r = await http(booth.port, "GET", "/")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert b"/static/booth.js" in r.body
    assert "default-src 'self'" in r.headers["content-security-policy"]
    for name, ctype in (("booth.js", "text/javascript"), ("booth.css", "text/css"),
                        ("i18n.js", "text/javascript")):
        r = await http(booth.port, "GET", f"/static/{name}")
        assert r.status == 200, name
        assert r.headers["content-type"].startswith(ctype)
    assert (await http(booth.port, "GET", "/static/..%2Fserver.py")).status == 404
    assert (await http(booth.port, "GET", "/static/nope.js")).status == 404


async def test_lane_and_devices(booth: Booth) -> None:
    lane = (await http(booth.port, "GET", "/api/v1/lane")).json()
    assert lane["lane"] == {"port": "TST-0001", "id": "L01", "kind": "nexus", "mode": "open"}
    assert lane["actor"] == "local"
    assert {k: v["state"] for k, v in lane["lights"].items()} == {
        "mrz": "ok", "rfid": "ok", "camera": "ok", "sync": "ok"}
    booth.app.bus.publish(DeviceStateChanged(ts=1.0, device="cam1", state=DeviceState.DISCONNECTED,
                                             error_code="device.unplugged"))
    await asyncio.sleep(0.05)
    dev = (await http(booth.port, "GET", "/api/v1/devices")).json()
    assert dev["lights"]["camera"] == {"state": "down", "devices": ["cam1"],
                                       "error_code": "device.unplugged"}
    assert {d["name"]: d["state"] for d in dev["devices"]}["cam1"] == "disconnected"


async def test_current_approaching_detail_and_crop(booth: Booth) -> None:
    st = booth.server.state
    assert st is not None
    assert (await http(booth.port, "GET", "/api/v1/crossings/current")).json()["current"] is None
    st.on_crossing(snapshot("C1", "approaching", plate="XYZ 999", opened=1000.0))
    st.on_crossing(snapshot("C2", "at_booth", rec=recommendation(crossing_id="C2"), opened=1001.0))
    booth.app.bus.publish(PlateRead(ts=1.0, device="cam1", text="ABC123", confidence=0.9,
                                    box=(0, 0, 10, 10), crop_jpeg=b"\xff\xd8jpeg"))
    await asyncio.sleep(0.05)
    cur = (await http(booth.port, "GET", "/api/v1/crossings/current")).json()
    assert cur["current"]["id"] == "C2"  # the vehicle at the booth comes before one approaching
    assert [a["id"] for a in cur["approaching"]] == ["C1"]
    c = (await http(booth.port, "GET", "/api/v1/crossings/C2")).json()["crossing"]
    assert c["plate"]["text"] == "ABC 123"
    assert c["plate"]["crop"].startswith("data:image/jpeg;base64,")
    assert [o["kind"] for o in c["occupants"]] == ["card", "document"]
    assert c["occupants"][1]["expiry"] == "2030-01-01"
    assert c["lookout_hits"][0]["code"] == "lookout_plate"
    rec = c["recommendation"]
    assert rec["suggested"] == "refer" and rec["score"] == 0.82
    assert rec["versions"]["model"] == "risk/3"
    assert {r["code"] for r in rec["reasons"]} == {"lookout_plate", "risk_score_high"}


async def test_unknown_crossing_404(booth: Booth) -> None:
    r = await http(booth.port, "GET", "/api/v1/crossings/nope")
    assert r.status == 404
    assert r.json()["error"]["code"] == "booth.crossing_unknown"
    r = await http(booth.port, "POST", "/api/v1/crossings/nope/decision", {"action": "refer"})
    assert r.status == 404
    assert r.json()["error"]["code"] == "booth.crossing_unknown"
    assert rows(booth.db, "SELECT COUNT(*) FROM decisions") == [(0,)]


@pytest.mark.parametrize(("body", "status", "code"), [
    ("{not json", 400, "booth.bad_json"),
    ("", 400, "booth.bad_json"),
    ("[1, 2]", 400, "booth.bad_request"),
    ('{"action": "wave"}', 400, "booth.bad_action"),
    ('{"action": "refer", "officer": "x"}', 400, "booth.bad_request"),
    ('{"action": "refer", "note": 5}', 400, "booth.bad_request"),
    ('{"action": "refer", "note": "' + "x" * 501 + '"}', 400, "booth.note_too_long"),
])
async def test_bad_decision_bodies(booth: Booth, body: str, status: int, code: str) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/decision", body,
                   {"Content-Type": "application/json"})
    assert r.status == status
    err = r.json()["error"]
    assert err["code"] == code
    assert err["message"]
    assert rows(booth.db, "SELECT COUNT(*) FROM decisions") == [(0,)]


async def test_decision_needs_json_content_type(booth: Booth) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/decision", '{"action": "refer"}',
                   {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    assert r.json()["error"]["code"] == "booth.unsupported_media_type"


async def test_decision_stores_audits_queues_then_409(booth: Booth) -> None:
    st = booth.server.state
    assert st is not None
    st.on_crossing(snapshot("C1", rec=recommendation("proceed_nexus", 0.1, ("eligible_nexus",),
                                                     "C1")))
    st.on_crossing(snapshot("C2", "approaching", opened=2e9))
    r = await http(booth.port, "POST", "/api/v1/crossings/C1/decision",
                   {"action": "refer", "note": "second look at the trunk"})
    assert r.status == 200, r.body
    d = r.json()
    assert d["decision"]["actor"] == "local"
    assert d["decision"]["against_recommendation"] is True
    assert d["next"]["id"] == "C2"  # the decided crossing clears and the next comes up
    assert rows(booth.db, "SELECT crossing_id, kind, action, actor FROM decisions") == [
        ("C1", "officer", "refer", "local")]
    audit = rows(booth.db, "SELECT kind, actor, crossing_id, body FROM audit")
    assert [(a[0], a[1], a[2]) for a in audit] == [("officer_decision", "local", "C1")]
    assert "trunk" not in audit[0][3]  # the free-text note stays out of the audit log
    conn = sqlite3.connect(booth.db)
    assert verify_chain(conn).ok
    conn.close()
    out = rows(booth.db, "SELECT kind, topic, personal, state, payload FROM outbox "
                         "WHERE kind = 'officer_decision'")
    assert [(o[0], o[1], o[2], o[3]) for o in out] == [
        ("officer_decision", "crossing/decision", 1, "pending")]
    assert json.loads(out[0][4])["action"] == "refer"
    again = await http(booth.port, "POST", "/api/v1/crossings/C1/decision", {"action": "release"})
    assert again.status == 409
    assert again.json()["error"]["code"] == "booth.already_decided"
    recent = (await http(booth.port, "GET", "/api/v1/crossings/recent")).json()["crossings"]
    assert [(c["id"], c["decision"]) for c in recent] == [("C1", "refer")]
    assert (await http(booth.port, "GET", "/api/v1/crossings/recent?limit=x")).status == 400


async def test_concurrent_decisions_record_once(booth: Booth) -> None:
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    replies = await asyncio.gather(*(
        http(booth.port, "POST", "/api/v1/crossings/C1/decision", {"action": a})
        for a in ("release", "refer", "redirect")))
    assert sorted(r.status for r in replies) == [200, 409, 409]
    assert rows(booth.db, "SELECT COUNT(*) FROM decisions") == [(1,)]


async def test_foreign_host_refused_on_loopback(booth: Booth) -> None:
    r = await http(booth.port, "GET", "/api/v1/lane", headers={"Host": "evil.example:80"})
    assert r.status == 403
    assert r.json()["error"]["code"] == "booth.forbidden_host"


async def test_unknown_route_and_method(booth: Booth) -> None:
    assert (await http(booth.port, "GET", "/api/v1/nothing")).status == 404
    r = await http(booth.port, "DELETE", "/api/v1/lane")
    assert r.status == 405
    assert r.json()["error"]["code"] == "booth.method_not_allowed"
    garbage = await _raw(booth.port, b"NONSENSE\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400")


async def _raw(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    out = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return out


async def test_metrics(booth: Booth) -> None:
    r = await http(booth.port, "GET", "/metrics")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.body.decode()
    assert "lane_edge_up 1" in text or "lane_edge_" in text
    assert "lane_edge_booth_clients 0" in text
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        return
    names = [f.name for f in text_string_to_metric_families(text)]  # raises on malformed text
    assert len(names) == len(set(names)), "a metric family is exposed twice"
    assert "lane_edge_booth_clients" in names


async def test_off_loopback_needs_token(tmp_path: Path) -> None:
    b = await start_booth(tmp_path, bind="127.0.0.2", token=True)
    try:
        for method, path in (("GET", "/api/v1/lane"), ("GET", "/api/v1/events"),
                             ("GET", "/metrics"), ("GET", "/static/booth.js")):
            r = await http(b.port, method, path, host="127.0.0.2")
            assert r.status == 401, path
            assert r.headers["www-authenticate"].startswith("Bearer")
        page = await http(b.port, "GET", "/", host="127.0.0.2")
        assert page.status == 401 and b"<form" in page.body  # sign-in form, no booth data
        bad = await http(b.port, "GET", "/api/v1/lane", host="127.0.0.2",
                         headers={"Authorization": "Bearer wrong-token-0123456789"})
        assert bad.status == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        ok = await http(b.port, "GET", "/api/v1/lane", host="127.0.0.2", headers=auth)
        assert ok.status == 200 and ok.json()["actor"] == "booth-3"
        assert b.server.state is not None
        b.server.state.on_crossing(snapshot("C1"))
        dec = await http(b.port, "POST", "/api/v1/crossings/C1/decision", {"action": "refer"},
                         host="127.0.0.2", headers=auth)
        assert dec.status == 200
        assert rows(b.db, "SELECT actor FROM audit") == [("booth-3",)]
        login = await http(b.port, "POST", "/login", f"token={TOKEN}", host="127.0.0.2",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert login.status == 303
        cookie = login.headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in login.headers["set-cookie"]
        with_cookie = await http(b.port, "GET", "/", host="127.0.0.2", headers={"Cookie": cookie})
        assert with_cookie.status == 200
        refused = await http(b.port, "POST", "/login", "token=nope", host="127.0.0.2",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert refused.status == 401
    finally:
        await b.app.stop()


async def test_sync_light_absent_when_mqtt_disabled(tmp_path: Path) -> None:
    from edge.booth.server import BoothServer
    from edge.config import load_config
    from edge.daemon.app import App, AppOptions
    from tests.conftest import lane_config

    server = BoothServer(port=0, watch_s=0.05)
    app = App(load_config(lane_config(tmp_path)), AppOptions(components=[server]))
    await app.start()
    try:
        await asyncio.sleep(0.1)
        lane = (await http(server.port or 0, "GET", "/api/v1/lane")).json()
        assert lane["lights"]["sync"]["state"] == "absent"
        assert lane["sync"]["state"] == "disabled"
    finally:
        await app.stop()


async def test_limits_on_head_and_body(booth: Booth) -> None:
    big_head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * 20000 + b"\r\n\r\n"
    assert (await _raw(booth.port, big_head)).startswith(b"HTTP/1.1 431")
    big_body = (f"POST /api/v1/crossings/C1/decision HTTP/1.1\r\nHost: 127.0.0.1:{booth.port}\r\n"
                "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n").encode()
    assert (await _raw(booth.port, big_body)).startswith(b"HTTP/1.1 413")
    chunked = (f"POST /api/v1/crossings/C1/decision HTTP/1.1\r\nHost: 127.0.0.1:{booth.port}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n").encode()
    assert (await _raw(booth.port, chunked)).startswith(b"HTTP/1.1 400")
    head = await http(booth.port, "HEAD", "/api/v1/lane")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0


def test_token_file(tmp_path: Path) -> None:
    from edge.booth.auth import identify, read_tokens
    from edge.errors import ConfigError

    f = tmp_path / "tokens"
    f.write_text("# comment\nbooth-1:aaaaaaaaaaaaaaaaaaaa\nbbbbbbbbbbbbbbbbbbbb\n")
    tokens = read_tokens(f)
    assert tokens["aaaaaaaaaaaaaaaaaaaa"] == "booth-1"
    assert tokens["bbbbbbbbbbbbbbbbbbbb"].startswith("terminal-")
    assert "bbbb" not in tokens["bbbbbbbbbbbbbbbbbbbb"]  # the id never shows the token
    assert identify(tokens, {"authorization": "Bearer aaaaaaaaaaaaaaaaaaaa"}) == "booth-1"
    assert identify(tokens, {"cookie": "x=1; lane_booth_token=aaaaaaaaaaaaaaaaaaaa"}) == "booth-1"
    assert identify(tokens, {"authorization": "Basic aaaaaaaaaaaaaaaaaaaa"}) is None
    f.write_text("short\n")
    with pytest.raises(ConfigError):
        read_tokens(f)
    f.write_text("# nothing\n")
    with pytest.raises(ConfigError):
        read_tokens(f)
    with pytest.raises(ConfigError):
        read_tokens(tmp_path / "missing")


class BrokenSink:
    async def record(self, crossing_id: str, action: str, note: str, actor: str) -> dict:
        raise sqlite3.OperationalError("disk I/O error")


async def test_decision_that_cannot_be_recorded_says_so_and_stays_open(tmp_path: Path) -> None:
    from edge.booth.server import BoothServer
    from edge.booth.state import BoothState

    state = BoothState({"id": "L01"})
    server = BoothServer(state=state, sink=BrokenSink())
    await server.serve("127.0.0.1", 0)
    try:
        state.on_crossing(snapshot("C1"))
        r = await http(server.port or 0, "POST", "/api/v1/crossings/C1/decision", {"action": "refer"})
        assert r.status == 503
        assert r.json()["error"]["code"] == "booth.record_failed"
        current = state.current()
        assert current is not None and current["id"] == "C1"  # not cleared: nothing was recorded
    finally:
        await server.stop()


async def test_port_in_use_keeps_the_daemon_and_retries(tmp_path: Path, monkeypatch) -> None:
    from edge.booth import server as server_mod
    from edge.booth.server import BoothServer
    from edge.config import load_config
    from edge.daemon.app import App, AppOptions
    from tests.conftest import lane_config

    monkeypatch.setattr(server_mod, "BIND_RETRY_S", 0.1)
    blocker = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    second = BoothServer(port=port)
    app = App(load_config(lane_config(tmp_path)), AppOptions(components=[second]))
    await app.start()  # the lane starts without its page
    try:
        assert app.ready
        assert second.status()["bind_error"]
        blocker.close()
        await blocker.wait_closed()
        for _ in range(50):
            if second.status()["bind_error"] is None:
                break
            await asyncio.sleep(0.05)
        assert (await http(port, "GET", "/api/v1/lane")).status == 200
        assert second.state is not None and len(second.state.listeners) == 1
    finally:
        await app.stop()


async def test_settings_come_from_the_booth_config_section(tmp_path: Path) -> None:
    from edge.booth.server import BoothServer
    from edge.config import load_config
    from edge.daemon.app import App, AppOptions

    (tmp_path / "booth.token").write_text(f"booth-9:{TOKEN}\n")
    cfg_file = tmp_path / "lane.toml"
    cfg_file.write_text(
        '[lane]\nport = "TST-0001"\nid = "L01"\nkind = "nexus"\n'
        f'[store]\npath = "{tmp_path / "lane.sqlite"}"\n'
        f'[control]\nsocket = "{tmp_path / "control.sock"}"\n'
        f'[booth]\nbind = "127.0.0.2"\nport = 0\ntoken_file = "{tmp_path / "booth.token"}"\n')
    server = BoothServer()
    app = App(load_config(cfg_file), AppOptions(components=[server]))
    await app.start()
    try:
        assert server.status()["token_required"] is True
        port = server.port or 0
        assert (await http(port, "GET", "/api/v1/lane", host="127.0.0.2")).status == 401
        ok = await http(port, "GET", "/api/v1/lane", host="127.0.0.2",
                        headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.json()["actor"] == "booth-9"
    finally:
        await app.stop()
