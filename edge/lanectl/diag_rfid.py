"""`lanectl diag rfid`: which cards a reader sees, on which antennas, how strongly.

Two kinds of reader: one that prints a tag report per line on a serial port (listened to raw,
so the lines the parser does not understand can be shown), and an LLRP reader on the network,
which the daemon's own driver opens, sets up and reads for the listening time, as the daemon
would. An LLRP reader serves one client: stop the daemon first.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import statistics
from typing import Any

from edge.config import DeviceConfig, parse_options
from edge.events import BadRead, Event, TagSighting
from edge.lanectl.common import print_json, progress
from edge.lanectl.diag_common import (
    EXIT_OK,
    EXIT_PROBLEM,
    configured,
    port_open_failed,
    read_port,
    warn_if_daemon_has,
)
from edge.lanectl.frames_view import visible
from edge.lanectl.render import table

# What to check when an LLRP reader cannot be read, by the driver's error code.
LLRP_HINTS = {
    "llrp.connect": "check the reader is powered, its address and port (5084), and the network",
    "llrp.refused": "the reader refused us: another client holds it (stop the daemon: "
                    "systemctl stop lane-edge) or its settings reject this ROSpec",
    "llrp.timeout": "the reader accepted the connection but does not answer: restart it",
    "llrp.dead_link": "the reader went silent: check the cable and the reader's power",
    "llrp.closed_by_reader": "the reader closed the session: another client may have taken it",
}


def tag_rows(tags: dict[str, list[tuple[int, float]]]) -> list[dict[str, Any]]:
    """One row per card: how often it was read, by which antennas, and its signal strength."""
    return [{"epc": epc, "reads": len(s), "antennas": sorted({a for a, _ in s}),
             "rssi_min": min(r for _, r in s), "rssi_avg": round(statistics.fmean(r for _, r in s), 1),
             "rssi_max": max(r for _, r in s)} for epc, s in sorted(tags.items())]


def _print_tags(rows: list[dict[str, Any]]) -> None:
    print(table([[r["epc"], r["reads"], ",".join(map(str, r["antennas"])), r["rssi_min"],
                  r["rssi_avg"], r["rssi_max"]] for r in rows],
                ["epc", "reads", "antennas", "rssi min", "avg", "max"]))


def is_llrp(dev: DeviceConfig | None, path: str) -> bool:
    """An LLRP reader: configured with the llrp driver, or given as llrp://host or tcp://host."""
    if dev is not None:
        return dev.driver == "llrp"
    return path.startswith(("llrp://", "tcp://"))


# ---- LLRP -------------------------------------------------------------------------------

async def watch_llrp(dev: DeviceConfig, seconds: float) -> dict[str, Any]:
    """Run the daemon's LLRP driver for `seconds` and report what it saw.

    Stops early when the first connection fails (the driver would only retry with backoff),
    and keeps the driver's log quiet: its "retrying with backoff" is not what diag does.
    """
    from edge.drivers.rfid.llrp_reader import LlrpRfidReader

    quiet = logging.getLogger(LlrpRfidReader.__module__)
    was, quiet.disabled = quiet.disabled, True
    try:
        return await _watch(dev, seconds)
    finally:
        quiet.disabled = was


async def _watch(dev: DeviceConfig, seconds: float) -> dict[str, Any]:
    from edge.drivers.base import DriverContext
    from edge.drivers.registry import create_driver
    from edge.drivers.rfid.llrp_reader import AntennaStateChanged, LlrpRfidReader
    from edge.events import DeviceState

    events: list[Event] = []
    ctx = DriverContext(dev.name, events.append)
    driver = create_driver(dev, ctx)
    assert isinstance(driver, LlrpRfidReader)
    task = asyncio.create_task(driver.run())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    opened = False
    while loop.time() < deadline and not task.done():
        await asyncio.sleep(0.05)
        opened = opened or ctx.health.state == DeviceState.OPEN
        if not opened and ctx.health.state == DeviceState.DISCONNECTED:
            break  # the first attempt failed: say why now rather than retry
    driver.request_stop()  # stop the ROSpec and close the session politely
    try:
        await asyncio.wait_for(task, 3.0)
    except TimeoutError:
        pass  # wait_for has cancelled it
    except Exception as err:  # noqa: BLE001 - a driver failure is what the technician must see
        ctx.set_state(DeviceState.FAILED, err)
    tags: dict[str, list[tuple[int, float]]] = {}
    for e in events:
        if isinstance(e, TagSighting):
            tags.setdefault(e.epc, []).append((e.antenna, e.rssi))
    caps = driver.capabilities
    h = ctx.health
    error = h.last_error.removeprefix(f"[{h.last_error_code}] ") if h.last_error else None
    return {
        "address": f"{driver.host}:{driver.port}", "connected": opened,
        "error_code": None if opened else h.last_error_code, "error": None if opened else error,
        "reader": None if caps is None else {"manufacturer": caps.manufacturer, "model": caps.model,
                                             "firmware": caps.firmware, "antennas": caps.max_antennas},
        "tags": tag_rows(tags),
        "antenna_events": [{"antenna": e.antenna, "connected": e.connected}
                           for e in events if isinstance(e, AntennaStateChanged)],
        "bad_reads": sum(isinstance(e, BadRead) for e in events),
        "counters": dict(ctx.counters.snapshot()),
    }


