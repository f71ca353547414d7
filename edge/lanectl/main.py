"""`lanectl`: what a technician types on site. Every command says what is wrong in words.

Commands that need the daemon talk to it over its control socket; when it is down they say so
(exit 2 for `status`) and the commands that work from files still work.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import edge
from edge.config import load_config, read_problems, schema_rows
from edge.control import DaemonNotRunning, request
from edge.errors import LaneEdgeError
from edge.lanectl.common import load_cfg, socket_path
from edge.lanectl.render import ago, paint, size, table
from edge.lanectl.status_view import component_attention, component_lines, device_attention

DEFAULT_CONFIG = "/etc/lane-edge/lane.toml"


def default_config() -> str:
    """The config lanectl uses when -c is not given: $LANE_EDGE_CONFIG, else DEFAULT_CONFIG."""
    return os.environ.get("LANE_EDGE_CONFIG", DEFAULT_CONFIG)

# Commands implemented next to the capability they serve; wired here by name so that lanectl
# starts fast and a missing optional part says so instead of crashing.
DELEGATED: dict[tuple[str, str], tuple[str, str]] = {
    ("mrz", "parse"): ("edge.mrz_cli:main", "parse MRZ text from stdin (ICAO 9303)"),
    ("plate", "read"): ("edge.plate_cli:main", "read licence plates in image files"),
    ("score", ""): ("edge.score_cli:main", "score a crossing given as JSON on stdin"),
    ("audit", "verify"): ("edge.score_cli:audit_verify_main", "verify the audit log's hash chain"),
}

EXIT_OK, EXIT_DEGRADED, EXIT_DOWN = 0, 1, 2


def _socket_path(args: argparse.Namespace) -> str:
    return socket_path(args, load_cfg(args, lenient=True))


def _local_facts(args: argparse.Namespace) -> dict[str, Any]:
    """Versions and disk use read from files (also when the daemon is down)."""
    from edge.ops.store_facts import disk_use, outbox_stats, versions

    try:
        cfg = load_config(args.config)
    except LaneEdgeError:
        return {}
    return {"versions": versions(cfg, args.config), "disk": disk_use(cfg),
            "outbox_file": lambda: outbox_stats(cfg.store.path)}


def _print_facts(facts: dict[str, Any]) -> None:
    if "versions" in facts:
        print("versions  " + "  ".join(f"{k} {v}" for k, v in facts["versions"].items()))
    disk = facts.get("disk")
    if disk:
        print(f"disk {disk['path']}: {size(disk['free_bytes'])} free of {size(disk['total_bytes'])} "
              f"({disk['used_pct']}% used); store {size(disk['store_bytes'])}")


def cmd_status(args: argparse.Namespace) -> int:
    facts = _local_facts(args)
    outbox_file = facts.pop("outbox_file", None)
    try:
        st = request(_socket_path(args), "status")
    except DaemonNotRunning as err:
        ob = outbox_file() if outbox_file else None
        if args.json:
            print(json.dumps({"running": False, "error": err.to_dict(), **facts, "outbox": ob},
                             default=str))
        else:
            print(paint(err.message, "red"))
            print("Try: systemctl status lane-edge; journalctl -u lane-edge -n 50")
            _print_facts(facts)
            if ob and "error" not in ob:
                print(f"outbox (from the store file): backlog {ob['backlog']}")
        return EXIT_DOWN
    st.update(facts)
    if getattr(args, "config_problem", None):
        st["config_problem"] = args.config_problem
    problems = attention(st)
    if args.json:
        print(json.dumps({"running": True, "attention": problems, **st}, default=str))
        return EXIT_DEGRADED if problems else EXIT_OK
    lane = st["lane"]
    now = time.time()
    print(f"lane {lane['port']}/{lane['id']}  kind {lane['kind']}  mode {lane['mode']}  "
          f"lane-edge {st['version']}  up {st['uptime_s']:.0f}s")
    _print_facts(facts)
    rows = []
    for name, d in st["devices"].items():
        state = d["state"]
        colour = "green" if state == "open" else "red" if state in ("failed", "failing") else "yellow"
        rows.append([name, f"{d['kind']}/{d['driver']}", paint(state, colour),
                     ago(now - d["last_read"]) if d["last_read"] else "never",
                     d.get("reads", 0), d.get("bad_reads", 0), d["failures"],
                     d["last_error_code"] or ""])
    print(table(rows, ["device", "driver", "state", "last read", "reads", "bad", "failures",
                       "last error"]))
    ob = st.get("outbox", {})
    age = ob.get("oldest_unconfirmed_age_s")
    print(f"store {size(st['store']['size_bytes'])}  outbox backlog {ob.get('backlog', '?')}"
          + (f" (oldest {age:.0f}s)" if age is not None else ""))
    for line in component_lines(st.get("components", {}), now):
        print(line)
    for p in problems:
        print(paint(f"attention: {p}", "yellow"))
    return EXIT_DEGRADED if problems else EXIT_OK


def attention(st: dict[str, Any]) -> list[str]:
    """What a technician should look at; non-empty means exit code 1 (degraded)."""
    out = []
    for name, d in st.get("devices", {}).items():
        if d["state"] not in ("open", "starting"):
            out.append(f"device {name} is {d['state']} ({d['last_error_code'] or 'no error code'})")
    age = st.get("outbox", {}).get("oldest_unconfirmed_age_s")
    if age is not None and age > 3600:
        out.append(f"outbox has events unconfirmed for {age / 3600:.1f} h")
    if st.get("config_problem"):
        out.append(f"the config file does not load ({st['config_problem']}): the daemon runs the one it "
                   "loaded; lanectl config check")
    disk = st.get("disk") or {}
    if disk.get("used_pct") is not None and disk["used_pct"] > 95:
        out.append(f"disk {disk['path']} is {disk['used_pct']}% full")
    loaded = st.get("components", {}).get("ops", {}).get("config_hash")
    on_disk = (st.get("versions") or {}).get("config")
    if loaded and on_disk and loaded != on_disk:
        out.append("the config file changed since the daemon loaded it (lanectl reload)")
    out += device_attention(st.get("devices", {}))
    return out + component_attention(st.get("components", {}), time.time())


def cmd_devices(args: argparse.Namespace) -> int:
    try:
        sock = _socket_path(args)
        devices = request(sock, "devices")
        rates: dict[str, dict[str, float]] = {}
        if args.rate > 0:  # counters again after a while: how fast each grows now
            time.sleep(args.rate)
            again = request(sock, "devices")
            rates = {name: {k: (v - devices[name]["counters"].get(k, 0)) / args.rate
                            for k, v in d["counters"].items()}
                     for name, d in again.items() if name in devices}
            devices = again
    except DaemonNotRunning as err:
        print(err.message, file=sys.stderr)
        return EXIT_DOWN
    if args.json:
        print(json.dumps({n: {**d, "rates": rates[n]} for n, d in devices.items()} if rates else devices))
        return 0
    for name, d in devices.items():
        print(f"{name}: {d['kind']}/{d['driver']} {d['state']}  reads {d.get('reads', 0)}  "
              f"bad {d.get('bad_reads', 0)}")
        for k, v in sorted(d["counters"].items()):
            rate = rates.get(name, {}).get(k)
            print(f"    {k:<20} {v}" + (f"  ({rate:.1f}/s)" if rate is not None else ""))
        if d["last_error"]:
            print(f"    last error: {d['last_error']}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    args.file = args.file or args.config  # a technician checks the installed config by default
    problems = read_problems(args.file)
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        print(json.dumps({"file": args.file, "ok": not errors,
                          "problems": [p.__dict__ if hasattr(p, "__dict__") else
                                       {"key": p.key, "message": p.message, "code": p.code,
                                        "severity": p.severity} for p in problems]}))
    else:
        for p in problems:
            print(f"{args.file}: {p}")
        print(f"{args.file}: {'OK' if not errors else f'{len(errors)} error(s)'}"
              + (f", {len(problems) - len(errors)} warning(s)" if len(problems) > len(errors) else ""))
    return 2 if errors else 0


def cmd_config_schema(args: argparse.Namespace) -> int:
    from edge.drivers.registry import REGISTRY, options_class

    rows = schema_rows()
    for (kind, driver), entry in REGISTRY.items():  # each driver's `options` table
        cls = options_class(entry)
        if cls is not None:
            rows += [(key, tp, f"({kind}/{driver}) {text}")
                     for key, tp, text in schema_rows(cls, "devices[].options")]
    if args.json:
        print(json.dumps([{"key": k, "type": t, "doc": d} for k, t, d in rows]))
    else:
        print(table(rows, ["key", "type", "description"]))
    return 0


def _delegate(target: str) -> Callable[[list[str]], int] | None:
    module, _, func = target.partition(":")
    if importlib.util.find_spec(module) is None:
        return None
    fn: Callable[[list[str]], int] = getattr(importlib.import_module(module), func)
    return fn


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lanectl",
        description="Technicians' tool for a lane-edge box: status, devices, config and "
        "diagnostics. Works with the daemon down for everything that reads files.",
        epilog="Exit codes: 0 ok, 1 needs attention / invalid input, 2 daemon not running or "
        "usage error.",
    )
    p.add_argument("--version", action="version", version=f"lanectl {edge.__version__}")
    p.add_argument("--config", "-c", default=default_config(),
                   help=f"lane config file (default: $LANE_EDGE_CONFIG or {DEFAULT_CONFIG})")
    p.add_argument("--socket", help="control socket of the daemon (default: from the config)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("status", help="lane, devices, counters, outbox; exit 0 ok, 1 degraded, 2 down")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("devices", help="each device's state and counters")
    s.add_argument("--rate", type=float, default=0.0, metavar="SECONDS",
                   help="look twice, SECONDS apart, and give each counter's rate (a camera's frames/s)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_devices)

    cfg = sub.add_parser("config", help="check or describe a configuration file")
    csub = cfg.add_subparsers(dest="config_command", required=True)
    c = csub.add_parser("check", help="validate FILE (default: the lane's config, -c); print every problem; "
                                      "exit 2 if invalid")
    c.add_argument("file", nargs="?", help="config file to check (default: the one lanectl uses, -c)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_config_check)
    c = csub.add_parser("schema", help="every setting with its type and meaning")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_config_schema)

    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for (group, name), (target, text) in DELEGATED.items():
        if not name:
            d = sub.add_parser(group, help=text, add_help=False)
        else:
            if group not in groups:
                g = sub.add_parser(group, help=f"{group} commands")
                groups[group] = g.add_subparsers(dest=f"{group}_command", required=True)
            d = groups[group].add_parser(name, help=text, add_help=False)
        d.add_argument("rest", nargs=argparse.REMAINDER)
        d.set_defaults(delegate=target)
    add_ops_commands(sub, groups)
    return p


def add_ops_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                     groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]]) -> None:
    """Technicians' operations commands (edge/lanectl/*_cmds.py, bundle.py)."""
    from edge.lanectl import bundle, diag_cmds, files_cmds, live_cmds

    live_cmds.add_parsers(sub)
    diag_cmds.add_parsers(sub)
    files_cmds.add_parsers(sub, groups)
    bundle.add_parsers(sub)


