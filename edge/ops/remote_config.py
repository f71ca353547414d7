"""Settings from headquarters: whitelist, validate, persist as the overlay, reload, audit.

A `config` downlink is checked the way a technician's edit is (the config's own validation:
unknown keys and wrong types are errors) plus `edge.config_overlay`'s whitelist and ranges,
against the lane's config file as it is on disk now. Only then is the overlay written
(atomically) and applied through the same path as SIGHUP (`edge.ops.reload.reload`), so the
running daemon and the next start agree. Anything outside the whitelist is refused whole
(`config_not_allowed`), anything invalid too (`config_invalid`); both are audited.
"""

from __future__ import annotations

import asyncio
import logging
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from edge.config_overlay import (
    check_overlay,
    flatten,
    nest,
    not_allowed,
    overlay_path,
    read_overlay,
    write_overlay,
)
from edge.decision.audit import append as audit_append
from edge.errors import ConfigError
from edge.ops.reload import described, diff, needs_restart, reload
from edge.sync.apply import Update
from edge.sync.envelope import Reason, Refused

log = logging.getLogger(__name__)


class ConfigUpdater:
    """Applies `config` downlinks to a running `App` whose config file is `config_path`."""

    def __init__(self, app: Any, config_path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.config_path = Path(config_path)
        self.clock = clock
        self.applied = 0
        self.last_refusal: dict[str, Any] | None = None

    @property
    def overlay_file(self) -> Path:
        return overlay_path(self.app.cfg.store.path)

    def info(self) -> dict[str, Any]:
        """What status shows: the overlay in force (version, settings) and the last refusal."""
        try:
            doc = read_overlay(self.overlay_file)
        except (OSError, ValueError, ConfigError) as err:
            doc = {"error": str(err)}
        out: dict[str, Any] = {"path": str(self.overlay_file), "applied": self.applied}
        if doc is not None:
            out.update({k: doc.get(k) for k in ("version", "key_id", "applied_at")})
            out["settings"] = flatten(doc.get("settings") or {})
        if self.last_refusal is not None:
            out["last_refusal"] = self.last_refusal
        return out

    async def apply(self, incoming: dict[str, Any], update: Update) -> None:
        try:
            await self._apply(incoming, update)
        except Refused as err:
            body = {"reason": str(err.reason), "keys": sorted(flatten(incoming)), "detail": err.message}
            self.last_refusal = {**body, "update_version": update.version, "at": self.clock()}
            await self._audit("config_refused", body, update)
            raise

    async def _apply(self, incoming: dict[str, Any], update: Update) -> None:
        settings = await asyncio.to_thread(self._next_settings, incoming, update.kind)
        base = await asyncio.to_thread(_read_toml, self.config_path)
        cfg, problems = check_overlay(base, settings)
        errors = [p for p in problems if p.severity == "error"]
        if cfg is None:
            unknown = {p.key for p in errors if p.code == "config.unknown_key"}
            forbidden = [k for k in not_allowed(settings)  # known settings, not headquarters' to set
                         if not any(k == u or k.startswith(u + ".") for u in unknown)]
            if forbidden:
                raise Refused(Reason.CONFIG_NOT_ALLOWED, "headquarters may not change: "
                              + ", ".join(forbidden), version=update.version)
            raise Refused(Reason.CONFIG_INVALID, "; ".join(f"{p.key}: {p.message} [{p.code}]"
                                                           for p in errors[:5]), version=update.version)
        restart = needs_restart(self.app.cfg, cfg)
        if restart:  # the file on disk changed since start; applying would mix two configs
            raise Refused(Reason.APPLY_FAILED, "the lane's config file has changes that need a restart: "
                          + ", ".join(restart), version=update.version)
        doc = {"settings": settings, "version": update.version, "key_id": update.key_id,
               "applied_at": self.clock()}
        # audited before anything changes: a change that cannot be audited is not made
        planned = described(diff(self.app.cfg, cfg))
        await self._audit("config_change", {"changed": planned, "settings": flatten(settings)}, update)
        await asyncio.to_thread(write_overlay, self.overlay_file, doc)
        changed = reload(self.app, cfg)
        self.applied += 1
        log.warning("settings changed by headquarters (v%d): %s", update.version,
                    "; ".join(changed) if changed else "nothing changed")

    def _next_settings(self, incoming: dict[str, Any], kind: str) -> dict[str, Any]:
        """The overlay after this update: a snapshot replaces it, a delta edits it (null removes)."""
        flat: dict[str, Any] = {}
        if kind != "snapshot":
            try:
                flat = flatten((read_overlay(self.overlay_file) or {}).get("settings") or {})
            except (OSError, ValueError, ConfigError) as err:
                raise Refused(Reason.APPLY_FAILED, "current overlay unreadable; send a snapshot") from err
        for key, value in flatten(incoming).items():
            if value is None:
                flat.pop(key, None)
            else:
                flat[key] = value
        return nest(flat)

    async def _audit(self, kind: str, body: dict[str, Any], update: Update) -> None:
        now = self.clock()
        full = {**body, "update": {"version": update.version, "key_id": update.key_id,
                                   "kind": update.kind, "scope": update.scope}}

        def write(db: sqlite_utils.Database) -> None:
            audit_append(db.conn, kind, full, actor=f"hq:{update.key_id}", ts=now)

        await self.app.store.write(write)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise Refused(Reason.APPLY_FAILED, f"the lane's config file is unreadable: {type(err).__name__}"
                      ) from err
