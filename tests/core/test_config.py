"""Configuration: typed validation, every problem named with its key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edge.config import ConfigInvalid, LaneKind, check_config, load_config, parse_options, schema_rows
from edge.drivers.line_serial import LineOptions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "edge" / "examples" / "lane.toml"


def lanectl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge.lanectl.main", *args], capture_output=True, text=True, timeout=60
    )


def test_example_config_is_valid() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.lane.kind is LaneKind.NEXUS
    # a whole NEXUS lane, as an installer starts from: scanner, card reader, camera, sign
    devices = {d.name: (d.kind, d.driver, d.enabled) for d in cfg.devices}
    assert devices["mrz1"] == ("mrz_scanner", "serial", True)
    assert devices["rfid1"] == ("rfid", "llrp", True)
    assert devices["cam1"] == ("camera", "opencv", True)
    assert devices["sign1"] == ("sign", "serial", False)
    assert lanectl("config", "check", str(EXAMPLE)).returncode == 0


def test_config_check_without_a_file_checks_the_lanes_config(tmp_path: Path) -> None:
    """`lanectl -c FILE config check` (or $LANE_EDGE_CONFIG) checks the config lanectl uses: it
    used to stop at 'the following arguments are required: file'."""
    assert lanectl("-c", str(EXAMPLE), "config", "check").returncode == 0
    broken = tmp_path / "broken.toml"
    broken.write_text("[lane\n")
    r = lanectl("-c", str(broken), "config", "check")
    assert r.returncode == 2 and f"{broken}: " in r.stdout and "not valid TOML" in r.stdout


def test_config_check_names_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[lane]\nport = "P"\nid = "L1"\nkind = "nexus"\ncolour = "blue"\n'
        '[store]\npath = "/tmp/x.sqlite"\n'
        '[thresholds]\nrefer_score = "high"\n'
        '[[devices]]\nname = "mrz"\nkind = "line"\ndriver = "serial"\n'
    )
    result = lanectl("config", "check", str(bad))
    assert result.returncode == 2, result.stdout + result.stderr
    out = result.stdout
    assert "lane.colour: unknown key" in out
    assert "thresholds.refer_score: expected number" in out
    assert "devices[0].path: missing" in out


def test_wrong_types_and_enums_are_reported() -> None:
    cfg, problems = check_config(
        {"lane": {"port": "P", "id": 3, "kind": "bicycle"}, "store": {"path": "x"}, "devices": {"a": 1}}
    )
    assert cfg is None
    keys = {p.key for p in problems}
    assert {"lane.id", "lane.kind", "devices"} <= keys
    assert any("'nexus'" in p.message for p in problems if p.key == "lane.kind")


def test_missing_sections_are_errors() -> None:
    cfg, problems = check_config({})
    assert cfg is None
    assert {p.key for p in problems} == {"lane", "store"}


def test_booth_off_loopback_needs_a_token() -> None:
    _, problems = check_config(
        {
            "lane": {"port": "P", "id": "L", "kind": "fast"},
            "store": {"path": "x"},
            "booth": {"bind": "0.0.0.0"},
        }
    )
    assert [p.key for p in problems if p.severity == "error"] == ["booth.token_file"]


def test_driver_options_are_validated_with_the_driver_schema() -> None:
    assert parse_options(LineOptions, {"max_line": 80}, "o").max_line == 80
    with pytest.raises(ConfigInvalid) as err:
        parse_options(LineOptions, {"max_line": "80", "speed": 1}, "o")
    assert {p.key for p in err.value.problems} == {"o.max_line", "o.speed"}


def test_unknown_driver_is_named(tmp_path: Path) -> None:
    _, problems = check_config(
        {
            "lane": {"port": "P", "id": "L", "kind": "fast"},
            "store": {"path": "x"},
            "devices": [{"name": "x", "kind": "toaster", "driver": "usb"}],
        }
    )
    assert problems[0].key == "devices[0].driver"
    assert problems[0].code == "config.unknown_driver"


def test_unreadable_and_broken_files(tmp_path: Path) -> None:
    assert lanectl("config", "check", str(tmp_path / "nope.toml")).returncode == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[lane\n")
    r = lanectl("config", "check", str(broken))
    assert r.returncode == 2 and "not valid TOML" in r.stdout


def test_schema_documents_every_key() -> None:
    rows = schema_rows()
    assert "lane.kind" in {r[0] for r in rows}
    assert all(desc for _k, _t, desc in rows), [k for k, _t, d in rows if not d]


def test_line_splitter_never_emits_part_of_an_overlong_line() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from edge.drivers.line_serial import LineSplitter

    @given(st.lists(st.binary(max_size=40), max_size=30), st.integers(1, 20))
    def check(chunks: list[bytes], cut: int) -> None:
        sp = LineSplitter(b"\n", max_line=16)
        stream = b"".join(chunks)
        got = []
        for i in range(0, len(stream), cut):
            got += sp.feed(stream[i : i + cut])
        complete = stream.split(b"\n")[:-1]
        # every emitted line is a complete, short-enough line of the stream, in order
        expected = [ln for ln in complete if len(ln) <= 16]
        assert got == expected[: len(got)]
        assert all(len(ln) <= 16 for ln in got)

    check()


def test_config_check_warns_of_absent_secret_files_and_skips_idle_devices(tmp_path: Path) -> None:
    """A password or certificate file that is not there yet is a warning naming its key (the
    daemon would start, then fail to connect); a disabled device's port is not looked for."""
    secret = tmp_path / "mqtt-password"
    secret.write_text("pw\n")
    cfg = tmp_path / "lane.toml"
    cfg.write_text(
        '[lane]\nport = "P"\nid = "L1"\nkind = "nexus"\n[store]\npath = "/tmp/x.sqlite"\n'
        f'[mqtt]\nenabled = true\nhost = "hq"\npassword_file = "{secret}"\n'
        f'[mqtt.tls]\nca_file = "{tmp_path / "ca.pem"}"\n'
        '[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\nurl = "rtsp://cam/1"\n'
        f'[devices.options]\npassword_file = "{tmp_path / "cam-password"}"\n'
        '[[devices]]\nname = "sign1"\nkind = "sign"\ndriver = "serial"\npath = "/dev/lane/nope"\n'
        "enabled = false\n")
    result = lanectl("config", "check", str(cfg))
    assert result.returncode == 0, result.stdout
    warned = {line.split(": ")[2] for line in result.stdout.splitlines() if ": warning: " in line}
    assert warned == {"mqtt.tls.ca_file", "devices[0].options.password_file"}, result.stdout
    assert "config.file_absent" in result.stdout


