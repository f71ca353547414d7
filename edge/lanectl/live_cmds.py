"""lanectl commands that talk to the running daemon: tail, outbox, sync now, lane, occupants,
arrive, reload, metrics."""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from edge.control import DaemonNotRunning
from edge.errors import ControlError
from edge.lanectl.common import actor, call, down_note, load_cfg, print_json, store_path, try_call
from edge.lanectl.render import ago, paint, table
from edge.ops.store_facts import outbox_stats

EXIT_OK, EXIT_ATTENTION, EXIT_DOWN = 0, 1, 2


def _crossing_summary(snap: dict[str, Any]) -> str:
    """A crossing's snapshot in one short line for people (`--json` keeps all of it): what it
    holds and where it stands, plates as masked by the daemon."""
    plates = ",".join(f"{p.get('text')}({float(p.get('confidence') or 0):.2f})"
                      for p in snap.get("plates") or [])
    rec = (snap.get("recommendation") or {}).get("action")
    dec = (snap.get("decision") or {}).get("outcome")
    parts = [f"cards={snap.get('card_count', len(snap.get('cards') or []))}",
             f"documents={snap.get('document_count', len(snap.get('documents') or []))}",
             f"plates={plates or '-'}"]
    parts += [f"recommended={rec}"] if rec else []
    parts += [f"decided={dec}"] if dec else []
    parts += [f"closed={snap['closed_reason']}"] if snap.get("closed_reason") else []
    return " ".join(parts)


