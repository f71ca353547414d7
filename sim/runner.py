"""`lane-sim run`: devices, optional daemons, traffic, officers and faults for a scenario.

The runner talks to the daemon as the world does: through the simulated devices, the control
socket (officer decisions, until the booth API lands; status for counters and recovery) and, at
the end, a read-only look at the store. Per lane it writes `L0k/lane.toml`, whose device paths
are stable symlinks in the work folder (like /dev/serial/by-id links), so `lane-sim config`
can print the configuration before any device exists and the daemon hot-plugs them.

Pieces that other parts of the project provide are used when present and reported as "not
simulated (module missing)" otherwise: the camera simulator and headquarters (MQTT sync).

Reference data: with headquarters simulated and the daemons started by the run, every lane
starts empty, trusts headquarters' key, and gets signed snapshots over MQTT before traffic
starts; the scenario's updates follow at their time (`hq_refdata`). Otherwise the snapshots are
written into the file before the daemon starts (the report says which path was used).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from edge.sim import report as reporting
from edge.sim.hq_refdata import FileRefdata, HqRefdata, RefdataNotApplied
from edge.sim.lane_camera import camera_device, camera_missing, start_camera
from edge.sim.lane_hq import HqRig, hq_missing, mqtt_section
from edge.sim.lane_players import (
    LlrpPlayer,
    MrzPlayer,
    Player,
    SerialRfidPlayer,
    SimClock,
    safe_close,
)
from edge.sim.mrz_scanner import SimulatedScanner
from edge.sim.population import Population, generate
from edge.sim.pty_device import PtyDevice
from edge.sim.refdata_plan import DATASETS, SNAPSHOT_VERSION, plan_updates, snapshot_records
from edge.sim.scenario import Fault, Scenario
from edge.sim.traffic import RELEASE_LIKE, LaneTraffic, Schedule, Vehicle, make_schedule, today_utc

DEFAULT_LLRP_BASE = 15084
DEFAULT_BOOTH_BASE = 18080
# Wall seconds the daemon needs between a vehicle leaving the read field and its documents
# (grouping gap + its 0.2 s tick), and between two vehicles at the booth (officer's decision).
MIN_STEP_WALL_S = 0.8
# Wall seconds headquarters' update has to reach the lane before the vehicle it is aimed at
# is first read (publish + verify + apply take milliseconds on loopback).
LEAD_WALL_S = 2.0


def optional_missing() -> dict[str, str]:
    """Simulator pieces this checkout does not have yet: name -> why."""
    out = {}
    for name, why in (("headquarters", hq_missing()), ("camera", camera_missing())):
        if why:
            out[name] = why
    return out


def lane_dir(workdir: Path, k: int) -> Path:
    return workdir / f"L{k:02d}"


def prepare(sc: Scenario) -> tuple[Population, Schedule]:
    """The population (its `today` is the run's UTC day) and the traffic schedule, with
    headquarters' planned updates and the ground truth that follows them."""
    pop = generate(dataclasses.replace(sc.population, seed=sc.seed, today=today_utc()))
    camera = sc.devices.camera and camera_missing() is None
    schedule = make_schedule(pop, sc.traffic, seed=sc.seed, duration_s=sc.duration_s,
                             lanes=sc.lanes, camera=camera, min_step_s=MIN_STEP_WALL_S * sc.speed)
    return pop, plan_updates(pop, schedule, sc.refdata_updates, camera=camera,
                             lead_s=max(5.0, LEAD_WALL_S * sc.speed))


def daemon_config(sc: Scenario, workdir: Path, k: int, kind: str, llrp_port: int,
                  camera_url: str | None = None, booth_port: int = 0, mqtt_port: int = 0,
                  trusted_keys: dict[str, str] | None = None,
                  refdata_path: Path | None = None) -> str:
    """The daemon config of lane k, pointing at the simulator's devices (time-scaled gaps).

    `trusted_keys` (headquarters' signing key) with `refdata_path` (the lane's own, empty
    reference data): the lane gets its reference data from headquarters over MQTT.
    """
    d = lane_dir(workdir, k)
    gap = max(0.05, round(3.0 / sc.speed, 3))
    if sc.devices.rfid == "llrp":
        rfid = (f'[[devices]]\nname = "rfid1"\nkind = "rfid"\ndriver = "llrp"\n'
                f'url = "llrp://127.0.0.1:{llrp_port}"\n')
    else:
        rfid = (f'[[devices]]\nname = "rfid1"\nkind = "rfid"\ndriver = "serial"\n'
                f'path = "{d / "rfid.tty"}"\nbaud = 115200\nframing = "crlf"\n'
                '[devices.options]\nprofile = "csv"\n')
    return f"""# Written by `lane-sim` for scenario {sc.name!r}, lane {k}: devices are the simulator's.
[lane]
port = "SIM-0001"
id = "L{k:02d}"
kind = "{kind}"

[store]
path = "{d / "lane.sqlite"}"

[control]
socket = "{d / "control.sock"}"

[logging]
level = "INFO"

[booth]
bind = "127.0.0.1"
port = {booth_port or DEFAULT_BOOTH_BASE + k - 1}

[thresholds]
vehicle_gap_s = {gap}   # 3 s of lane time at speed {sc.speed:g}
arrive_after_s = {round(5.0 / sc.speed, 3)}   # the lane's timers run on the compressed clock too
plate_before_s = {round(10.0 / sc.speed, 3)}
plate_after_s = {round(5.0 / sc.speed, 3)}
decided_close_s = {round(10.0 / sc.speed, 3)}
plate_wait_s = {round(15.0 / sc.speed, 3)}
lane_antennas = [1, 2]

[models]
refdata_path = "{refdata_path or workdir / "refdata.sqlite"}"

{rfid}
[[devices]]
name = "mrz1"
kind = "mrz_scanner"
driver = "serial"
path = "{d / "mrz.tty"}"
baud = {sc.devices.mrz_baud}
framing = "{sc.devices.mrz_framing}"
""" + (f"\n{camera_device(camera_url, sc.speed)}" if camera_url else "") + (
        f"\n{mqtt_section(mqtt_port, trusted_keys)}" if mqtt_port else "")


def lane_kind(sc: Scenario, k: int) -> str:
    kinds = sc.traffic.lane_kinds
    return kinds[(k - 1) % len(kinds)]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def booth_decide(base: str, crossing_id: str, action: str, note: str) -> tuple[bool, str]:
    """POST the officer's decision to the booth API, as the booth page does: (ok, detail)."""
    import urllib.error
    import urllib.request
    from urllib.parse import quote

    body = json.dumps({"action": action, "note": note}).encode()
    req = urllib.request.Request(f"{base}/api/v1/crossings/{quote(crossing_id)}/decision",  # noqa: S310
                                 data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=3.0) as resp:  # noqa: S310 - loopback booth
            return 200 <= resp.status < 300, str(resp.status)
    except urllib.error.HTTPError as err:
        return False, f"booth {err.code}"
    except (urllib.error.URLError, OSError) as err:
        return False, f"booth unreachable ({type(err).__name__})"


def control(sock: Path, cmd: str, **args: Any) -> dict[str, Any] | None:
    from edge.control import request
    from edge.errors import LaneEdgeError

    try:
        reply: dict[str, Any] = request(sock, cmd, timeout=3.0, **args)
    except (LaneEdgeError, OSError):
        return None
    return reply


class Officer(Player):
    """Decides each vehicle when it leaves the booth, through the daemon's control socket."""

    name = "officer"

    def __init__(self, lane: LaneTraffic, sock: Path, booth: str | None = None) -> None:
        super().__init__()
        self.lane = lane
        self.sock = sock
        self.booth = booth  # base URL of the booth API; None: the control socket
        self.outcomes: dict[str, dict[str, Any]] = {}

    def play(self, clock: SimClock) -> None:
        for v in sorted(self.lane.vehicles, key=lambda x: x.depart_s):
            if not clock.wait_until(v.depart_s, self.stop_event):
                return
            self.outcomes[v.vid] = self.decide(v)

    def decide(self, v: Vehicle) -> dict[str, Any]:
        crossing = None
        for _ in range(5):
            board = control(self.sock, "crossings")
            if board is None:
                return {"ok": False, "error": "daemon unreachable"}
            crossing = find_crossing(board.get("active", []), v)
            if crossing is not None:
                break
            time.sleep(0.1)
        if crossing is None:
            return {"ok": False, "error": "no crossing"}
        rec = (crossing.get("recommendation") or {}).get("action")
        action = officer_action(rec, v.officer_accepts)
        note = "" if v.officer_accepts else "lane-sim override"
        result = {"crossing_id": crossing["id"], "action": action, "recommended": rec}
        if self.booth is not None:
            ok, detail = booth_decide(self.booth, crossing["id"], action, note)
            if ok or not detail.startswith("booth unreachable"):
                return result | {"ok": ok, "via": "booth"} | ({} if ok else {"error": detail})
        out = control(self.sock, "decide", crossing_id=crossing["id"], action=action, note=note,
                      actor="lane-sim")
        return result | {"ok": out is not None and "error" not in out, "via": "control"}


def officer_action(recommended: str | None, accepts: bool) -> str:
    """What the simulated officer does: follow the recommendation, or the opposite."""
    if recommended is None:
        return "refer"  # nothing on the screen yet: send the vehicle to secondary
    follow = ("release" if recommended in RELEASE_LIKE else
              "redirect" if recommended == "redirect_commercial" else "refer")
    if accepts:
        return follow
    return "refer" if follow != "refer" else "release"


def find_crossing(crossings: list[dict[str, Any]], v: Vehicle) -> dict[str, Any] | None:
    cards, docs = set(v.cards), {d.document_number for d in v.documents}
    for c in crossings:
        if cards and cards & reporting.crossing_cards(c):
            return c
        if not cards and docs & reporting.crossing_documents(c):
            return c
    return None


@dataclass
class LaneRig:
    lane: LaneTraffic
    folder: Path
    config: Path
    rfid: Player
    mrz: MrzPlayer
    officer: Officer
    rfid_pty: PtyDevice | None = None
    camera: Any = None
    camera_garbage: int = 0
    hq_expected: int = 0  # last outbox seq when headquarters was asked (shutdown adds rows)
    daemon: subprocess.Popen[bytes] | None = None
    status_end: dict[str, Any] | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sock(self) -> Path:
        return self.folder / "control.sock"


class Runner:
    def __init__(self, sc: Scenario, workdir: Path, *, with_daemon: bool = False,
                 llrp_port_base: int = 0, log: Any = print) -> None:
        self.sc = sc
        self.workdir = workdir.resolve()
        self.with_daemon = with_daemon
        self.llrp_port_base = llrp_port_base
        self.log = log
        self.stop_event = threading.Event()
        self.rigs: list[LaneRig] = []
        self.fault_log: list[dict[str, Any]] = []
        self.update_log: list[dict[str, Any]] = []
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ setup
    def setup(self) -> None:
        t = time.monotonic()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.population, self.schedule = prepare(self.sc)
        self.hq: HqRig | None = None
        self.hq_note = ""
        if self.sc.devices.headquarters and hq_missing() is None:
            self.hq = HqRig(self.workdir)
            self.log(f"lane-sim: broker on 127.0.0.1:{self.hq.port}, headquarters listening")
        self.snapshot = snapshot_records(self.population, self.schedule, time.time())
        self.refdata: HqRefdata | FileRefdata
        if self.hq is not None and self.with_daemon:
            self.refdata = HqRefdata(self.hq, [lane.lane_id for lane in self.schedule.lanes])
            self.refdata_counts = {d: len(self.snapshot[d]) for d in DATASETS}
        else:  # a daemon started by hand, or no broker: the file stands in for headquarters
            self.refdata = FileRefdata(self.workdir / "refdata.sqlite")
            self.refdata_counts = self.refdata.load(self.snapshot)
        by_hq = isinstance(self.refdata, HqRefdata)
        for lane in self.schedule.lanes:
            k = lane.index
            folder = lane_dir(self.workdir, k)
            folder.mkdir(parents=True, exist_ok=True)
            for stale in ("lane.sqlite", "lane.sqlite-wal", "lane.sqlite-shm", "control.sock",
                          "refdata.sqlite", "refdata.sqlite-wal", "refdata.sqlite-shm"):
                if self.with_daemon:  # a daemon started by hand keeps its store
                    with contextlib.suppress(FileNotFoundError):
                        (folder / stale).unlink()
            faults = [f for f in self.sc.faults if f.lane == k]
            rfid: Player
            rfid_pty = None
            port = 0
            if self.sc.devices.rfid == "llrp":
                llrp = LlrpPlayer(lane.rfid, self.llrp_port_base + k - 1 if self.llrp_port_base else 0,
                                  faults)
                llrp.listen()
                assert llrp.server is not None
                port = llrp.server.port
                rfid = llrp
            else:
                rfid_pty = PtyDevice(folder / "rfid.tty", baud=0)
                rfid = SerialRfidPlayer(rfid_pty, lane.rfid, faults, seed=self.sc.seed + k)
            scanner = SimulatedScanner(self.sc.devices.mrz_framing, baud=self.sc.devices.mrz_baud,
                                       link=str(folder / "mrz.tty"), seed=self.sc.seed + k)
            camera = start_camera(lane, self.sc.speed) if lane.plates else None
            cfg = folder / "lane.toml"
            booth = free_port()
            cfg.write_text(daemon_config(
                self.sc, self.workdir, k, lane.kind, port,
                camera.url if camera is not None else None, booth,
                self.hq.port if self.hq is not None else 0,
                self.refdata.trusted_keys() if isinstance(self.refdata, HqRefdata) else None,
                folder / "refdata.sqlite" if by_hq else None))
            self.rigs.append(LaneRig(lane, folder, cfg, rfid,
                                     MrzPlayer(scanner, lane, faults, seed=self.sc.seed + k),
                                     Officer(lane, folder / "control.sock",
                                             f"http://127.0.0.1:{booth}"), rfid_pty, camera))
            self.log(f"lane-sim: lane L{k:02d} ({lane.kind}): config {cfg}")
        self.timings["setup_s"] = round(time.monotonic() - t, 3)

    def start_daemons(self) -> None:
        """One daemon per lane, as systemd would run it (logs in L0k/daemon.log)."""
        for rig in self.rigs:
            logf = (rig.folder / "daemon.log").open("wb")
            rig.daemon = subprocess.Popen(
                [sys.executable, "-m", "edge.daemon.cli", "run", "--config", str(rig.config)],
                stdout=logf, stderr=subprocess.STDOUT,
                start_new_session=True)  # Ctrl-C stops the run; we stop the daemon after it
            logf.close()

    def wait_daemons(self, timeout: float = 30.0) -> None:
        """Until every lane's daemon is ready with its devices open (ours or started by hand)."""
        if not self.with_daemon:
            for rig in self.rigs:
                self.log(f"lane-sim: waiting for a daemon: python -m edge.daemon.cli run "
                         f"--config {rig.config}")
        deadline = time.monotonic() + timeout
        for rig in self.rigs:
            while time.monotonic() < deadline and not self.stop_event.is_set():
                if rig.daemon is not None and rig.daemon.poll() is not None:
                    raise RuntimeError(f"daemon of {rig.lane.lane_id} exited "
                                       f"{rig.daemon.returncode}; see {rig.folder / 'daemon.log'}")
                st = control(rig.sock, "status")
                devs = (st or {}).get("devices", {})
                if st and st.get("ready") and all(d.get("state") == "open" for d in devs.values()):
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError(f"daemon of {rig.lane.lane_id} not ready with devices open")
            self.log(f"lane-sim: daemon of {rig.lane.lane_id} ready (pid {(st or {}).get('pid')}); "
                     f"booth page {rig.officer.booth}/ ; lanectl --config {rig.config} status")

    def _statuses(self) -> dict[str, Any]:
        return {rig.lane.lane_id: partial(control, rig.sock, "status") for rig in self.rigs}

    def publish_refdata(self, timeout: float = 30.0) -> None:
        """Headquarters' snapshots into every lane, before any traffic (or raise)."""
        if not isinstance(self.refdata, HqRefdata):
            self.log(f"lane-sim: reference data pre-loaded into {self.refdata.target} "
                     "(headquarters not simulated)")
            return
        t = time.monotonic()
        stop = self.stop_event.is_set
        self.refdata.wait_connected(self._statuses(), timeout, stop)
        self.refdata.send_snapshots(self.snapshot)
        records = sum(len(r) for r in self.snapshot.values())
        self.refdata.wait_applied(self._statuses(), dict.fromkeys(DATASETS, SNAPSHOT_VERSION),
                                  timeout + records / 20_000, stop)
        self.timings["refdata_snapshots_s"] = round(time.monotonic() - t, 3)
        self.log(f"lane-sim: headquarters' signed snapshots ({records} records) applied by "
                 f"every lane in {self.timings['refdata_snapshots_s']} s")

    # ------------------------------------------------------------------ run
    def run(self) -> dict[str, Any]:
        """Play the schedule; returns the report (also written to report.json)."""
        t = time.monotonic()
        clock = SimClock(time.time() + 0.5, self.sc.speed)
        self.clock = clock
        self.timings["t0_wall"] = clock.t0
        for rig in self.rigs:
            if rig.camera is not None:
                rig.camera.epoch = clock.t0
            rig.rfid.start(clock)
            rig.mrz.start(clock)
            rig.officer.start(clock)
        faults = threading.Thread(target=self._faults, args=(clock,), name="faults", daemon=True)
        faults.start()
        updates = threading.Thread(target=self._updates, args=(clock,), name="hq-updates",
                                   daemon=True)
        updates.start()
        last = max((v.depart_s for r in self.rigs for v in r.lane.vehicles), default=0.0)
        end_s = max(self.sc.duration_s, last + 1.0)
        self.stop_event.wait(max(0.0, clock.wall(end_s) - time.time()) + 1.0)
        horizon = min(end_s, clock.sim())
        for rig in self.rigs:
            rig.officer.stop()
            rig.mrz.stop()
            rig.rfid.stop()
        self.stop_event.set()
        faults.join(10)
        updates.join(10)
        sent = {e["index"] for e in self.update_log}
        self.update_log += [{**p.to_json(), "sent_at_s": None,
                             "note": "not reached: after the end of the run"}
                            for p in self.schedule.updates if p.index not in sent]
        done = {(f["at_s"], f["kind"], f["device"], f["lane"]) for f in self.fault_log}
        self.fault_log += [{**f.to_json(), "applied": False, "recovered": None,
                            "note": "not reached: after the end of the run"}
                           for f in self.sc.faults
                           if (f.at_s, f.kind, f.device, f.lane) not in done]
        self.timings["played_s"] = round(time.monotonic() - t, 3)
        return self.finish(horizon)

    def _faults(self, clock: SimClock) -> None:
        """Each fault in its own thread: an outage must not hold back the faults after it."""
        threads = []
        for f in self.sc.faults:
            if not clock.wait_until(f.at_s, self.stop_event):
                break
            th = threading.Thread(target=self._fault, args=(f, clock), name=f"fault-{f.kind}",
                                  daemon=True)
            th.start()
            threads.append(th)
        for th in threads:
            th.join()

    def _updates(self, clock: SimClock) -> None:
        """Headquarters' updates at their simulated time (or into the file, without it)."""
        for plan in self.schedule.updates:
            if not clock.wait_until(plan.at_s, self.stop_event):
                break
            entry = {**plan.to_json(), "sent_at_s": round(clock.sim(), 1)}
            if isinstance(self.refdata, HqRefdata):
                entry.update(self.refdata.send_update(plan, self.stop_event.is_set))
                if plan.applies:  # for the log: how long the lanes took to apply it
                    try:
                        waited = self.refdata.wait_applied(
                            self._statuses(), {plan.dataset: plan.version}, 2 * LEAD_WALL_S,
                            self.stop_event.is_set)
                        entry["applied_after_s"] = round(waited * clock.speed, 2)
                    except RefdataNotApplied as err:
                        entry.update(applied_after_s=None, error=err.code)
            else:
                entry.update(self.refdata.apply(plan))
            self.update_log.append(entry)

    def _fault(self, f: Fault, clock: SimClock) -> None:
        missing = optional_missing()
        entry: dict[str, Any] = {**f.to_json(), "applied": True, "recovered": None}
        rig = next((r for r in self.rigs if r.lane.index == f.lane), None)
        if f.kind == "broker_outage" and self.hq is not None:
            self.hq.outage(stop=True)
            clock.wait_until(f.at_s + f.duration_s, self.stop_event)
            self.hq.outage(stop=False)
            entry.update(recovered=None, note="recovery judged by uplink completeness at HQ")
        elif f.kind == "broker_outage":
            entry.update(applied=False, note="not simulated: headquarters/broker "
                         f"({missing.get('headquarters', 'not configured')})")
        elif f.kind == "camera_drop" and (rig is None or rig.camera is None):
            entry.update(applied=False, note=f"not simulated: camera "
                         f"({missing.get('camera', 'none on this lane')})")
        elif f.kind == "camera_drop" and rig is not None:
            entry.update(self._camera_drop(rig, f, clock))
        elif f.kind == "garbage" and f.device == "camera":
            if rig is None or rig.camera is None:
                entry.update(applied=False, note=f"not simulated: camera "
                             f"({missing.get('camera', 'none on this lane')})")
            else:
                rig.camera.inject_corrupt(f.count - f.count // 2)
                rig.camera.inject_truncated(f.count // 2)
                rig.camera_garbage += f.count
        elif rig is None:
            entry.update(applied=False, note="no such lane")
        elif f.kind == "unplug":
            entry.update(self._unplug(rig, f, clock))
        self.fault_log.append(entry)

    def _camera_drop(self, rig: LaneRig, f: Fault, clock: SimClock) -> dict[str, Any]:
        rig.camera.stop()
        clock.wait_until(f.at_s + f.duration_s, self.stop_event)
        rig.camera.start()
        return self._recovered(rig, "cam1", f, clock)

    def _recovered(self, rig: LaneRig, name: str, f: Fault, clock: SimClock) -> dict[str, Any]:
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            st = control(rig.sock, "status")
            if st is None:
                return {"recovered": None, "note": "daemon not reachable"}
            if st["devices"].get(name, {}).get("state") == "open":
                return {"recovered": True,
                        "recovered_after_s": round(clock.sim() - f.at_s - f.duration_s, 2)}
            time.sleep(0.1)
        return {"recovered": False}

    def _unplug(self, rig: LaneRig, f: Fault, clock: SimClock) -> dict[str, Any]:
        name = "rfid1" if f.device == "rfid" else "mrz1"
        if f.device == "rfid" and isinstance(rig.rfid, LlrpPlayer):
            rig.rfid.unplug(f.duration_s / clock.speed)
        elif f.device == "rfid":
            assert rig.rfid_pty is not None
            rig.rfid_pty.unplug()
            clock.wait_until(f.at_s + f.duration_s, self.stop_event)  # replug even when stopping
            rig.rfid_pty.replug()
        else:
            rig.mrz.scanner.unplug()
            clock.wait_until(f.at_s + f.duration_s, self.stop_event)
            rig.mrz.scanner.plug()
        return self._recovered(rig, name, f, clock)

    # ------------------------------------------------------------------ end
    def finish(self, horizon: float) -> dict[str, Any]:
        lanes = []
        hq_report: dict[str, Any] | None = None
        syncing = [rig for rig in self.rigs if "sync" in
                   ((control(rig.sock, "status") or {}).get("components") or {})]
        if self.hq is not None and syncing:
            last = {f"SIM-0001/{rig.lane.lane_id}": last_outbox_seq(rig.folder / "lane.sqlite")
                    for rig in syncing}
            caught_up = self.hq.wait_caught_up(last, 30.0)
            self.timings["hq_caught_up"] = float(caught_up)
            for rig in syncing:
                rig.hq_expected = last[f"SIM-0001/{rig.lane.lane_id}"]
            for entry in self.fault_log:  # the broker is back when headquarters has it all
                if entry["kind"] == "broker_outage" and entry["applied"]:
                    entry["recovered"] = caught_up
        for rig in self.rigs:
            rig.status_end = control(rig.sock, "status")
            exit_code: int | str | None = None
            if rig.daemon is not None:
                alive = rig.daemon.poll() is None
                if alive:
                    rig.daemon.send_signal(signal.SIGTERM)
                try:
                    exit_code = rig.daemon.wait(15)
                except subprocess.TimeoutExpired:
                    rig.daemon.kill()
                    exit_code = -9
                if not alive:
                    exit_code = f"died early ({exit_code})"
            store = read_store(rig.folder / "lane.sqlite")
            lanes.append(reporting.LaneResult(
                lane=rig.lane, store=store, status=rig.status_end, daemon_exit=exit_code,
                players={"rfid": rig.rfid.tally.to_json() | {"errors": rig.rfid.tally.errors},
                         "mrz": rig.mrz.tally.to_json() | {"errors": rig.mrz.tally.errors}},
                officer=rig.officer.outcomes, camera=rig.camera is not None,
                camera_garbage=rig.camera_garbage, hq_expected=rig.hq_expected))
        if self.hq is not None:
            hq_report = self.hq.report() if syncing else None
            self.hq.close()
            if not syncing:
                self.hq_note = "the daemon runs no sync component (not wired into this build)"
        for res in lanes:
            res.refdata = self.refdata.lane_report(
                res.lane.lane_id, res.status,
                (hq_report or {}).get(f"SIM-0001/{res.lane.lane_id}"))
        for rig in self.rigs:
            if rig.camera is not None:
                rig.camera.stop()
            safe_close(rig.mrz.scanner.pty)
            if rig.rfid_pty is not None:
                safe_close(rig.rfid_pty)
        rep = reporting.build_report(self.sc, self.schedule, lanes, self.fault_log, horizon,
                                     not_simulated=optional_missing(),
                                     refdata=self.refdata_counts, headquarters=hq_report,
                                     update_log=self.update_log)
        rep["timings"] = self.timings
        if self.hq_note:
            rep["not_simulated"]["headquarters"] = f"not simulated: headquarters ({self.hq_note})"
        out = self.workdir / "report.json"
        out.write_text(json.dumps(rep, indent=2, sort_keys=True, default=str) + "\n")
        rep["report_path"] = str(out)
        return rep

    def abort(self) -> None:
        self.stop_event.set()


def last_outbox_seq(path: Path) -> int:
    if not path.exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(seq) FROM outbox").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)


def read_store(path: Path) -> dict[str, list[Any]] | None:
    """Crossings, decisions and outbox rows, read-only (None if there is no store)."""
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        crossings = [(cid, state, json.loads(snap)) for cid, state, snap in
                     conn.execute("SELECT id, state, snapshot FROM crossings ORDER BY opened")]
        decisions = conn.execute("SELECT crossing_id, ts, kind, action, actor, body FROM decisions "
                                 "ORDER BY rowid").fetchall()
        outbox = conn.execute("SELECT seq, kind FROM outbox ORDER BY seq").fetchall()
    finally:
        conn.close()
    return {"crossings": crossings, "decisions": decisions, "outbox": outbox}


def run_scenario(sc: Scenario, workdir: Path, *, with_daemon: bool, llrp_port_base: int = 0,
                 log: Any = print, wait_s: float = 30.0) -> dict[str, Any]:
    """Set up, start daemons (or wait `wait_s` for ones started by hand), play and report.

    Ctrl-C ends the run early, with a report of the vehicles that completed.
    """
    runner = Runner(sc, workdir, with_daemon=with_daemon, llrp_port_base=llrp_port_base, log=log)
    runner.setup()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C and a plain `kill` both end the run with its report and stop the daemons
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: runner.abort())
    try:
        if with_daemon:
            runner.start_daemons()
        runner.wait_daemons(wait_s)
        runner.publish_refdata()
        return runner.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for rig in runner.rigs:
            if rig.daemon is not None and rig.daemon.poll() is None:
                rig.daemon.kill()
            if rig.camera is not None:
                rig.camera.stop()
            rig.rfid.stop()
            rig.mrz.stop()
            with contextlib.suppress(OSError):
                os.unlink(rig.folder / "rfid.tty")
        hq = getattr(runner, "hq", None)  # absent when set-up failed early
        if hq is not None:
            hq.close()
