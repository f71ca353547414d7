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
DEVICES = 4


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run() -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ptys = [PtyDevice(baud=9600) for _ in range(DEVICES)]
        devices = "".join(
            f'\n[[devices]]\nname = "dev{i}"\nkind = "line"\ndriver = "serial"\npath = "{p.path}"\n'
            for i, p in enumerate(ptys))
        cfg = work / "lane.toml"
        cfg.write_text(f'[lane]\nport = "B"\nid = "L1"\nkind = "nexus"\n[store]\npath = '
                       f'"{work / "s.sqlite"}"\n{devices}')
        notify = work / "notify.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(notify))
        sock.settimeout(30)
        env = dict(os.environ, NOTIFY_SOCKET=str(notify))
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "edge.daemon.cli", "run", "--config",
                                 str(cfg)], env=env, stderr=subprocess.DEVNULL)
        ready = None
        while ready is None:
            msg = sock.recv(4096).decode()
            if "READY=1" in msg:
                ready = time.monotonic() - t0
        time.sleep(1.0)
        tick = os.sysconf("SC_CLK_TCK")
        c0, w0 = _cpu_ticks(proc.pid), time.monotonic()
        time.sleep(IDLE_SECONDS)
        cpu = (_cpu_ticks(proc.pid) - c0) / tick / (time.monotonic() - w0) * 100
        rss = _rss_mb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        for p in ptys:
            p.close()
        sock.close()
    note = f"{DEVICES} serial devices open; foundation daemon (grows as capabilities land)"
    return {
        "daemon.start_to_ready": {"value": round(ready, 3), "unit": "s",
                                  "note": f"exec to sd_notify READY=1; goal <= 3 s; {note}"},
        "daemon.rss_idle": {"value": round(rss, 1), "unit": "MB",
                            "note": f"VmRSS after start; goal <= 200 MB; {note}"},
        "daemon.cpu_idle": {"value": round(cpu, 2), "unit": "% of one core",
                            "note": f"over {IDLE_SECONDS:.0f} s idle; goal <= 2 %; {note}"},
    }
