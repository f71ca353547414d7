"""The lane at work: reads -> crossings -> recommendations -> store, audit log and outbox.

This component is the daemon's only driver of the crossing correlator (one task, so the
correlator needs no locks). Each crossing step is published on the bus (for the booth page),
stored, and, where headquarters needs it, queued in the outbox in the same transaction. The
decision engine runs off the loop (SQLite + ONNX) and a recommendation is recomputed whenever a
crossing learns something (cards, plate, documents, occupants). Every distinct recommendation
and every officer decision goes to the hash-chained audit log with the versions used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from edge.daemon.crossing_facts import facts_from_snapshot, public_snapshot
from edge.daemon.model_updates import ModelUpdater, live_scorer
from edge.decision import audit
from edge.decision.engine import DecisionEngine
from edge.decision.facts import FactsError
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.decision.refdata import RefData
from edge.decision.routing import Recommendation, Thresholds
from edge.drivers.signs.protocol import mode_text, vehicle_text
from edge.errors import LaneEdgeError
from edge.events import (
    DeviceStateChanged,
    DocumentScanned,
    Event,
    PlateRead,
    SignCommand,
    TagSighting,
)
from edge.lane.correlator import CrossingCorrelator, lane_options_from
from edge.lane.crossing import CrossingUpdated
from edge.models.installed import ModelDir
from edge.models.scorer import Scorer
from edge.ops.events import ConfigReloaded, LaneModeChanged
from edge.store.writer import enqueue_outbox
from edge.sync.component import SyncComponent
from edge.sync.model_apply import register_model
from edge.sync.refdata_apply import register_refdata

if TYPE_CHECKING:
    from edge.config import ThresholdsConfig
    from edge.daemon.app import App

log = logging.getLogger(__name__)

OFFICER_ACTIONS = {"release", "refer", "redirect"}
MAX_OCCUPANTS = 20  # more than any vehicle at a passenger or NEXUS booth carries
LEARNING_STEPS = {"opened", "plate", "document", "at_booth", "occupants"}
TICK_S = 0.2


class DecisionRefused(LaneEdgeError):
    code = "booth.decision_invalid"


class OccupantsRefused(LaneEdgeError):
    code = "lane.occupants_invalid"


class ArrivalRefused(LaneEdgeError):
    code = "lane.arrive_invalid"


class LaneService:
    name = "lane"

    def __init__(self, engine: DecisionEngine | None = None) -> None:
        self._engine = engine
        self.engine: DecisionEngine | None = None
        self.models: ModelUpdater | None = None
        self.app: App | None = None
        self.correlator: CrossingCorrelator | None = None
        self._last_rec: dict[str, str] = {}
        self._recent_cards: deque[tuple[float, str]] = deque(maxlen=5000)
        self.counts = {"recommendations": 0, "decisions": 0, "decision_errors": 0}
        self.kind, self.mode = "passenger", "open"
        self._sub_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ life
    async def start(self, app: App) -> None:
        self.app = app
        cfg = app.cfg
        self.correlator = CrossingCorrelator(lane_options_from(cfg))
        engine = self._engine
        if engine is None:
            engine = await asyncio.to_thread(self._build_engine)
        self.engine = engine
        if self.models is None or self.models.scorer is not engine.scorer:
            self.models = ModelUpdater(engine.scorer, ModelDir(cfg.accepted_models_dir), app.store,
                                       source="given")
        sync = next((c for c in app.components if c.name == "sync"), None)
        if isinstance(sync, SyncComponent):  # headquarters' signed reference data and models
            register_refdata(sync.appliers, engine.refdata)
            register_model(sync.appliers, self.models.install)
        self.kind, self.mode = str(cfg.lane.kind), app.mode
        sub = app.bus.subscribe("lane", (TagSighting, PlateRead, DocumentScanned, DeviceStateChanged,
                                         LaneModeChanged, ConfigReloaded))
        app.bus.consume(sub, self._on_read)
        self._sign("mode", mode_text(self.kind, self.mode))
        app.add_task(self._ticker(), "lane:tick")
        app.control.register("crossings", lambda _r: self.board())
        app.control.register("decide", self._control_decide)
        app.control.register("occupants", self._control_occupants)
        app.control.register("arrive", self._control_arrive)

    def _build_engine(self) -> DecisionEngine:
        assert self.app is not None
        cfg = self.app.cfg
        store_dir = Path(cfg.store.path).parent
        refdata = RefData(cfg.models.refdata_path or store_dir / "refdata.sqlite")
        th = cfg.thresholds
        thresholds = _thresholds(cfg.thresholds)
        scorer, self.models = live_scorer(cfg, self.app.store, th.model_timeout_ms)
        if scorer.fault:
            log.error("risk model unavailable (%s): every crossing will be referred", scorer.fault)
        shadow = None
        if cfg.models.shadow_model:
            shadow = Scorer(cfg.models.shadow_model, schema_version=SCHEMA_VERSION,
                            feature_names=FEATURE_NAMES, timeout_ms=th.model_timeout_ms)
        return DecisionEngine(refdata, scorer, thresholds, shadow=shadow)

    async def stop(self) -> None:
        if self.correlator is not None:
            for upd in self.correlator.flush():
                await self._publish(upd)
        if self.engine is not None:
            self.engine.refdata.close()

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.counts)
        if self.correlator is not None:
            diag = self.correlator.diagnostics()
            out.update({k: v for k, v in diag.items() if not isinstance(v, list)})
            out["active_crossings"] = len(self.correlator.active)
        if self.engine is not None:
            out["model"] = self.engine.scorer.version
            out["model_fault"] = self.engine.scorer.fault
            if self.models is not None:
                out["model_info"] = self.models.info()
            out["refdata"] = self.engine.refdata.versions()
        return out

    # ------------------------------------------------------------------ inputs
    def _sign(self, target: str, text: str, crossing_id: str = "") -> None:
        assert self.app is not None
        self.app.publish(SignCommand(ts=time.time(), target=target, text=text,
                                     crossing_id=crossing_id))

    async def _on_read(self, event: Event) -> None:
        assert self.correlator is not None
        if isinstance(event, ConfigReloaded):
            self._apply_thresholds()
            return
        if isinstance(event, LaneModeChanged):
            self.kind, self.mode = event.kind, event.mode
            self._sign("mode", mode_text(self.kind, self.mode))
            return
        for upd in self.correlator.handle(event):
            await self._publish(upd)

    def _apply_thresholds(self) -> None:
        """A reload (SIGHUP, lanectl or headquarters) changed the config: new limits from now on."""
        assert self.app is not None
        if self.correlator is not None:  # antennas, RSSI, reads, gap, lane timers
            self.correlator.retune(lane_options_from(self.app.cfg))
        if self.engine is not None:
            th = self.app.cfg.thresholds
            self.engine.thresholds = _thresholds(th)
            self.engine.scorer.timeout_ms = th.model_timeout_ms
            if self.engine.shadow is not None:
                self.engine.shadow.timeout_ms = th.model_timeout_ms

    async def _ticker(self) -> None:
        assert self.correlator is not None
        while True:
            await asyncio.sleep(TICK_S)
            for upd in self.correlator.tick():
                await self._publish(upd)

    # ------------------------------------------------------------------ outputs
    async def _publish(self, upd: CrossingUpdated) -> None:
        assert self.app is not None and self.correlator is not None
        self.app.publish(upd)
        if upd.step == "at_booth":
            self._sign("vehicle", vehicle_text(None), upd.crossing_id)
        elif upd.step == "decided":
            action = (upd.snapshot.get("decision") or {}).get("outcome")
            self._sign("vehicle", vehicle_text(action), upd.crossing_id)
        snapshot = dict(upd.snapshot)
        await self.app.store.write(lambda db: self._store_crossing(db, upd, snapshot))
        if upd.step in LEARNING_STEPS and upd.state in ("approaching", "at_booth"):
            await self._recommend(snapshot)

    def _store_crossing(self, db: sqlite_utils.Database, upd: CrossingUpdated,
                        snapshot: dict[str, Any]) -> None:
        text = json.dumps(public_snapshot(snapshot), separators=(",", ":"), default=str)
        db.conn.execute(
            "INSERT INTO crossings(id, lane, state, opened, updated, closed, snapshot) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, "
            "updated = excluded.updated, closed = excluded.closed, snapshot = excluded.snapshot",
            (upd.crossing_id, upd.lane, str(upd.state), snapshot.get("opened_ts", upd.ts), upd.ts,
             upd.ts if upd.state == "closed" else None, text))
        if upd.state == "closed":
            for c in snapshot.get("cards") or []:
                self._recent_cards.append((upd.ts, c["epc"]))
            enqueue_outbox(db, kind="crossing", topic="crossing", personal=True, now=upd.ts,
                           payload={"crossing": public_snapshot(snapshot)})

    def _recent_count(self, snapshot: Mapping[str, Any], now: float) -> int:
        cards = {c["epc"] for c in snapshot.get("cards") or []}
        day = now - 86400
        return sum(1 for ts, epc in self._recent_cards if ts >= day and epc in cards)

    async def _recommend(self, snapshot: dict[str, Any]) -> None:
        assert self.app is not None and self.engine is not None and self.correlator is not None
        kind = self.kind
        recent = self._recent_count(snapshot, time.time())
        try:
            rec, members = await asyncio.to_thread(self._decide, snapshot, kind, recent)
        except (FactsError, LaneEdgeError) as err:
            self.counts["decision_errors"] += 1
            log.warning("cannot recommend for a crossing: %s", err.code)
            return
        body = rec.to_dict()
        body["members"] = members
        key = json.dumps([body.get("action"), [r.get("code") for r in body.get("reasons", [])]])
        cid = snapshot["id"]
        if self._last_rec.get(cid) == key:
            return  # same advice as before: nothing new to show, audit or send
        self._last_rec[cid] = key
        self.counts["recommendations"] += 1
        await self.app.store.write(lambda db: self._store_recommendation(db, cid, body))
        try:
            updates = self.correlator.recommend(cid, body)
        except LaneEdgeError:
            return  # closed meanwhile
        for upd in updates:
            self.app.publish(upd)
            snap = dict(upd.snapshot)
            await self.app.store.write(partial(self._store_crossing, upd=upd, snapshot=snap))

    def _decide(self, snapshot: dict[str, Any], kind: str, recent: int
                ) -> tuple[Recommendation, dict[str, Any]]:
        """Off the loop: facts (with the truck's manifest on commercial lanes), then the engine."""
        assert self.engine is not None
        shipment = None
        cards = [c["epc"] for c in snapshot.get("cards") or []]
        members: dict[str, Any] = {}
        with self.engine.refdata.snapshot() as snap:
            if kind in ("fast", "commercial"):
                shipment = snap.shipment_for_drivers(cards, float(snapshot.get("opened_ts") or 0))
            for epc in cards:
                m = snap.member(epc)
                if m is not None:  # what the booth shows per card: programme, status, expiry
                    members[epc] = {"programme": m.programme, "status": m.status,
                                    "expiry": m.expiry}
        rec = self.engine.decide(facts_from_snapshot(snapshot, kind, recent, shipment))
        return rec, members

    def _store_recommendation(self, db: sqlite_utils.Database, cid: str, body: dict[str, Any]) -> None:
        now = time.time()
        db.conn.execute(
            "INSERT INTO decisions(crossing_id, ts, kind, action, actor, body) VALUES (?,?,?,?,?,?)",
            (cid, now, "recommendation", body["action"], "lane", json.dumps(body, default=str)))
        entry = audit.append(db.conn, "recommendation", body, actor="lane", crossing_id=cid, ts=now)
        enqueue_outbox(db, kind="recommendation", topic="recommendation", now=now,
                       payload={"crossing_id": cid, "recommendation": body,
                                "audit": {"seq": entry.seq, "hash": entry.hash}})

    # ------------------------------------------------------------------ officer
    async def decide(self, crossing_id: str, action: str, note: str = "", actor: str = "local"
                     ) -> dict[str, Any]:
        """Record the officer's decision: crossing state, store, audit log and outbox."""
        assert self.app is not None and self.correlator is not None
        if action not in OFFICER_ACTIONS:
            raise DecisionRefused(f"action must be one of {sorted(OFFICER_ACTIONS)}",
                                  action=action)
        crossing = self.correlator.find(crossing_id)
        rec = (crossing.recommendation or {}) if crossing is not None else {}
        updates = self.correlator.decide(crossing_id, action, officer=actor, note=note[:500])
        now = time.time()
        body = {"action": action, "note": note[:500], "recommended": rec.get("action"),
                "against_recommendation": _against(action, rec.get("action"))}

        def write(db: sqlite_utils.Database) -> dict[str, Any]:
            db.conn.execute(
                "INSERT INTO decisions(crossing_id, ts, kind, action, actor, body) VALUES (?,?,?,?,?,?)",
                (crossing_id, now, "officer", action, actor, json.dumps(body)))
            entry = audit.append(db.conn, "officer_decision",
                                 {k: v for k, v in body.items() if k != "note"}
                                 | {"has_note": bool(note)},
                                 actor=actor, crossing_id=crossing_id, ts=now)
            seq, _ = enqueue_outbox(db, kind="decision", topic="decision", now=now,
                                    payload={"crossing_id": crossing_id, "actor": actor, **body,
                                             "audit": {"seq": entry.seq, "hash": entry.hash}})
            return {"audit_seq": entry.seq, "outbox_seq": seq}

        written = await self.app.store.write(write)
        self.counts["decisions"] += 1
        for upd in updates:
            await self._publish(upd)
        return {"crossing_id": crossing_id, "action": action, **written}

    async def declare_occupants(self, crossing_id: str, count: int, actor: str = "local"
                                ) -> dict[str, Any]:
        """The officer says how many people are in the vehicle: audited, then the crossing's
        recommendation is computed again (more declared than identified: `occupant_unidentified`)."""
        assert self.app is not None and self.correlator is not None
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_OCCUPANTS:
            raise OccupantsRefused(f"occupants must be a whole number from 0 to {MAX_OCCUPANTS}",
                                   count=str(count)[:20])
        crossing = self.correlator.find(crossing_id)
        before = crossing.occupants_declared if crossing is not None else None
        updates = self.correlator.declare_occupants(crossing_id, count)
        now = time.time()
        body = {"count": count, "before": before,
                "identified": _identified(updates[-1].snapshot if updates else {})}
        entry = await self.app.store.write(
            lambda db: audit.append(db.conn, "occupants_declared", body, actor=actor,
                                    crossing_id=crossing_id, ts=now))
        for upd in updates:  # stores the crossing and recomputes its recommendation
            await self._publish(upd)
        found = self.correlator.find(crossing_id)
        rec = (found.recommendation or {}) if found is not None else {}
        return {"crossing_id": crossing_id, "occupants_declared": count, "actor": actor, "ts": now,
                "audit_seq": entry.seq, "recommendation": rec.get("action"),
                "reasons": [r.get("code") for r in rec.get("reasons") or []]}

    async def _control_occupants(self, req: dict[str, Any]) -> dict[str, Any]:
        """`lanectl occupants [CROSSING] COUNT`: no crossing id means the one at the booth."""
        assert self.correlator is not None
        cid = str(req.get("crossing_id") or "")
        if not cid:
            at_booth = self.correlator.at_booth()
            if at_booth is None:
                raise OccupantsRefused("no vehicle at the booth; name the crossing",
                                       code="lane.no_vehicle_at_booth")
            cid = at_booth.id
        count: Any = req.get("count")  # checked by declare_occupants
        return await self.declare_occupants(cid, count, str(req.get("actor", "lanectl")))

    async def arrive(self, crossing_id: str, actor: str = "local") -> dict[str, Any]:
        """The officer says this approaching vehicle is the one at the booth (a U-turn, two cars
        swapped, the timer moved the wrong one): audited with the crossing that was at the booth
        before (ids only), and the recommendation computed again as at any arrival. The one it
        replaces is closed `superseded`; those seen before it close `overtaken` at the next tick."""
        assert self.app is not None and self.correlator is not None
        was = self.correlator.at_booth()
        before = was.id if was is not None else None
        updates = self.correlator.arrive(crossing_id)  # unknown or not approaching: CrossingError
        now = time.time()
        body = {"before": before,
                "closed": [u.crossing_id for u in updates if u.step == "closed"]}
        entry = await self.app.store.write(
            lambda db: audit.append(db.conn, "officer_arrival", body, actor=actor,
                                    crossing_id=crossing_id, ts=now))
        for upd in updates:  # stores each crossing and recomputes the arrived one's advice
            await self._publish(upd)
        found = self.correlator.find(crossing_id)
        rec = (found.recommendation or {}) if found is not None else {}
        return {"crossing_id": crossing_id, "before": before, "closed": body["closed"],
                "actor": actor, "ts": now, "audit_seq": entry.seq,
                "recommendation": rec.get("action"),
                "reasons": [r.get("code") for r in rec.get("reasons") or []]}

    async def _control_arrive(self, req: dict[str, Any]) -> dict[str, Any]:
        """`lanectl arrive CROSSING`: the crossing must be named (no guess at the booth)."""
        cid = str(req.get("crossing_id") or "")
        if not cid:
            raise ArrivalRefused("name the crossing that is at the booth")
        return await self.arrive(cid, str(req.get("actor", "lanectl")))

    async def _control_decide(self, req: dict[str, Any]) -> dict[str, Any]:
        return await self.decide(str(req.get("crossing_id", "")), str(req.get("action", "")),
                                 str(req.get("note", "")), str(req.get("actor", "lanectl")))

    def board(self) -> dict[str, Any]:
        assert self.correlator is not None
        return {"active": self.correlator.board(),
                "recent": [c.snapshot() for c in list(self.correlator.recent)[-20:]]}


def _thresholds(th: ThresholdsConfig) -> Thresholds:
    return Thresholds(refer_score=th.refer_score, plate_min_confidence=th.plate_min_confidence,
                      model_timeout_ms=th.model_timeout_ms)


def _identified(snapshot: Mapping[str, Any]) -> dict[str, int]:
    """What the lane had read when the officer declared: counts only, no personal data."""
    return {"cards": len(snapshot.get("cards") or []),
            "documents": len(snapshot.get("documents") or [])}


def _against(action: str, recommended: str | None) -> bool:
    if recommended is None:
        return False
    release_like = {"proceed_nexus", "proceed_fast", "release_recommended"}
    if action == "release":
        return recommended not in release_like
    if action == "refer":
        return recommended != "refer"
    return recommended != "redirect_commercial"
