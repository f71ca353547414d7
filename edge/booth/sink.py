"""Decision sinks: the lane's own (`LaneDecisionSink`, when the daemon runs its lane service; it
also takes the officer's count of occupants and which vehicle is at the booth) or the store-only
default (`StoreDecisionSink`: decision row, audit entry and outbox message in one transaction, for
a booth without the lane layer, which can take neither).

The free-text note stays in the local decisions table (it may name someone); the audit entry
only says that a note exists, and the outbox message carrying it is flagged personal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import sqlite_utils

from edge.booth.errors import booth_error
from edge.booth.state import DecisionSink
from edge.store.writer import Store, enqueue_outbox

TOPIC = "crossing/decision"


class AppDecisionSink:
    """The daemon's sink: the lane service when the app runs one (looked up at each decision, so
    the order of components does not matter), else `fallback`."""

    def __init__(self, app: Any, fallback: DecisionSink) -> None:
        self.app = app
        self.fallback = fallback

    async def record(self, crossing_id: str, action: str, note: str, actor: str) -> dict[str, Any]:
        lane = next((c for c in self.app.components if c.name == "lane" and hasattr(c, "decide")),
                    None)
        sink: DecisionSink = LaneDecisionSink(lane) if lane is not None else self.fallback
        return await sink.record(crossing_id, action, note, actor)


    async def declare_occupants(self, crossing_id: str, count: int, actor: str) -> dict[str, Any]:
        lane = next((c for c in self.app.components
                     if c.name == "lane" and hasattr(c, "declare_occupants")), None)
        if lane is None:
            raise booth_error(503, "booth.occupants_unavailable",
                              "occupants can only be declared while the lane layer runs")
        return await LaneDecisionSink(lane).declare_occupants(crossing_id, count, actor)

    async def arrive(self, crossing_id: str, actor: str) -> dict[str, Any]:
        lane = next((c for c in self.app.components
                     if c.name == "lane" and hasattr(c, "arrive")), None)
        if lane is None:
            raise booth_error(503, "booth.arrive_unavailable",
                              "a vehicle can only be moved to the booth while the lane layer runs")
        return await LaneDecisionSink(lane).arrive(crossing_id, actor)


class LaneDecisionSink:
    """Hands the decision to the lane service (`decide(crossing_id, action, note, actor)`), which
    moves the crossing on and writes store, audit log and outbox itself."""

    def __init__(self, lane: Any) -> None:
        self.lane = lane

    async def record(self, crossing_id: str, action: str, note: str, actor: str) -> dict[str, Any]:
        result = await self.lane.decide(crossing_id, action, note, actor)
        return {"crossing_id": crossing_id, "action": action, "actor": actor, "ts": time.time(),
                **dict(result)}


    async def declare_occupants(self, crossing_id: str, count: int, actor: str) -> dict[str, Any]:
        return dict(await self.lane.declare_occupants(crossing_id, count, actor))

    async def arrive(self, crossing_id: str, actor: str) -> dict[str, Any]:
        return dict(await self.lane.arrive(crossing_id, actor))


def _audit(db: sqlite_utils.Database, crossing_id: str, actor: str, action: str, note: bool,
           ts: float) -> int:
    try:
        from edge.decision.audit import record_officer_decision
    except ImportError:  # the decision layer is optional for the booth; plain row then
        body = json.dumps({"action": action, "note_code": "note" if note else None})
        cur = db.conn.execute(
            "INSERT INTO audit(ts, kind, actor, crossing_id, body, prev_hash, hash)"
            " VALUES (?, 'officer_decision', ?, ?, ?, '', '')", (ts, actor, crossing_id, body))
        return int(cur.lastrowid or 0)
    entry = record_officer_decision(db.conn, crossing_id, actor, action,
                                    note_code="note" if note else None, ts=ts)
    return entry.seq


class StoreDecisionSink:
    """Writes through the store's single writer; `context` gives the crossing's recommendation."""

    def __init__(self, store: Store, lane: str,
                 context: Callable[[str], Mapping[str, Any] | None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.lane = lane
        self.context = context
        self.clock = clock

    async def record(self, crossing_id: str, action: str, note: str, actor: str) -> dict[str, Any]:
        now = self.clock()
        rec = self.context(crossing_id) if self.context else None
        recommended = rec.get("action") if rec else None
        body = {"action": action, "note": note, "recommended": recommended,
                "against_recommendation": bool(rec and rec.get("suggested")
                                               and rec.get("suggested") != action)}

        def write(db: sqlite_utils.Database) -> dict[str, Any]:
            cur = db.conn.execute(
                "INSERT INTO decisions(crossing_id, ts, kind, action, actor, body)"
                " VALUES (?, ?, 'officer', ?, ?, ?)",
                (crossing_id, now, action, actor, json.dumps(body, separators=(",", ":"))))
            audit_seq = _audit(db, crossing_id, actor, action, bool(note), now)
            seq, event_id = enqueue_outbox(
                db, kind="officer_decision", topic=TOPIC, now=now, personal=bool(note),
                payload={"crossing_id": crossing_id, "lane": self.lane, "action": action,
                         "actor": actor, "recommended": recommended, "note": note or None,
                         "against_recommendation": body["against_recommendation"], "at": now})
            return {"decision_id": int(cur.lastrowid or 0), "audit_seq": audit_seq,
                    "outbox_seq": seq, "event_id": event_id}

        ids = await self.store.write(write)
        return {"crossing_id": crossing_id, "action": action, "note": note, "actor": actor,
                "ts": now, "recommended": recommended,
                "against_recommendation": body["against_recommendation"], **ids}
