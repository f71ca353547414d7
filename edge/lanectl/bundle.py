"""`lanectl support-bundle`: one tarball a technician can send to support, with no personal data.

It holds versions, the config without secrets, the daemon's status and counters (or the store's
figures when the daemon is down), a summary of the store (counts, states, error codes: never a
payload), the device links, and recent logs. Text goes through two filters before it is
written: the log redaction (MRZ-like runs, long digit runs) and a deny-list of the personal
values found in the store itself (names, document numbers, birth dates), so even a log line
written by mistake cannot carry them out.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.daemon.logs import redact
from edge.errors import ConfigError
from edge.lanectl.common import load_cfg, progress, store_path, try_call
from edge.ops.privacy import PERSONAL_KEYS
from edge.ops.store_facts import disk_use, outbox_stats, refdata_info, refdata_path, versions

SECRET_KEY = re.compile(r"(password|secret|token|passphrase|private|credential)", re.I)
URL_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)[^/@\s\"']+@", re.I)
MAX_TOKENS = 200_000
STORE_TABLES = ("reads", "bad_reads", "device_events", "crossings", "decisions", "audit", "outbox", "kv")


def redact_config(text: str) -> str:
    """The config file with secret values and URL credentials replaced (line-based, keeps layout)."""
    out = []
    for line in text.splitlines():
        key, sep, _value = line.partition("=")
        if sep and SECRET_KEY.search(key) and not key.strip().endswith("_file"):
            line = f"{key}= \"<redacted>\""
        out.append(URL_USERINFO.sub(r"\1<redacted>@", line))
    return "\n".join(out) + "\n"


_WORD = re.compile(r"[A-Za-z0-9]+")
_DATE = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{6})\b")
_ISO_DATE = re.compile(r"^(\d{2})(\d{2})-(\d{2})-(\d{2})$")


def _strings(value: Any, key: str = "") -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, str(k))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, key)]
    if isinstance(value, str) and key in PERSONAL_KEYS:
        return [value]
    return []


def _tokens_of(value: str, words: set[str], dates: set[str]) -> None:
    if m := _ISO_DATE.match(value):
        dates.update({value, m.group(2) + m.group(3) + m.group(4)})  # 1974-08-12 and 740812
        return
    for w in _WORD.findall(value.upper()):
        # names and document numbers; short pure numbers (a year, a day) would redact dates
        if len(w) >= 3 and (not w.isdigit() or len(w) >= 7):
            words.add(w)
        elif w.isdigit() and len(w) == 6:
            dates.add(w)


def personal_tokens(store: Path) -> tuple[set[str], set[str]]:
    """Personal words and dates present in the store (to scrub them from anything we ship)."""
    words: set[str] = set()
    dates: set[str] = set()
    if not store.exists():
        return words, dates
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return words, dates
    try:
        for (payload,) in conn.execute(
                "SELECT payload FROM reads WHERE personal = 1 UNION ALL "
                "SELECT payload FROM outbox WHERE personal = 1"):
            try:
                values = _strings(json.loads(payload))
            except ValueError:
                continue
            for v in values:
                _tokens_of(v, words, dates)
            if len(words) + len(dates) > MAX_TOKENS:
                break
    except sqlite3.Error:
        pass
    finally:
        conn.close()
    return words, dates


def make_scrubber(tokens: tuple[set[str], set[str]]) -> Callable[[str], str]:
    """Log redaction, then every word and date of the deny-list (linear in the text's length)."""
    words, dates = tokens

    def word(m: re.Match[str]) -> str:
        return "<redacted>" if m.group(0).upper() in words else m.group(0)

    def date(m: re.Match[str]) -> str:
        return "<redacted>" if m.group(0) in dates else m.group(0)

    def scrub(text: str) -> str:
        text = redact(text)
        if words:
            text = _WORD.sub(word, text)
        if dates:
            text = _DATE.sub(date, text)
        return text

    return scrub


def scrub_json(obj: Any, scrub: Callable[[str], str]) -> Any:
    """Scrub only the strings of a JSON value (numbers such as times stay numbers)."""
    if isinstance(obj, dict):
        return {k: scrub_json(v, scrub) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [scrub_json(v, scrub) for v in obj]
    return scrub(obj) if isinstance(obj, str) else obj


def store_summary(store: Path) -> dict[str, Any]:
    """Counts and states only: never a payload."""
    if not store.exists():
        return {"error": "no store file"}
    out: dict[str, Any] = {"path": str(store)}
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error:
        return {"error": "unreadable"}
    try:
        out["schema_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
        out["rows"] = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # noqa: S608
                       for t in STORE_TABLES}
        out["bad_reads_by_code"] = dict(conn.execute(
            "SELECT device || ' ' || code, COUNT(*) FROM bad_reads GROUP BY device, code").fetchall())
        out["recent_device_events"] = [
            {"ts": ts, "device": d, "state": s, "error_code": c} for ts, d, s, c in conn.execute(
                "SELECT ts, device, state, error_code FROM device_events ORDER BY id DESC LIMIT 200")]
    except sqlite3.Error as err:
        out["error"] = f"unreadable: {type(err).__name__}"
    finally:
        conn.close()
    return out


def journal(lines: int) -> str | None:
    """Recent daemon logs from the journal, or None when there is no journalctl."""
    exe = shutil.which("journalctl")
    if exe is None:
        return None
    try:
        res = subprocess.run(  # noqa: S603 - fixed argv; journalctl found on PATH
            [exe, "-u", "lane-edge", "-n", str(lines), "--no-pager", "-o", "short-iso"],
            capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout


def device_links() -> dict[str, list[str]]:
    out = {}
    for folder in ("/dev/lane", "/dev/serial/by-id", "/dev/v4l/by-id"):
        p = Path(folder)
        if p.is_dir():
            out[folder] = sorted(f"{e.name} -> {os.path.realpath(e)}" for e in p.iterdir())
    return out


def build(args: argparse.Namespace) -> tuple[Path, list[str]]:
    cfg: Config | None = load_cfg(args, lenient=True)  # a broken config is when a bundle is asked for
    try:
        store: Path | None = store_path(args, cfg)
    except ConfigError:
        store = None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    lane = f"{cfg.lane.port}-{cfg.lane.id}" if cfg else "unknown"
    out = Path(args.out or f"lane-edge-support-{lane}-{stamp}.tar.gz")
    steps = 7
    progress(1, steps, "collecting personal values to scrub")
    scrub = make_scrubber(personal_tokens(store) if store else (set(), set()))
    files: dict[str, Any] = {}  # str: text, else a JSON value

    progress(2, steps, "versions and system")
    info: dict[str, Any] = {"created": stamp, "lanectl_argv": "support-bundle",
                            "python": platform.python_version(), "platform": platform.platform()}
    if getattr(args, "config_problem", None):
        info["config_problem"] = args.config_problem
    if cfg is not None:
        info["versions"] = versions(cfg, args.config)
        info["disk"] = disk_use(cfg)
        info["refdata"] = refdata_info(refdata_path(cfg))
    files["versions.json"] = info

    progress(3, steps, "config without secrets")
    try:
        files["config.toml"] = redact_config(Path(args.config).read_text(encoding="utf-8"))
    except OSError as err:
        files["config.toml"] = f"# config unreadable: {err.strerror}\n"

    progress(4, steps, "daemon status and counters")
    try:
        running, status = try_call(args, cfg, "status")
    except ConfigError:  # no config, no --socket: no daemon to ask
        running, status = False, None
    files["status.json"] = {"running": running, "status": status}

    progress(5, steps, "store summary")
    if store is not None:
        files["store.json"] = {"summary": store_summary(store), "outbox": outbox_stats(store)}
    files["devices.json"] = device_links()

    progress(6, steps, "recent logs")
    logs = journal(args.log_lines)
    files["logs.txt"] = logs if logs is not None else "(no journalctl on this system: no logs)\n"
    for extra in args.log_file or []:
        try:
            text = Path(extra).read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            text = f"(unreadable: {err.strerror})\n"
        files[f"logs-{Path(extra).name}"] = "\n".join(text.splitlines()[-args.log_lines:]) + "\n"

    progress(7, steps, f"writing {out}")
    names = []
    with tarfile.open(out, "w:gz") as tar:
        for name, content in files.items():
            if isinstance(content, str):
                data = scrub(content).encode()
            else:
                data = json.dumps(scrub_json(content, scrub), indent=2, default=str).encode()
            ti = tarfile.TarInfo(f"support/{name}")
            ti.size, ti.mtime, ti.mode = len(data), int(time.time()), 0o600
            tar.addfile(ti, io.BytesIO(data))
            names.append(name)
    os.chmod(out, 0o600)
    return out, names


def cmd_support_bundle(args: argparse.Namespace) -> int:
    out, names = build(args)
    if args.json:
        print(json.dumps({"bundle": str(out), "files": names, "size": out.stat().st_size}))
    else:
        print(f"{out} ({out.stat().st_size} bytes): {', '.join(names)}")
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("support-bundle", help="a tar.gz for support: versions, config without "
                       "secrets, counters, recent logs; no personal data")
    p.add_argument("--out", help="output file (default: ./lane-edge-support-LANE-TIME.tar.gz)")
    p.add_argument("--store", help="store file (default: from the config)")
    p.add_argument("--log-lines", type=int, default=2000, help="recent log lines to include")
    p.add_argument("--log-file", action="append", help="also include this log file (scrubbed)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_support_bundle)
