"""lanectl commands that work from files, daemon up or down: model, data, audit export, purge."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sqlite3
import sys
import time
from typing import Any

from edge.config import RetentionConfig
from edge.lanectl.common import actor, load_cfg, print_json, store_path, try_call
from edge.lanectl.render import ago, size, table
from edge.ops.store_facts import model_files, refdata_info, refdata_path

EXIT_OK, EXIT_PROBLEM, EXIT_UNREADABLE = 0, 1, 2
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float) -> float:
    """`24h`, `7d`, `2026-11-01`, `2026-11-01T12:00` (UTC) or epoch seconds -> epoch seconds."""
    if m := _DURATION.match(text.strip()):
        return now - float(m.group(1)) * _UNIT_S[m.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a time or duration: {text!r}") from err
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def cmd_model(args: argparse.Namespace) -> int:
    models = model_files()
    verify = args.model_command == "verify"
    problems = 0
    for m in models:
        if m["matches_card"] is False:
            problems += 1
        if verify:
            m["load"] = _load_check(m["path"])
            problems += m["load"] != "ok"
    if args.json:
        print_json({"models": models, "ok": problems == 0})
    else:
        rows = [[m["name"], size(m["size"]), m["sha256"][:16], m["card"] or "-",
                 {True: "matches", False: "MISMATCH", None: "no card"}[m["matches_card"]]]
                + ([m["load"]] if verify else []) for m in models]
        print(table(rows, ["model", "size", "sha256", "card", "card sha"] + (["load"] if verify else [])))
        if not models:
            print("no .onnx files shipped in this build")
    return EXIT_PROBLEM if problems or (verify and not models) else EXIT_OK


def _load_check(path: str) -> str:
    import numpy as np
    import onnxruntime as ort

    try:
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        feeds = {}
        for inp in sess.get_inputs():
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in inp.shape]
            dtype = np.float32 if "float" in inp.type else np.int64
            feeds[inp.name] = np.zeros(shape, dtype=dtype)
        sess.run(None, feeds)
    except Exception as err:  # noqa: BLE001 - onnxruntime raises its own types; report the name
        return f"failed: {type(err).__name__}"
    return "ok"


def cmd_data_info(args: argparse.Namespace) -> int:
    cfg = load_cfg(args)
    if args.refdata:
        path = args.refdata
    elif cfg is not None:
        path = str(refdata_path(cfg))
    else:
        print(f"lanectl: no config at {args.config}; pass --refdata FILE", file=sys.stderr)
        return EXIT_UNREADABLE
    info = refdata_info(path)
    if args.json:
        print_json(info)
    elif "error" in info and not info.get("datasets"):
        print(f"{info['path']}: {info['error']}")
    else:
        now = time.time()
        print(table([[n, d["version"], d["count"], d["last_change"] or "-",
                      ago(now - d["applied_at"]) if d["applied_at"] else "never"]
                     for n, d in info["datasets"].items()],
                    ["data set", "version", "records", "last change", "applied"]))
    return EXIT_UNREADABLE if "error" in info else EXIT_OK


def cmd_audit_export(args: argparse.Namespace) -> int:
    cfg = load_cfg(args)
    path = store_path(args, cfg)
    since = parse_since(args.since, time.time()) if args.since else 0.0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as err:
        print(f"lanectl: store unreadable: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    n = 0
    try:
        rows = conn.execute("SELECT seq, ts, kind, actor, crossing_id, body, prev_hash, hash FROM audit "
                            "WHERE ts >= ? ORDER BY seq", (since,))
        for seq, ts, kind, who, crossing, body, prev_hash, digest in rows:
            entry: dict[str, Any] = {"seq": seq, "ts": ts, "kind": kind, "actor": who,
                                     "crossing_id": crossing, "body": json.loads(body),
                                     "prev_hash": prev_hash, "hash": digest}
            sys.stdout.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    except sqlite3.Error as err:
        print(f"lanectl: store unreadable: {err}", file=sys.stderr)
        return EXIT_UNREADABLE
    finally:
        conn.close()
    print(f"{n} audit entr{'y' if n == 1 else 'ies'} exported", file=sys.stderr)
    return EXIT_OK


def cmd_purge(args: argparse.Namespace) -> int:
    cfg = load_cfg(args)
    running, result = try_call(args, cfg, "purge", actor=actor())
    if not running:
        retention = cfg.retention if cfg is not None else RetentionConfig()
        path = store_path(args, cfg)
        if not path.exists():
            print(f"lanectl: no store at {path}", file=sys.stderr)
            return EXIT_UNREADABLE
        from edge.ops.retention import purge_file

        print("lane-edge is not running: purging the store file directly", file=sys.stderr)
        result = purge_file(path, retention, time.time(), actor()).to_dict()
    if args.json:
        print_json({"running": running, **result})
    else:
        print(table([[k.replace("_", " "), v] for k, v in result.items() if not k.endswith("cutoff")],
                    ["purged", "rows"]))
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]]) -> None:
    m = sub.add_parser("model", help="shipped models: sha256 against the model card, load check")
    ms = m.add_subparsers(dest="model_command", required=True)
    for name, text in (("info", "list the .onnx files with their sha256 and model card"),
                       ("verify", "check sha256 against the card and load each with onnxruntime")):
        p = ms.add_parser(name, help=text)
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_model)

    d = sub.add_parser("data", help="reference data (roster, registry, lookouts, manifests)")
    ds = d.add_subparsers(dest="data_command", required=True)
    p = ds.add_parser("info", help="version and record count of each reference data set")
    p.add_argument("--refdata", help="reference data file (default: from the config)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_data_info)

    if "audit" not in groups:
        groups["audit"] = sub.add_parser("audit", help="audit commands").add_subparsers(
            dest="audit_command", required=True)
    p = groups["audit"].add_parser("export", help="audit entries as JSON lines (since a time)")
    p.add_argument("--since", help="24h, 7d, 2026-11-01 or 2026-11-01T12:00 (UTC); default all")
    p.add_argument("--store", help="store file (default: from the config)")
    p.set_defaults(func=cmd_audit_export)

    p = sub.add_parser("purge", help="apply retention now (personal data, old diagnostics)")
    p.add_argument("--store", help="store file (default: from the config)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_purge)
