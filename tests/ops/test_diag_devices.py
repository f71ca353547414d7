"""`lanectl diag rfid` on an LLRP reader, a serial port that is not there, and a device named
to the wrong diag command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.sim.llrp_reader import LlrpReaderSim
from edge.sim.rfid_traffic import TrafficPlan, make_traffic
from tests.conftest import lane_config, on_own_loop
from tests.ops.conftest import jrun

DEVICES = ('\n[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\nurl = "http://127.0.0.1:9/v"\n'
           '\n[[devices]]\nname = "mrz1"\nkind = "mrz_scanner"\ndriver = "serial"\npath = "/dev/ttyNOPE7"\n')


@pytest.fixture
def llrp_reader() -> Iterator[LlrpReaderSim]:
    """The simulated LLRP reader on a loopback port, served by its own event loop."""
    sim = LlrpReaderSim(make_traffic(TrafficPlan(vehicles=3, seed=5)), speed=5.0, live_clock=True)
    with on_own_loop(sim.start, sim.stop):
        yield sim


def test_diag_rfid_reads_an_llrp_reader_as_the_daemon_does(llrp_reader: LlrpReaderSim, lanectl) -> None:
    """The reader is set up and read by the daemon's driver: its make and firmware, the cards
    with their antennas and signal, then the ROSpec stopped and the session closed politely."""
    code, res = jrun(lanectl, "diag", "rfid", llrp_reader.url, "--seconds", "2", "--json")
    assert code == 0 and res["connected"] is True, res
    assert res["reader"]["firmware"] and res["reader"]["antennas"] >= 1
    sent = {r.epc for r in llrp_reader.traffic.reads}
    seen = {t["epc"] for t in res["tags"]}
    assert seen and seen <= sent
    assert all(t["antennas"] and -100 < t["rssi_max"] < 0 for t in res["tags"])
    assert res["counters"]["reports"] >= 1
    assert llrp_reader.closed_politely == 1  # the lane's reader is left as the daemon left it


def test_diag_rfid_by_configured_name_takes_its_options(llrp_reader: LlrpReaderSim, lanectl,
                                                         tmp_path: Path) -> None:
    """A reader named as in the config is opened with its configured options (its ROSpec id)."""
    rfid = (f'\n[[devices]]\nname = "rfid1"\nkind = "rfid"\ndriver = "llrp"\nurl = "{llrp_reader.url}"\n'
            '[devices.options]\nrospec_id = 77\n')
    cfg = lane_config(tmp_path, rfid)
    code, res = jrun(lanectl, "-c", str(cfg), "diag", "rfid", "rfid1", "--seconds", "1", "--json")
    assert code == 0 and res["configured"] == "rfid1" and res["tags"], res
    assert 77 in llrp_reader.rospecs


def test_diag_rfid_says_why_a_reader_cannot_be_read(lanectl) -> None:
    """Nothing listens: the connect error and what to check, at once rather than after retries."""
    code, res = jrun(lanectl, "diag", "rfid", "llrp://127.0.0.1:9", "--seconds", "20", "--json")
    assert code == 1 and res["connected"] is False
    assert res["error_code"] == "llrp.connect" and "powered" in res["hint"]


@pytest.mark.parametrize("command", ["rfid", "serial"])
def test_diag_on_a_missing_serial_port_says_so(command: str, lanectl) -> None:
    """An unplugged device is an answer (exit 1, code, what to check): diag rfid died with a
    traceback, diag serial said 'no bytes received: is the device sending'."""
    code, res = jrun(lanectl, "diag", command, "/dev/ttyNOPE9", "--seconds", "0.2", "--json")
    assert code == 1 and res["opened"] is False and res["code"] == "serial.open_failed"
    assert "/dev/ttyNOPE9" in res["error"] and "plugged in" in res["hint"]
    code, out, _err = lanectl("diag", command, "/dev/ttyNOPE9", "--seconds", "0.2")
    assert code == 1 and "[serial.open_failed]" in out and "no bytes received" not in out


@pytest.mark.parametrize(("command", "name", "says"), [
    ("camera", "mrz1", "try lanectl diag serial mrz1"),
    ("rfid", "cam1", "try lanectl diag camera cam1"),
    ("serial", "cam1", "try lanectl diag camera cam1"),
    ("camera", "/dev/ttyNOPE7", "the address of 'mrz1'"),
])
def test_a_device_named_to_the_wrong_diag_command_is_pointed_to_the_right_one(
        command: str, name: str, says: str, lanectl, tmp_path: Path) -> None:
    """`diag camera mrz1` used to look for a video file named mrz1 ('video file not found')."""
    cfg = lane_config(tmp_path, DEVICES)
    code, out, err = lanectl("-c", str(cfg), "diag", command, name, "--seconds" if command != "camera"
                             else "--frames", "1")
    assert code in (1, 2) and "[diag.wrong_device]" in out + err and says in out + err, (out, err)
