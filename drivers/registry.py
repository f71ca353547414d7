"""Which driver class serves which `kind` + `driver` pair in the config.

The daemon builds devices from this table; `lanectl config check` validates against it. Each
entry names the class lazily ("module:Class") so that a box without a camera never imports
OpenCV, and says whether the device needs a serial `path` or a network `url`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Literal

from edge.config import ConfigInvalid, ConfigProblem, DeviceConfig
from edge.drivers.base import Driver, DriverContext


@dataclass(frozen=True, slots=True)
class DriverEntry:
    target: str  # "edge.drivers.module:Class"
    needs: Literal["path", "url", "path_or_url", "nothing"]
    summary: str
    options: str = ""  # "edge.drivers.module:Class" of its `options` table, for the schema


REGISTRY: dict[tuple[str, str], DriverEntry] = {
    ("line", "serial"): DriverEntry(
        "edge.drivers.line_serial:LineSerialDriver", "path", "any device printing one read per line",
        "edge.drivers.line_serial:LineOptions",
    ),
    ("mrz_scanner", "serial"): DriverEntry(
        "edge.drivers.mrz_scanner.driver:MrzScannerDriver", "path",
        "serial MRZ passport/ID scanner (framing: cr, lf, crlf, stx_etx, desko, 3m)",
        "edge.drivers.mrz_scanner.driver:MrzScannerOptions",
    ),
    ("sign", "serial"): DriverEntry(
        "edge.drivers.signs.driver:SignDriver", "path",
        "lane-use sign / signal head (text protocol in drivers/signs/README.md)",
        "edge.drivers.signs.driver:SignOptions",
    ),
    ("rfid", "serial"): DriverEntry(
        "edge.drivers.rfid.serial_reader:SerialRfidReader", "path",
        "UHF reader printing one tag report per line (csv, key=value or regex profile)",
        "edge.drivers.rfid.line_profiles:SerialReaderOptions",
    ),
    ("rfid", "llrp"): DriverEntry(
        "edge.drivers.rfid.llrp_reader:LlrpRfidReader", "path_or_url",
        "EPCglobal LLRP reader over TCP (llrp://host:5084)",
        "edge.drivers.rfid.llrp_reader:LlrpReaderOptions",
    ),
    ("camera", "opencv"): DriverEntry(
        "edge.drivers.camera.driver:CameraDriver", "path_or_url",
        "licence-plate camera: V4L2 device, RTSP/HTTP MJPEG stream or video file (OpenCV)",
        "edge.drivers.camera.options:CameraOptions",
    ),
}


def load_class(entry: DriverEntry) -> type[Driver]:
    module, _, name = entry.target.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type) and issubclass(cls, Driver)
    return cls


def options_class(entry: DriverEntry) -> type | None:
    """The dataclass of a driver's `options` table (imported on demand), or None."""
    if not entry.options:
        return None
    module, _, name = entry.options.partition(":")
    cls = getattr(importlib.import_module(module), name)
    assert isinstance(cls, type)
    return cls


def create_driver(dev: DeviceConfig, ctx: DriverContext,
                  registry: dict[tuple[str, str], DriverEntry] | None = None) -> Driver:
    entry = (registry or REGISTRY)[(dev.kind, dev.driver)]
    return load_class(entry)(dev, ctx)


def check_device(dev: DeviceConfig, key: str) -> list[ConfigProblem]:
    """Problems of one device entry: unknown driver, missing path/url, bad options."""
    entry = REGISTRY.get((dev.kind, dev.driver))
    if entry is None:
        known = ", ".join(f"{k}/{d}" for k, d in sorted(REGISTRY))
        return [ConfigProblem(f"{key}.driver",
                              f"no driver {dev.driver!r} for kind {dev.kind!r} (known: {known})",
                              "config.unknown_driver")]
    problems: list[ConfigProblem] = []
    if entry.needs == "path" and not dev.path:
        problems.append(ConfigProblem(f"{key}.path", "missing; a serial device needs its port path",
                                      "config.missing"))
    elif entry.needs == "url" and not dev.url:
        problems.append(ConfigProblem(f"{key}.url", "missing; a network device needs its URL",
                                      "config.missing"))
    elif entry.needs == "path_or_url" and not (dev.path or dev.url):
        problems.append(ConfigProblem(f"{key}.path", "missing; give a path or a url",
                                      "config.missing"))
    if dev.enabled and dev.path and dev.path.startswith("/dev/") and not _exists(dev.path):
        problems.append(ConfigProblem(f"{key}.path", f"{dev.path} does not exist now "
                                      "(fine for a hot-plug device that is unplugged)",
                                      "config.path_absent", "warning"))
    ctx = DriverContext(dev.name, lambda _e: None)
    try:
        load_class(entry)(dev, ctx)
    except ConfigInvalid as err:
        problems += [ConfigProblem(p.key.replace(f"devices.{dev.name}.", f"{key}."), p.message,
                                   p.code, p.severity) for p in err.problems]
    return problems


def _exists(path: str) -> bool:
    import os

    return os.path.exists(path)
