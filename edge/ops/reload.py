"""SIGHUP: apply what can change without a restart; refuse (and list) what cannot.

What can change live: decision and correlation thresholds, the log level, the lane mode, and
retention periods (read each time retention runs). Anything else (devices, store, sockets,
broker, models) needs a restart, because components captured it when they started; a reload
that touches any of it is refused whole, so the daemon never runs half of each config.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import time
from pathlib import Path
from typing import Any

from edge.config import Config, load_config
from edge.errors import ConfigError, LaneEdgeError
from edge.ops.events import ConfigReloaded, LaneModeChanged

log = logging.getLogger(__name__)

LIVE_PREFIXES = ("thresholds.", "logging.level", "lane.mode", "retention.")


class ReloadRefused(ConfigError):
    """The new configuration changes settings that need a restart (listed in `needs_restart`)."""

    code = "config.reload_refused"


def diff(old: Any, new: Any, where: str = "") -> list[tuple[str, Any, Any]]:
    """Dotted keys whose values differ between two config objects, with both values."""
    if dataclasses.is_dataclass(old) and dataclasses.is_dataclass(new) and type(old) is type(new):
        out: list[tuple[str, Any, Any]] = []
        for f in dataclasses.fields(old):
            key = f"{where}.{f.name}" if where else f.name
            out += diff(getattr(old, f.name), getattr(new, f.name), key)
        return out
    a = dict(old) if hasattr(old, "keys") else old
    b = dict(new) if hasattr(new, "keys") else new
    return [] if a == b else [(where, old, new)]


def described(changes: list[tuple[str, Any, Any]]) -> list[str]:
    """`diff`'s changes as the log and the audit log show them: `key: old -> new`."""
    return [f"{key}: {old!r} -> {new!r}" for key, old, new in changes]


def _live(key: str) -> bool:
    return any(key == p or key.startswith(p) for p in LIVE_PREFIXES)


def needs_restart(old: Config, new: Config) -> list[str]:
    """Keys that differ between two configs and cannot change live (sorted)."""
    return sorted(k for k, _, _ in diff(old, new) if not _live(k))


def reload(app: Any, new_cfg: Config) -> list[str]:
    """Apply `new_cfg` to a running `App`; returns what changed, or raises ReloadRefused."""
    changes = diff(app.cfg, new_cfg)
    refused = needs_restart(app.cfg, new_cfg)
    if refused:
        raise ReloadRefused("these settings need a restart: " + ", ".join(refused),
                            needs_restart=refused)
    for key, _old, new in changes:
        if key == "logging.level":
            logging.getLogger().setLevel(5 if new.upper() == "TRACE" else new.upper())
    old_mode = app.mode
    app.cfg = new_cfg
    now = time.time()
    if any(k == "lane.mode" for k, _, _ in changes) and new_cfg.lane.mode != old_mode:
        app.mode = new_cfg.lane.mode
        ops = getattr(app, "ops", None)
        kind = ops.lane_kind if ops is not None else str(new_cfg.lane.kind)
        app.publish(LaneModeChanged(ts=now, mode=app.mode, kind=kind, actor="reload"))
    if changes:
        app.publish(ConfigReloaded(ts=now, changed=tuple(k for k, _, _ in changes)))
    return described(changes)


async def reload_from_file(app: Any, path: str | Path) -> list[str]:
    """Load and apply `path`; every outcome is logged (this runs from a signal handler)."""
    try:
        cfg = await asyncio.to_thread(load_config, path)
        changed = reload(app, cfg)
    except LaneEdgeError as err:
        log.error("reload refused: %s [%s]", err.message, err.code)
        raise
    log.info("reloaded %s: %s", Path(path).name, "; ".join(changed) if changed else "nothing changed")
    return changed


def install_sighup(app: Any, path: str | Path) -> None:
    """Make SIGHUP (systemctl reload) re-read `path`; call after the loop is running."""

    def on_hup() -> None:
        async def run() -> None:
            try:
                await reload_from_file(app, path)
            except LaneEdgeError:
                pass  # already logged; the running config stays in force

        app.add_task(run(), "reload")

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hup)
