"""`lane-sim`: the simulated lane (devices, traffic, headquarters) and the demo launcher."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from edge.sim.line_device import LineDevice
from edge.sim.pty_device import PtyDevice


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
    d.set_defaults(func=cmd_demo)
    ln = sub.add_parser("line", help="one generic line device on a pty; prints its path")
    ln.add_argument("--link", help="stable symlink to create for the pty")
    ln.add_argument("--baud", type=int, default=9600)
    ln.add_argument("--rate", type=float, default=2.0)
    ln.set_defaults(func=cmd_line)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "line":  # sigwait needs the signals blocked
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