def _diag_llrp(args: argparse.Namespace, dev: DeviceConfig | None) -> int:
    configured = dev.name if dev is not None else None
    if dev is None:  # an address given on the command line: the driver's default options
        dev = DeviceConfig(name="diag", kind="rfid", driver="llrp", url=args.path)
    if not args.json:
        progress(1, 1, f"reading {dev.url or dev.path} over LLRP for {args.seconds:g}s")
    out = {"configured": configured, **asyncio.run(watch_llrp(dev, args.seconds))}
    if not out["connected"]:
        out["hint"] = LLRP_HINTS.get(out["error_code"] or "", "see the daemon's log for this reader")
    if args.json:
        print_json(out)
    elif not out["connected"]:
        print(f"cannot read {out['address']}: {out['error']} [{out['error_code']}]; {out['hint']}")
    else:
        r = out["reader"]
        if r is not None:
            print(f"reader: maker {r['manufacturer']}, model {r['model']}, firmware {r['firmware']}, "
                  f"{r['antennas']} antennas")
        _print_tags(out["tags"])
        for e in out["antenna_events"]:
            print(f"antenna {e['antenna']} {'connected' if e['connected'] else 'DISCONNECTED'}")
        c = out["counters"]
        print(f"{c.get('reports', 0)} report(s), {c.get('keepalives', 0)} keepalive(s), "
              f"{out['bad_reads']} message(s) not understood")
        if not out["tags"]:
            print("no card seen: hold a card in the antennas' field")
    return EXIT_OK if out["connected"] and out["tags"] else EXIT_PROBLEM


# ---- serial -----------------------------------------------------------------------------

def _tag_parser(dev: DeviceConfig | None, profile: str | None) -> Any:
    """The RFID helper's line parser when installed (configured options first), else None."""
    try:
        mod = importlib.import_module("edge.drivers.rfid.line_profiles")
    except ImportError:
        return None
    options = dict(dev.options) if dev is not None else {}
    if profile:
        options["profile"] = profile
    opts = parse_options(mod.SerialReaderOptions, options, "diag.rfid")
    return mod.TagLineParser(opts)


def _diag_serial(args: argparse.Namespace, dev: DeviceConfig | None) -> int:
    path = dev.path if dev is not None and dev.path else args.path
    baud = args.baud or (dev.baud if dev is not None else 115200)
    parser = _tag_parser(dev, args.profile)
    if not args.json:
        progress(1, 1, f"listening at {baud} baud for {args.seconds:g}s")
    try:
        data = read_port(path, baud, args.seconds)
    except Exception as err:  # noqa: BLE001 - pyserial raises many types; say which
        return port_open_failed(args, path, err, baud=baud)
    lines = [ln.decode("ascii", "replace").strip() for ln in data.replace(b"\r", b"\n").split(b"\n")]
    lines = [ln for ln in lines if ln]
    tags: dict[str, list[tuple[int, float]]] = {}
    bad: list[str] = []
    for ln in lines:
        if parser is None:
            continue
        try:
            tag = parser.parse(ln)
        except Exception:  # noqa: BLE001 - the parser's own error type; counted as a bad line
            bad.append(ln)
            continue
        tags.setdefault(tag.epc, []).append((tag.antenna, tag.rssi))
    rows = tag_rows(tags)
    out: dict[str, Any] = {"path": path, "baud": baud, "opened": True, "lines": len(lines),
                           "parser": parser is not None, "tags": rows,
                           "bad_lines": [visible(b.encode()) for b in bad[:20]],
                           "raw": [] if parser is not None else [visible(ln.encode()) for ln in lines[:50]]}
    if args.json:
        print_json(out)
    elif parser is None:
        print("no RFID line parser in this build: raw lines follow")
        for ln in out["raw"]:
            print(f"  {ln}")
    else:
        _print_tags(rows)
        print(f"{len(lines)} line(s), {len(bad)} not understood"
              + (f"; first: {out['bad_lines'][0]}" if bad else ""))
    return EXIT_OK if lines else EXIT_PROBLEM


def cmd_diag_rfid(args: argparse.Namespace) -> int:
    cfg, dev = configured(args, args.path, "RFID reader", "rfid")
    warn_if_daemon_has(args, cfg, dev)
    if is_llrp(dev, args.path):
        return _diag_llrp(args, dev)
    return _diag_serial(args, dev)


def add_parser(ds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = ds.add_parser("rfid", help="card sightings of an RFID reader (serial or LLRP) with RSSI, per card")
    r.add_argument("path", help="port path, pyserial URL, llrp://host[:port], or a configured reader's name "
                                "(an LLRP reader is read with its configured options)")
    r.add_argument("--baud", type=int, help="serial: baud rate (default: configured, else 115200)")
    r.add_argument("--profile", choices=["csv", "kv", "regex"],
                   help="serial: line profile (default: configured)")
    r.add_argument("--seconds", type=float, default=5.0, help="listening time")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_diag_rfid)

