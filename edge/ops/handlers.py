"""Control-channel commands for technicians: tail, outbox, lane, purge, sync, reload, metrics.

`register_ops(app)` adds these commands to `app.control` and an `OpsComponent` (the live event
feed) to `app.components`; call it after `App(cfg)` and before `app.start()`. Every change a
technician makes (lane mode, purge, showing personal data) goes into the audit log through the
store's single writer, with the actor lanectl reported.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from pathlib import Path
from typing import Any

import sqlite_utils

from edge.config import LaneKind
from edge.decision.audit import append as audit_append
from edge.errors import ControlError
from edge.events import Event
from edge.ops.events import LaneModeChanged
from edge.ops.feed import EventFeed
from edge.ops.privacy import event_view
from edge.ops.reload import reload, reload_from_file
from edge.ops.remote_config import ConfigUpdater
from edge.ops.retention import PurgeResult, purge
from edge.ops.store_facts import config_hash, outbox_stats
from edge.store.writer import enqueue_outbox
from edge.sync.component import SyncComponent
from edge.sync.config_apply import register_config

log = logging.getLogger(__name__)

MODES = ("open", "closed")
_REGISTERED: weakref.WeakSet[Any] = weakref.WeakSet()


RETENTION_FIRST_S = 300.0


class OpsComponent:
    """Holds the live feed and the lane state a technician can change."""

    name = "ops"

    def __init__(self, app: Any, config_path: str | Path | None) -> None:
        self.app = app
        self.feed = EventFeed()
        self.lane_kind = str(app.cfg.lane.kind)
        self.config_path = str(config_path) if config_path else None
        self.config_hash = config_hash(config_path) if config_path else None
        self.personal_sessions: set[str] = set()
        self.tail_requests = 0
        self.retention_runs = 0
        self.retention_last: dict[str, Any] | None = None
        self.remote_config: ConfigUpdater | None = None

    async def start(self, app: Any) -> None:
        self.feed.attach(app.bus)
        app.add_task(self._retention_loop(), "retention")
        sync = next((c for c in app.components if c.name == "sync"), None)
        if isinstance(sync, SyncComponent) and self.config_path:  # headquarters' settings
            self.remote_config = ConfigUpdater(app, self.config_path)
            register_config(sync.appliers, self.remote_config.apply)

    async def apply_retention(self, actor: str, *, audit_always: bool) -> PurgeResult:
        """One retention run in the single writer; audited (with its counts) in the same
        transaction when it changed something or when a person asked for it."""
        now = time.time()
        retention = self.app.cfg.retention  # read each run: a reload may have changed it

        def write(db: sqlite_utils.Database) -> PurgeResult:
            result = purge(db, retention, now)
            if audit_always or result.changed:
                audit_append(db.conn, "purge", result.audit_body(), actor=actor, ts=now)
            return result

        done: PurgeResult = await self.app.store.write(write)
        self.retention_runs += 1
        self.retention_last = {"at": now, "by": actor, **done.to_dict()}
        return done

    async def _retention_loop(self) -> None:
        # the first run waits a little (never more than 5 min), so a daemon starting up does
        # its devices first and a crash-looping one still gets its retention done
        every = self.app.cfg.retention.interval_minutes * 60.0
        await asyncio.sleep(min(every, RETENTION_FIRST_S))
        while True:
            try:
                await self.apply_retention("daemon:retention", audit_always=False)
            except Exception:  # a failed run is retried next period; the daemon stays up
                log.exception("retention run failed")
            await asyncio.sleep(max(0.1, self.app.cfg.retention.interval_minutes * 60.0))

    async def stop(self) -> None:
        await self.feed.close()

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lane_kind": self.lane_kind, "config_hash": self.config_hash,
                               "feed_seq": self.feed.seq, "tail_requests": self.tail_requests,
                               "retention": {"runs": self.retention_runs,
                                             "last": self.retention_last}}
        if self.remote_config is not None:
            out["hq_config"] = self.remote_config.info()
        return out


def _actor(req: dict[str, Any]) -> str:
    actor = str(req.get("actor") or "lanectl")
    return actor[:64]


async def _audit(app: Any, kind: str, body: dict[str, Any], actor: str) -> int:
    def write(db: sqlite_utils.Database) -> int:
        return audit_append(db.conn, kind, body, actor=actor).seq

    seq: int = await app.store.write(write)
    return seq


def register_ops(app: Any, config_path: str | Path | None = None) -> OpsComponent:
    """Register the operations commands on `app.control`; idempotent per app."""
    if app in _REGISTERED:
        existing: OpsComponent = app.ops
        return existing
    ops = OpsComponent(app, config_path)
    app.ops = ops
    app.components.append(ops)
    _REGISTERED.add(app)

    async def tail(req: dict[str, Any]) -> dict[str, Any]:
        ops.tail_requests += 1
        show = bool(req.get("show_personal"))
        if show:
            session = str(req.get("session") or "")
            if not session:
                raise ControlError("--show-personal needs a session id", code="control.bad_request")
            if session not in ops.personal_sessions:
                # audited before anything personal is sent; a failed audit refuses the request
                await _audit(app, "personal_data_view", {"what": "tail", "session": session},
                             _actor(req))
                ops.personal_sessions.add(session)
                log.warning("personal data shown on tail to %s (audited)", _actor(req))
        after = req.get("after")
        got = await ops.feed.after(None if after is None else int(after),
                                   wait=float(req.get("wait", 0.0)))
        events: list[tuple[int, Event]] = got["events"]
        got["events"] = [{"seq": s, **event_view(e, show_personal=show)} for s, e in events]
        return got

    async def outbox(_req: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(outbox_stats, app.store.path)

    async def lane(req: dict[str, Any]) -> dict[str, Any]:
        action = req.get("action")
        mode, kind = app.mode, ops.lane_kind
        if action == "open":
            mode = "open"
        elif action == "close":
            mode = "closed"
        elif action == "mode":
            kind = str(req.get("kind", ""))
            if kind not in {k.value for k in LaneKind}:
                raise ControlError(f"unknown lane kind {kind!r}", code="control.bad_request",
                                   known=[k.value for k in LaneKind])
        elif action != "show":
            raise ControlError("action must be open, close, mode or show", code="control.bad_request")
        before = {"mode": app.mode, "kind": ops.lane_kind}
        if action != "show" and (mode, kind) != (app.mode, ops.lane_kind):
            now = time.time()
            body = {"from": before, "to": {"mode": mode, "kind": kind}}
            actor = _actor(req)

            def write(db: sqlite_utils.Database) -> None:
                audit_append(db.conn, "lane_mode", body, actor=actor, ts=now)
                enqueue_outbox(db, kind="lane_mode", topic="health/lane", now=now,
                               payload={"mode": mode, "kind": kind, "at": now})

            await app.store.write(write)
            app.mode, ops.lane_kind = mode, kind
            app.publish(LaneModeChanged(ts=now, mode=mode, kind=kind, actor=actor))
            log.info("lane %s -> mode %s, kind %s (by %s)", app.cfg.lane.id, mode, kind, actor)
        return {"before": before, "mode": app.mode, "kind": ops.lane_kind}

    async def do_purge(req: dict[str, Any]) -> dict[str, Any]:
        done = await ops.apply_retention(_actor(req), audit_always=True)
        out: dict[str, Any] = done.to_dict()
        return out

    async def sync(req: dict[str, Any]) -> Any:
        comp = next((c for c in app.components if c.name == "sync"), None)
        fn = getattr(comp, "sync_now", None)
        if fn is None:
            raise ControlError("this daemon has no sync component (mqtt disabled or not built)",
                               code="control.unsupported")
        result = fn(wait_s=min(max(float(req.get("wait_s", 10.0)), 0.0), 60.0))
        if asyncio.iscoroutine(result):
            result = await result
        return result if result is not None else {"requested": True}

    async def do_reload(req: dict[str, Any]) -> dict[str, Any]:
        path = req.get("config") or ops.config_path
        if not path:
            raise ControlError("no config path known; pass one", code="control.bad_request")
        changed = await reload_from_file(app, path)
        if ops.config_path is None or Path(path) == Path(ops.config_path):
            ops.config_hash = config_hash(path)
        return {"changed": changed}

    def metrics(_req: dict[str, Any]) -> Any:
        from edge.metrics import render

        async def build() -> str:
            status = await app.status_async()
            status["outbox"] = await asyncio.to_thread(outbox_stats, app.store.path)  # + drain rates
            return render(status)

        return build()

    app.control.register("tail", tail)
    app.control.register("outbox", outbox)
    app.control.register("lane", lane)
    app.control.register("purge", do_purge)
    app.control.register("sync", sync)
    app.control.register("reload", do_reload)
    app.control.register("metrics", metrics)
    return ops


__all__ = ["OpsComponent", "register_ops", "reload"]
