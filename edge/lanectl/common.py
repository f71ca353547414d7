"""Helpers shared by lanectl's commands: config and store lookup, daemon calls, progress."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from edge.config import Config, load_config
from edge.control import DaemonNotRunning, request
from edge.errors import ConfigError, ControlError


def load_cfg(args: argparse.Namespace) -> Config | None:
    """The lane config, or None when it is missing (commands then say what they cannot do)."""
    try:
        return load_config(args.config)
    except ConfigError as err:
        if err.code == "config.not_found":
            return None
        raise


def socket_path(args: argparse.Namespace, cfg: Config | None) -> str:
    if getattr(args, "socket", None):
        return str(args.socket)
    if cfg is None:
        raise ConfigError(f"no config at {args.config} and no --socket given", code="config.not_found")
    return cfg.control_socket


def store_path(args: argparse.Namespace, cfg: Config | None) -> Path:
    if getattr(args, "store", None):
        return Path(args.store)
    if cfg is None:
        raise ConfigError(f"no config at {args.config} and no --store given", code="config.not_found")
    return Path(cfg.store.path)


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
