"""`lane-sim`: the simulated lane (devices, traffic, headquarters) and the demo launcher."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from edge.errors import LaneEdgeError
from edge.sim.line_device import LineDevice
from edge.sim.pty_device import PtyDevice
from edge.sim.scenario import Scenario, available, load_scenario, with_overrides


def demo_config(workdir: Path, line_path: str) -> str:
    return f"""# Written by `lane-sim demo`: a lane whose devices are the simulator's.
[lane]
port = "SIM-0001"
id = "L01"
kind = "nexus"

[store]
path = "{workdir / 'lane.sqlite'}"

[control]
socket = "{workdir / 'control.sock'}"

[logging]
level = "INFO"

[[devices]]
name = "line1"
kind = "line"
driver = "serial"
path = "{line_path}"
baud = 9600
framing = "crlf"
"""


def wait_ready(sock: Path, daemon: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Wait until the daemon answers on its control socket (ports opened before are flushed)."""
    from edge.control import request
    from edge.errors import ControlError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and daemon.poll() is None:
        try:
            if request(sock, "status", timeout=1.0).get("ready"):
                return True
        except ControlError:
            pass
        time.sleep(0.1)
    return False


def cmd_demo(args: argparse.Namespace) -> int:
    if args.scenario:  # the whole lane: every simulated device, officers, the report
        from edge.sim.report import summary_lines
        from edge.sim.runner import run_scenario

        sc = with_overrides(load_scenario(args.scenario), speed=args.speed)
        if args.duration:
            sc = with_overrides(sc, duration_s=args.duration * sc.speed)
        rep = run_scenario(sc, Path(args.workdir), with_daemon=True)
        for text in summary_lines(rep):
            print(f"lane-sim: {text}")
        print(f"lane-sim: report {rep['report_path']}")
        return 0 if all(e in (0, None) for e in rep["summary"]["daemons_exit"]) else 1
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    line = LineDevice(PtyDevice(workdir / "line1.tty", baud=9600), rate_hz=args.rate)
    cfg = workdir / "lane.toml"
    cfg.write_text(demo_config(workdir, line.pty.path))
    print(f"lane-sim: simulated line device on {line.pty.path}")
    print(f"lane-sim: daemon config {cfg}")
    daemon = subprocess.Popen([sys.executable, "-m", "edge.daemon.cli", "run", "--config", str(cfg)])
    wait_ready(workdir / "control.sock", daemon)
    line.start()
    print(f"lane-sim: daemon pid {daemon.pid}. In another terminal: lanectl --config {cfg} status")
    print("lane-sim: Ctrl-C stops the demo cleanly.")
    stopped = False

    def _stop(_sig: int, _frm: object) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    deadline = time.monotonic() + args.duration if args.duration else None
    while not stopped and daemon.poll() is None:
        if deadline and time.monotonic() > deadline:
            break
        time.sleep(0.2)
    line.stop()
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
    try:
        code = daemon.wait(10)
    except subprocess.TimeoutExpired:
        daemon.kill()
        code = -9
    line.pty.close()
    print(f"lane-sim: demo stopped (daemon exit {code}); {line.sent} reads sent")
    return 0 if code == 0 else 1


def cmd_line(args: argparse.Namespace) -> int:
    dev = LineDevice(PtyDevice(args.link, baud=args.baud), rate_hz=args.rate)
    print(dev.pty.path, flush=True)
    dev.start()
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        dev.stop()
        dev.pty.close()
    return 0


def camera_schedule(plates: str, gap_s: float, night: str) -> list[tuple[float, str, bool]]:
    """(start time, plate, at night) of each vehicle: one every `gap_s`, night as asked
    ("none", "all", or every other vehicle)."""
    texts = [p.strip().upper() for p in plates.split(",") if p.strip()]
    if not texts:
        raise SystemExit("lane-sim camera: --plates names no plate")

    def dark(i: int) -> bool:
        return night == "all" or (night == "alternate" and i % 2 == 1)

    return [(1.0 + gap_s * i, text, dark(i)) for i, text in enumerate(texts)]