def test_config_check_warns_of_a_password_in_a_device_url(tmp_path: Path) -> None:
    """rtsp://user:password@camera works, but puts the secret in a file technicians read and copy
    (the support bundle redacts it; the config itself is the leak)."""
    cfg = tmp_path / "lane.toml"
    cfg.write_text('[lane]\nport = "P"\nid = "L1"\nkind = "nexus"\n[store]\npath = "/tmp/x.sqlite"\n'
                   '[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\n'
                   'url = "rtsp://admin:hunter2@192.0.2.20/stream1"\n'
                   '[[devices]]\nname = "cam2"\nkind = "camera"\ndriver = "opencv"\n'
                   'url = "rtsp://admin@192.0.2.21/stream1"\n')
    result = lanectl("config", "check", str(cfg))
    assert result.returncode == 0, result.stdout
    assert "devices[0].url: carries a password" in result.stdout and "[config.inline_secret]" in result.stdout
    assert "devices[1]" not in result.stdout and "hunter2" not in result.stdout


def test_config_schema_lists_every_drivers_options() -> None:
    """`lanectl config schema` is where an installer looks up a camera's or reader's options (the
    example config says "Every key"): it listed devices[].options as one opaque table."""
    import json

    from edge.drivers.registry import REGISTRY

    result = lanectl("config", "schema", "--json")
    rows = json.loads(result.stdout)
    option_rows = [r for r in rows if r["key"].startswith("devices[].options.")]
    options = {(r["doc"].split(") ", 1)[0].lstrip("("), r["key"]) for r in option_rows}
    assert {kind_driver for kind_driver, _key in options} == {f"{k}/{d}" for k, d in REGISTRY}
    assert ("camera/opencv", "devices[].options.sample_fps") in options
    assert ("camera/opencv", "devices[].options.roi[]") in options
    assert ("rfid/llrp", "devices[].options.antennas[]") in options
    assert all(r["doc"].split(") ", 1)[1] for r in option_rows)