def _event_line(ev: dict[str, Any]) -> str:
    t = float(ev.get("ts", 0))
    ts = time.strftime("%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}"
    rest = {k: v for k, v in ev.items() if k not in ("seq", "ts", "type", "device")}
    snap = rest.pop("snapshot", None)
    fields = " ".join(f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
                      for k, v in rest.items())
    if isinstance(snap, dict):  # a crossing: its gist, not 3 kB of JSON
        fields += " " + _crossing_summary(snap)
    return f"{ts} {paint(ev.get('type', '?'), 'bold')} {ev.get('device', '')} {fields}".rstrip()


EVENT_TYPES = ("TagSighting", "PlateRead", "DocumentScanned", "LineRead", "BadRead", "DeviceStateChanged",
               "AntennaStateChanged", "CrossingUpdated", "SignCommand", "LaneModeChanged", "ConfigReloaded")


def _wanted(ev: dict[str, Any], devices: list[str] | None, types: list[str] | None) -> bool:
    """Whether an event passes `--device` and `--type` (each repeatable; types in any case)."""
    if devices and ev.get("device") not in devices:
        return False
    return not types or str(ev.get("type", "")).lower() in {t.lower() for t in types}


def cmd_tail(args: argparse.Namespace) -> int:
    cfg = load_cfg(args, lenient=True)
    session = uuid.uuid4().hex if args.show_personal else None
    extra: dict[str, Any] = {"actor": actor()}
    if session:
        extra.update(show_personal=True, session=session)
        sys.stderr.write("showing personal data: this is recorded in the audit log\n")
    try:
        seq = call(args, cfg, "tail", **extra)["seq"]
    except DaemonNotRunning as err:
        down_note(f"nothing to tail ({err.message})")
        return EXIT_DOWN
    seq = max(0, seq - args.last)
    shown = 0
    deadline = time.monotonic() + args.timeout if args.timeout else None
    try:
        while True:
            got = call(args, cfg, "tail", after=seq, wait=0.5, timeout=5.0, **extra)
            if got.get("missed"):
                sys.stderr.write(f"({got['missed']} event(s) missed: the feed moved on)\n")
            for ev in got["events"]:
                if not _wanted(ev, args.device, args.type):
                    continue
                print_json(ev) if args.json else print(_event_line(ev))
                shown += 1
                if args.count and shown >= args.count:
                    return EXIT_OK
            sys.stdout.flush()
            seq = got["seq"]
            if deadline is not None and time.monotonic() > deadline:
                return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_OK
    except DaemonNotRunning:
        down_note("the daemon stopped")
        return EXIT_DOWN


def cmd_outbox(args: argparse.Namespace) -> int:
    cfg = load_cfg(args, lenient=True)
    running, stats = try_call(args, cfg, "outbox")
    if not running:
        down_note("outbox figures read from the store file") if not args.json else None
        stats = outbox_stats(store_path(args, cfg))
    if args.json:
        print_json({"running": running, **stats})
        return EXIT_OK if "error" not in stats else EXIT_DOWN
    if "error" in stats:
        print(f"outbox: {stats['error']}")
        return EXIT_DOWN
    age = stats.get("oldest_unconfirmed_age_s")
    rows = [["pending", stats["pending"]], ["sent (awaiting ack)", stats["sent"]],
            ["confirmed", stats["confirmed"]], ["backlog", stats["backlog"]],
            ["oldest unconfirmed", "-" if age is None else ago(age).replace(" ago", "")],
            ["drain, last minute", f"{stats['drain_per_min_1m']}/min"],
            ["drain, last 15 minutes", f"{stats['drain_per_min_15m']}/min"],
            ["time to drain", "-" if stats.get("eta_s") is None else f"{stats['eta_s']}s"]]
    print(table(rows, ["outbox", "value"]))
    return EXIT_OK


def _daemon_only(args: argparse.Namespace, cmd: str, what: str, **kw: Any) -> tuple[int, Any]:
    cfg = load_cfg(args, lenient=True)
    try:
        return EXIT_OK, call(args, cfg, cmd, actor=actor(), timeout=args.wait, **kw)
    except DaemonNotRunning:
        down_note(f"{what} needs the daemon (systemctl start lane-edge)")
        return EXIT_DOWN, None
    except ControlError as err:
        if err.code == "control.unknown_command":
            sys.stderr.write(f"this daemon does not support {what}\n")
            return EXIT_DOWN, None
        sys.stderr.write(f"{what} failed: {err.message} [{err.code}]\n")
        return EXIT_ATTENTION, None


def cmd_sync_now(args: argparse.Namespace) -> int:
    """Reconnect and send now; exit 0 when headquarters has confirmed everything, 1 otherwise."""
    wait_s = max(0.0, args.wait - 2.0)  # the daemon answers before lanectl stops waiting
    code, result = _daemon_only(args, "sync", "sync now", action="now", wait_s=wait_s)
    if code != EXIT_OK:
        return code
    done = isinstance(result, dict) and result.get("unconfirmed_after") == 0 \
        and result.get("link", {}).get("state") == "connected"
    if args.json:
        print_json(result)
    elif isinstance(result, dict) and "link" in result:
        link = result["link"]
        where = f"{link['host']}:{link['port']}"
        if link["state"] == "connected":
            again = " (reconnected now)" if result["retried_connection"] else ""
            print(f"sync: connected to {where}{again}")
        else:
            print(paint(f"sync: NOT connected to {where} ({link['state']}; last error: "
                        f"{link.get('last_error') or '-'})", "red"))
        print(f"outbox: {result['unconfirmed_before']} unconfirmed before, {result['unconfirmed_after']} "
              f"after {result['waited_s']:g}s")
    else:
        print(f"sync: {json.dumps(result, default=str)}")
    return EXIT_OK if done else EXIT_ATTENTION


def cmd_lane(args: argparse.Namespace) -> int:
    action = args.lane_command
    kw = {"kind": args.kind} if action == "mode" else {}
    code, result = _daemon_only(args, "lane", f"lane {action}", action=action, **kw)
    if code == EXIT_OK:
        if args.json:
            print_json(result)
        else:
            print(f"lane mode {result['mode']}, kind {result['kind']}"
                  + (f" (was {result['before']['mode']}, {result['before']['kind']})"
                     if result["before"] != {"mode": result["mode"], "kind": result["kind"]} else ""))
    return code


def cmd_occupants(args: argparse.Namespace) -> int:
    """The officer's count of occupants, when the booth page is out of reach (audited)."""
    code, result = _daemon_only(args, "occupants", "occupants", count=args.count,
                                crossing_id=args.crossing or "")
    if code == EXIT_OK:
        if args.json:
            print_json(result)
        else:
            print(f"crossing {result['crossing_id']}: {result['occupants_declared']} occupant(s) "
                  f"declared; recommendation now {result['recommendation'] or 'pending'}"
                  + (f" ({', '.join(result['reasons'])})" if result.get("reasons") else ""))
    return code


def cmd_arrive(args: argparse.Namespace) -> int:
    """The booth page's "At booth", when the page is out of reach (audited)."""
    code, result = _daemon_only(args, "arrive", "arrive", crossing_id=args.crossing)
    if code == EXIT_OK:
        if args.json:
            print_json(result)
        else:
            print(f"crossing {result['crossing_id']} at the booth"
                  + (f" (replaces {result['before']})" if result.get("before") else "")
                  + f"; recommendation now {result['recommendation'] or 'pending'}")
    return code


def cmd_reload(args: argparse.Namespace) -> int:
    code, result = _daemon_only(args, "reload", "reload", config=str(Path(args.config).resolve()))
    if code == EXIT_OK:
        if args.json:
            print_json(result)
        else:
            for line in result["changed"] or ["nothing changed"]:
                print(line)
    return code


def cmd_metrics(args: argparse.Namespace) -> int:
    code, text = _daemon_only(args, "metrics", "metrics")
    if code == EXIT_OK:
        sys.stdout.write(text)
    return code


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    s = sub.add_parser("tail", help="live events of the running daemon (personal data masked)")
    s.add_argument("--show-personal", action="store_true",
                   help="show names and document numbers (recorded in the audit log)")
    s.add_argument("--json", action="store_true", help="one JSON object per event")
    s.add_argument("--device", action="append", metavar="NAME",
                   help="only this device's events (repeatable), e.g. --device cam1")
    s.add_argument("--type", action="append", metavar="TYPE",
                   help=f"only events of this type (repeatable, any case): {', '.join(EVENT_TYPES)}")
    s.add_argument("--last", type=int, default=0,
                   help="start with the last N events (counted before --device and --type)")
    s.add_argument("--count", "-n", type=int, default=0, help="stop after N events")
    s.add_argument("--timeout", type=float, default=0, help="stop after this many seconds")
    s.set_defaults(func=cmd_tail)

    s = sub.add_parser("outbox", help="uplink backlog, oldest age and drain rate")
    s.add_argument("--json", action="store_true")
    s.add_argument("--store", help="store file (default: from the config)")
    s.set_defaults(func=cmd_outbox)

    s = sub.add_parser("sync", help="sync with headquarters")
    ss = s.add_subparsers(dest="sync_command", required=True)
    n = ss.add_parser("now", help="reconnect to headquarters' broker now (not after the backoff) and send "
                                  "everything not yet confirmed; exit 0 once all is confirmed")
    n.add_argument("--json", action="store_true")
    n.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the confirmations")
    n.set_defaults(func=cmd_sync_now)

    s = sub.add_parser("lane", help="open or close the lane, or change its kind")
    ls = s.add_subparsers(dest="lane_command", required=True)
    for action, text in (("open", "open the lane"), ("close", "close the lane"),
                         ("show", "show the lane's mode and kind")):
        p = ls.add_parser(action, help=text)
        p.add_argument("--json", action="store_true")
        p.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
        p.set_defaults(func=cmd_lane)
    p = ls.add_parser("mode", help="change the lane kind: passenger, nexus, commercial, fast")
    p.add_argument("kind", choices=["passenger", "nexus", "commercial", "fast"])
    p.add_argument("--json", action="store_true")
    p.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_lane)

    s = sub.add_parser("occupants", help="declare how many occupants the officer sees (audited)",
                       description="Declare the number of people in the vehicle at the booth (or in "
                       "CROSSING), as the booth page does: the lane records it in the audit log and "
                       "computes its recommendation again; more declared than cards and documents "
                       "identify gives occupant_unidentified.")
    s.add_argument("count", type=int, help="number of occupants seen, 0 to 20")
    s.add_argument("--crossing", help="crossing id (default: the vehicle at the booth)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_occupants)

    s = sub.add_parser("arrive", help="say which approaching vehicle is at the booth (audited)",
                       description="Move an approaching crossing to the booth when the lane got the "
                       "order wrong (a U-turn, two cars swapped), as the booth page's At booth does: "
                       "the crossing the lane had at the booth is closed superseded, the move is "
                       "recorded in the audit log and the recommendation computed again. "
                       "`lanectl tail` shows the ids.")
    s.add_argument("crossing", help="crossing id of the vehicle at the booth")
    s.add_argument("--json", action="store_true")
    s.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_arrive)

    s = sub.add_parser("reload", help="re-read the config in the daemon (as systemctl reload)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_reload)

    s = sub.add_parser("metrics", help="the daemon's metrics in Prometheus text format")
    s.add_argument("--wait", type=float, default=10.0, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_metrics)
