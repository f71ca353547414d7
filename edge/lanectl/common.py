"""Helpers shared by lanectl's commands: config and store lookup, daemon calls, progress."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from edge.config import Config, load_config
from edge.control import DaemonNotRunning, request
from edge.errors import ConfigError, ControlError


def load_cfg(args: argparse.Namespace, *, lenient: bool = False) -> Config | None:
    """The lane config, or None when it is missing (commands then say what they cannot do).

    `lenient`, for the commands that talk to the running daemon: a config that does not load
    (a typo while editing it) gives None and a note instead of an error, and its socket and
    store paths are read from the file alone (`raw_paths`): the daemon runs the config it
    loaded, and status is what a technician needs most then. The problem is kept in
    `args.config_problem`, the paths in `args.config_paths`.
    """
    try:
        return load_config(args.config)
    except ConfigError as err:
        if err.code == "config.not_found":
            return None
        if not lenient:
            raise
        args.config_problem = err.message
        args.config_paths = raw_paths(args.config)  # read once, for socket_path and store_path
        sys.stderr.write(f"lanectl: the config {args.config} does not load ({err.message}); "
                         "its socket and store paths read alone (lanectl config check)\n")
        return None


def raw_paths(config_path: str | Path) -> tuple[str | None, str | None]:
    """(control socket, store path) read from a config file's TOML alone, without validating the
    rest; the socket defaults as `Config.control_socket` does. (None, None) when unreadable."""
    try:
        data = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, None
    control, store = data.get("control"), data.get("store")
    sock = control.get("socket") if isinstance(control, dict) else None
    path = store.get("path") if isinstance(store, dict) else None
    path = path if isinstance(path, str) and path else None
    if not (isinstance(sock, str) and sock):
        sock = str(Path(path).with_suffix(".sock")) if path else None
    return sock, path


def socket_path(args: argparse.Namespace, cfg: Config | None) -> str:
    if getattr(args, "socket", None):
        return str(args.socket)
    if cfg is not None:
        return cfg.control_socket
    sock, _store = getattr(args, "config_paths", (None, None))
    if sock is None:
        raise _no_path(args, "--socket")
    return str(sock)


def _no_path(args: argparse.Namespace, option: str) -> ConfigError:
    problem = getattr(args, "config_problem", None)
    if problem:  # the file is there but not even its paths can be read (not TOML at all)
        return ConfigError(f"the config {args.config} does not load ({problem}): pass {option}",
                           code="config.invalid")
    return ConfigError(f"no config at {args.config} and no {option} given", code="config.not_found")


def store_path(args: argparse.Namespace, cfg: Config | None) -> Path:
    if getattr(args, "store", None):
        return Path(args.store)
    if cfg is not None:
        return Path(cfg.store.path)
    _sock, store = getattr(args, "config_paths", (None, None))
    if store is None:
        raise _no_path(args, "--store")
    return Path(store)


def call(args: argparse.Namespace, cfg: Config | None, cmd: str, *, timeout: float = 5.0,
         **kw: Any) -> Any:
    """A control request; raises DaemonNotRunning when the daemon is down."""
    return request(socket_path(args, cfg), cmd, timeout=timeout, **kw)


def try_call(args: argparse.Namespace, cfg: Config | None, cmd: str, **kw: Any) -> tuple[bool, Any]:
    """(True, result) from the daemon, or (False, None) when it is down or lacks `cmd`."""
    try:
        return True, call(args, cfg, cmd, **kw)
    except DaemonNotRunning:
        return False, None
    except ControlError as err:
        if err.code == "control.unknown_command":
            return False, None
        raise


def actor() -> str:
    """Who runs lanectl, as the audit log records it."""
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or os.environ.get("LOGNAME")
    return f"{user or 'uid'}:{os.getuid()}"


def print_json(obj: Any) -> None:
    print(json.dumps(obj, default=str, ensure_ascii=False))


def progress(step: int, total: int, text: str) -> None:
    """Progress of long work, on stderr so that --json output stays clean."""
    sys.stderr.write(f"[{step}/{total}] {text}\n")
    sys.stderr.flush()


def down_note(what: str) -> None:
    sys.stderr.write(f"lane-edge is not running: {what}\n")