# Delegated commands that read the store: given the config's store unless --store is given.
NEEDS_STORE = {("audit", "verify")}


def _with_store(head: list[str], rest: list[str]) -> list[str]:
    """`rest` with `--store` set to the store of the config lanectl uses (-c in `head`, else
    $LANE_EDGE_CONFIG or the default), as every other command that reads the store does; `rest`
    as it is when it names a store, asks for help, or no config loads."""
    if any(a in ("-h", "--help", "--store") or a.startswith("--store=") for a in rest):
        return rest
    g = argparse.ArgumentParser(add_help=False)
    g.add_argument("--config", "-c", default=default_config())
    known, _ = g.parse_known_args(head)
    try:
        cfg = load_config(known.config)
    except LaneEdgeError:
        return rest  # the command then says --store is needed
    return [*rest, "--store", cfg.store.path]


def _split_delegated(argv: list[str]) -> tuple[str, list[str], str] | None:
    """(target, its own argv, group) when argv names a delegated command.

    argparse's REMAINDER does not take arguments that start with an option (`--store F`), so
    delegated commands get the rest of the command line untouched instead.
    """
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 1 if "=" in argv[i] or argv[i] in ("-h", "--help", "--version") else 2
    if i >= len(argv):
        return None
    group = argv[i]
    name = argv[i + 1] if i + 1 < len(argv) else ""
    if (group, name) in DELEGATED:
        rest = argv[i + 2:]
        if (group, name) in NEEDS_STORE:
            rest = _with_store(argv[:i], rest)
        return DELEGATED[(group, name)][0], rest, group
    if (group, "") in DELEGATED:
        return DELEGATED[(group, "")][0], argv[i + 1:], group
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    direct = _split_delegated(argv)
    args = parser.parse_args(argv) if direct is None else argparse.Namespace(
        delegate=direct[0], rest=direct[1], command=direct[2])
    try:
        if getattr(args, "delegate", None):
            fn = _delegate(args.delegate)
            if fn is None:
                print(f"lanectl: this build has no {args.command} support", file=sys.stderr)
                return 2
            return fn(list(args.rest))
        result: int = args.func(args)
        return result
    except LaneEdgeError as err:
        print(f"lanectl: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
