"""What the `lanectl diag` commands share: finding the configured device a technician names
(and saying when it is not of the command's kind), reading a serial port for a while, saying
that a port does not open, and warning when the running daemon has the device open."""

from __future__ import annotations

import argparse
import sys
import time

from edge.config import Config, DeviceConfig
from edge.errors import LaneEdgeError
from edge.lanectl.common import load_cfg, print_json, try_call
from edge.lanectl.render import paint

EXIT_OK, EXIT_PROBLEM = 0, 1

# Which diag command looks at a device of each kind.
DIAG_FOR_KIND = {"camera": "camera", "rfid": "rfid", "mrz_scanner": "serial", "line": "serial",
                 "sign": "serial"}


class WrongDevice(LaneEdgeError):
    """The name given is a configured device of another kind than the command looks at."""

    code = "diag.wrong_device"


def configured(args: argparse.Namespace, name: str, what: str,
               *kinds: str) -> tuple[Config | None, DeviceConfig | None]:
    """The lane config, if it loads, and its device whose name, path or url is `name`; the
    device is None when there is none (the command then takes `name` as a port, file or URL).

    Raises `WrongDevice` when it is a device of another kind than `kinds` (a `what`, in the
    message): `diag camera rfid1` would otherwise look for a video file named rfid1.
    """
    try:
        cfg = load_cfg(args)
    except Exception:  # noqa: BLE001 - diag works without a valid config
        return None, None
    if cfg is None:
        return None, None
    dev = next((d for d in cfg.devices if name in (d.path, d.url) or d.name == name), None)
    if dev is not None and dev.kind not in kinds:
        which = "a configured" if name == dev.name else f"the address of {dev.name!r}, a configured"
        cmd = DIAG_FOR_KIND.get(dev.kind)
        also = f": try lanectl diag {cmd} {dev.name}" if cmd else ""
        raise WrongDevice(f"{name} is {which} {dev.kind} device (driver {dev.driver}), not a {what}{also}",
                          device=dev.name, kind=dev.kind)
    return cfg, dev


def read_port(path: str, baud: int, seconds: float) -> bytes:
    """Whatever the serial port sends in `seconds` (pyserial's exceptions pass through)."""
    import serial

    port = serial.serial_for_url(path, baudrate=baud, timeout=0.05)
    buf = bytearray()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            buf += port.read(4096)
    finally:
        port.close()
    return bytes(buf)


PORT_HINT = "check the device is plugged in (ls /dev/serial/by-id) and not held by the daemon"


def port_open_failed(args: argparse.Namespace, path: str, err: Exception, **facts: object) -> int:
    """Say that the serial port at `path` does not open (pyserial's error, what to check), as
    JSON with --json; the exit status of a diag that could not look."""
    msg = f"cannot open {path}: {type(err).__name__}: {err}"
    if args.json:
        print_json({"path": path, **facts, "opened": False, "code": "serial.open_failed", "error": msg,
                    "hint": PORT_HINT})
    else:
        print(f"{msg} [serial.open_failed]; {PORT_HINT}")
    return EXIT_PROBLEM


def warn_if_daemon_has(args: argparse.Namespace, cfg: Config | None, dev: DeviceConfig | None) -> None:
    """Warn on stderr when the running daemon (of `cfg`) has `dev` open, where two users of the
    device interfere: a serial port's bytes are split between its readers, an LLRP reader serves
    one client, a USB camera opens once. A network camera serves several."""
    if dev is None or (dev.kind == "camera" and not dev.path):
        return
    try:
        running, devices = try_call(args, cfg, "devices", timeout=2.0)
    except Exception:  # noqa: BLE001 - no config, no daemon, another version: nothing to say
        return
    if not running or not isinstance(devices, dict) or devices.get(dev.name, {}).get("state") != "open":
        return
    why = {"llrp": "an LLRP reader serves one client", "opencv": "a USB camera opens once"}.get(
        dev.driver, "the port's bytes would be split between the daemon and this command")
    sys.stderr.write(paint(f"warning: the running daemon has {dev.name} open ({why}): stop it first "
                           "(systemctl stop lane-edge)", "yellow") + "\n")
