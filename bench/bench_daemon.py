"""Daemon footprint: start-to-READY time, resident memory and idle CPU with devices open.

Starts the real daemon (subprocess) against simulated pty devices, listens on a NOTIFY_SOCKET
like systemd does, then samples /proc for a quiet period.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edge.sim.pty_device import PtyDevice

IDLE_SECONDS = 10.0


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measure(devices: str, work: Path, idle_s: float) -> tuple[float, float, float]:
    """(start-to-READY s, RSS MB, CPU % of one core over idle_s) of one daemon run."""
    cfg = work / "lane.toml"
    cfg.write_text(f'[lane]\nport = "B"\nid = "L1"\nkind = "nexus"\n[store]\npath = '
                   f'"{work / "s.sqlite"}"\n[booth]\nport = 0\n{devices}')
    notify = work / "notify.sock"
    notify.unlink(missing_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify))
    sock.settimeout(60)
    env = dict(os.environ, NOTIFY_SOCKET=str(notify))
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "edge.daemon.cli", "run", "--config",
                             str(cfg)], env=env, stderr=subprocess.DEVNULL)
    ready = None
    while ready is None:
        if "READY=1" in sock.recv(4096).decode():
            ready = time.monotonic() - t0
    time.sleep(2.0)
    tick = os.sysconf("SC_CLK_TCK")
    c0, w0 = _cpu_ticks(proc.pid), time.monotonic()
    time.sleep(idle_s)
    cpu = (_cpu_ticks(proc.pid) - c0) / tick / (time.monotonic() - w0) * 100
    rss = _rss_mb(proc.pid)
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)
    sock.close()
    return ready, rss, cpu


def _serial(name: str, kind: str, path: str, framing: str = "crlf") -> str:
    return (f'\n[[devices]]\nname = "{name}"\nkind = "{kind}"\ndriver = "serial"\n'
            f'path = "{path}"\nframing = "{framing}"\n')


def run() -> dict[str, dict[str, object]]:
    from edge.sim.camera_server import MjpegCameraServer
    from edge.sim.camera_video import CameraScene
    from edge.sim.sign import SimulatedSign

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mrz, rfid, line = PtyDevice(baud=9600), PtyDevice(baud=115200), PtyDevice(baud=9600)
        sign = SimulatedSign().start()
        serial = (_serial("mrz", "mrz_scanner", mrz.path) + _serial("rfid", "rfid", rfid.path)
                  + _serial("aux", "line", line.path) + _serial("sign", "sign", sign.pty.path))
        (work / "a").mkdir()
        ready, rss, cpu = _measure(serial, work / "a", IDLE_SECONDS)
        camera = MjpegCameraServer(CameraScene([], seed=1), fps=10).start()
        cam = (f'\n[[devices]]\nname = "plate"\nkind = "camera"\ndriver = "opencv"\n'
               f'url = "{camera.url}"\n[devices.options]\nsample_fps = 10\n')
        (work / "b").mkdir()
        ready_c, rss_c, cpu_c = _measure(serial + cam, work / "b", IDLE_SECONDS)
        camera.stop()
        sign.stop()
        for p in (mrz, rfid, line):
            p.close()
    note = "MRZ scanner, RFID reader, line device and sign on ptys; lane service with the risk model, booth server, ops"
    cam_note = note + "; plus a 10 fps MJPEG camera (empty road) read by the plate pipeline"
    return {
        "daemon.start_to_ready": {"value": round(ready, 3), "unit": "s",
                                  "note": f"exec to sd_notify READY=1; goal <= 3 s; {note}"},
        "daemon.rss_idle": {"value": round(rss, 1), "unit": "MB",
                            "note": f"VmRSS when idle; goal <= 200 MB; {note}"},
        "daemon.cpu_idle": {"value": round(cpu, 2), "unit": "% of one core",
                            "note": f"over {IDLE_SECONDS:.0f} s idle; goal <= 2 %; {note}"},
        "daemon.start_to_ready_with_camera": {"value": round(ready_c, 3), "unit": "s",
                                              "note": cam_note},
        "daemon.rss_with_camera": {"value": round(rss_c, 1), "unit": "MB",
                                   "note": f"goal <= 200 MB; {cam_note}"},
        "daemon.cpu_with_camera": {"value": round(cpu_c, 2), "unit": "% of one core",
                                   "note": f"camera frames are work, not idle; {cam_note}"},
    }