def cmd_camera(args: argparse.Namespace) -> int:
    """A plate camera for trying a lane box's configuration without one: MJPEG over HTTP (with
    Basic auth when asked, as cameras do), or the same traffic written to a video file."""
    from edge.sim.camera_server import MjpegCameraServer
    from edge.sim.camera_video import CameraScene, write_video

    schedule = camera_schedule(args.plates, args.gap, args.night)
    if args.video:
        n = write_video(args.video, schedule, fps=args.fps, seed=args.seed)
        plates = ", ".join(p for _t, p, _n in schedule)
        print(f"lane-sim: {args.video}: {n} frames at {args.fps:g} fps, plates {plates}")
        return 0
    scene = CameraScene(schedule, args.seed)
    period = scene.duration
    auth = None
    if args.user:
        if not args.password_file:
            raise SystemExit("lane-sim camera: --user needs --password-file")
        auth = (args.user, Path(args.password_file).read_text(encoding="utf-8").strip())
    cam = MjpegCameraServer(lambda t: scene.frame_at(t % period)[0], host=args.host, port=args.port,
                            fps=args.fps, auth=auth)
    try:
        cam.start()
    except OSError as err:
        print(f"lane-sim camera: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1
    print(f"lane-sim: camera {cam.url} ({args.fps:g} fps, {len(schedule)} vehicles every "
          f"{period:.0f} s{', Basic auth' if auth else ''}); Ctrl-C stops", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        cam.stop()
    print(f"lane-sim: camera stopped after {cam.frames} frames")
    return 0


def _scenario(args: argparse.Namespace) -> Scenario:
    sc = load_scenario(args.scenario)
    return with_overrides(sc, seed=args.seed, speed=args.speed, lanes=args.lanes,
                          duration_s=args.duration)


def cmd_run(args: argparse.Namespace) -> int:
    from edge.sim.report import summary_lines
    from edge.sim.runner import run_scenario

    sc = _scenario(args)
    print(f"lane-sim: scenario {sc.name}: {sc.description.splitlines()[0] if sc.description else ''}")
    try:
        rep = run_scenario(sc, Path(args.workdir), with_daemon=args.with_daemon,
                           llrp_port_base=args.llrp_port,
                           wait_s=30.0 if args.with_daemon else args.wait)
    except (RuntimeError, LaneEdgeError) as err:  # a daemon that never came up, or died;
        print(f"lane-sim: {err}", file=sys.stderr)  # reference data that never reached a lane
        return 2
    for line in summary_lines(rep):
        print(f"lane-sim: {line}")
    print(f"lane-sim: report {rep['report_path']}")
    if args.json:
        print(json.dumps({k: v for k, v in rep.items() if k != "report_path"}, indent=2,
                         sort_keys=True, default=str))
    exits = rep["summary"]["daemons_exit"]
    return 0 if all(e in (0, None) for e in exits) else 1


def cmd_config(args: argparse.Namespace) -> int:
    from edge.sim.runner import DEFAULT_LLRP_BASE, daemon_config, lane_kind

    sc = _scenario(args)
    if not 1 <= args.lane <= sc.lanes:
        print(f"lane-sim: --lane must be 1..{sc.lanes}", file=sys.stderr)
        return 2
    port = (args.llrp_port or DEFAULT_LLRP_BASE) + args.lane - 1
    sys.stdout.write("# Preview: `lane-sim run` writes the config it really uses (free ports, the\n"
                     f"# camera URL when there is a camera) to {Path(args.workdir).resolve()}"
                     f"/L{args.lane:02d}/lane.toml\n")
    sys.stdout.write(daemon_config(sc, Path(args.workdir).resolve(), args.lane,
                                   lane_kind(sc, args.lane), port))
    return 0


def cmd_scenarios(_args: argparse.Namespace) -> int:
    for name in available():
        sc = load_scenario(name)
        print(f"{name}:")
        for text in sc.description.splitlines():
            print(f"  {text}")
        print("  exercises:")
        for item in sc.exercises:
            print(f"    - {item}")
    return 0


def _scenario_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="rush-hour",
                   help=f"scenario name ({', '.join(available())}) or a .toml path")
    p.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    p.add_argument("--speed", type=float, help="simulated seconds per wall second")
    p.add_argument("--lanes", type=int, help="number of lanes (one daemon each)")
    p.add_argument("--duration", type=float, help="simulated seconds of arrivals")
    p.add_argument("--workdir", default=os.environ.get("LANE_SIM_WORKDIR", "var/sim"),
                   help="folder for configs, device links, stores and the report")
    p.add_argument("--llrp-port", type=int, default=0,
                   help="first LLRP reader port (lane k uses port+k-1; 0: a free port)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lane-sim",
        description="Simulated lane devices, traffic and headquarters, for tests and demos.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the daemon against simulated devices (Ctrl-C stops)")
    d.add_argument("--workdir", default=os.environ.get("LANE_SIM_WORKDIR", "var/demo"))
    d.add_argument("--rate", type=float, default=1.0, help="reads per second per device")
    d.add_argument("--duration", type=float, default=0, help="stop after N seconds (0: never)")
    d.add_argument("--speed", type=float, default=None,
                   help="with --scenario: simulated seconds per wall second (default: the scenario's)")
    d.add_argument("--scenario", default="",
                   help="run this scenario with every simulated device instead of the line demo "
                        "(Ctrl-C ends it with a report)")
    d.set_defaults(func=cmd_demo)
    r = sub.add_parser("run", help="run a scenario: devices, traffic, officers, faults; report")
    _scenario_args(r)
    r.add_argument("--with-daemon", action="store_true", help="start a lane daemon per lane")
    r.add_argument("--wait", type=float, default=300.0,
                   help="without --with-daemon: seconds to wait for daemons started by hand")
    r.add_argument("--json", action="store_true", help="print the whole report as JSON")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("config", help="print the daemon config of a lane for `lane-sim run`")
    _scenario_args(c)
    c.add_argument("--lane", type=int, default=1, help="which lane (1-based)")
    c.set_defaults(func=cmd_config)
    sc = sub.add_parser("scenarios", help="list the shipped scenarios and what they exercise")
    sc.set_defaults(func=cmd_scenarios)
    ln = sub.add_parser("line", help="one generic line device on a pty; prints its path")
    ln.add_argument("--link", help="stable symlink to create for the pty")
    ln.add_argument("--baud", type=int, default=9600)
    ln.add_argument("--rate", type=float, default=2.0)
    ln.set_defaults(func=cmd_line)
    cam = sub.add_parser("camera", help="a plate camera: MJPEG over HTTP on loopback, or --video FILE")
    cam.add_argument("--host", default="127.0.0.1")
    cam.add_argument("--port", type=int, default=8554)
    cam.add_argument("--fps", type=float, default=10.0)
    cam.add_argument("--plates", default="ABC1234,7XYZ123,KDR2231,B52FJK",
                     help="comma-separated plates, one vehicle each (the traffic repeats)")
    cam.add_argument("--gap", type=float, default=8.0, help="seconds between vehicles")
    cam.add_argument("--night", choices=["none", "alternate", "all"], default="alternate",
                     help="which vehicles pass at night")
    cam.add_argument("--seed", type=int, default=0, help="the scenes' look (vehicle, light, angle)")
    cam.add_argument("--user", help="require HTTP Basic auth with this user (as IP cameras do)")
    cam.add_argument("--password-file", help="with --user: file holding the password")
    cam.add_argument("--video", help="write the traffic once to this MJPG .avi instead of serving it")
    cam.set_defaults(func=cmd_camera)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the serving commands sigwait for Ctrl-C, which needs the signals blocked; the mask is put
    # back afterwards, since a blocked mask outlives the command in its thread and is inherited
    # by every process started from it (a caller's later children would ignore SIGTERM)
    serving = args.command == "line" or (args.command == "camera" and not args.video)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) if serving else None
    try:
        rc: int = args.func(args)
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
    return rc


if __name__ == "__main__":
    sys.exit(main())
