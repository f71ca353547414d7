"""The lane correlator: reads in (cards, plates, documents, reader health), crossings out.

Driven by events and an injectable clock; no asyncio, no I/O. The daemon feeds every bus event
to `handle()`, calls `tick()` a few times a second for time-outs, and calls `recommend()`,
`decide()`, `arrive()` and `declare_occupants()` from the decision layer and the booth page.
Each call returns the `CrossingUpdated` events it caused, in order, for the daemon to publish.

Joining rules: a vehicle becomes a crossing when it closes with at least one card of this lane
(or a plate). Plates attach by time window (`plate_before_s` before the first card read to
`plate_after_s` after the last); a different plate while a vehicle is being read splits it.
Documents attach to the crossing at the booth; if none is there, the oldest approaching crossing
is taken to have arrived; with none approaching, a walk-up crossing is opened. Vehicles queued
behind the booth keep waiting until the one there is decided (tests/lane/test_correlator_queue.py).
Vehicles cannot overtake one another in a lane: once a crossing has reached the booth (or been
decided), a crossing for a vehicle seen before it is closed as `overtaken` rather than moved to
the booth later (a plate-only crossing opens `plate_wait_s` after its plate: at the booth it would
capture the documents of the vehicles behind and block the booth until `at_booth_s`).
Known limit: a vehicle the lane never saw (no card, no plate read) cannot be told from the one read
behind it, which the timer has moved to the booth; its documents then go to that crossing.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge.config import Config, doc
from edge.events import (
    DeviceState,
    DeviceStateChanged,
    DocumentScanned,
    Event,
    PlateRead,
    TagSighting,
)
from edge.lane.crossing import (
    Crossing,
    CrossingError,
    CrossingState,
    CrossingUpdated,
    PlateSeen,
    add_plate,
    jsonable,
    plate_key,
)
from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions, Vehicle, VehicleGrouper

_DOWN = {DeviceState.DISCONNECTED, DeviceState.FAILING, DeviceState.FAILED}


@dataclass(frozen=True, slots=True)
class CrossingTimeouts:
    arrive_after_s: float = doc("An approaching vehicle is at the free booth after this long", 5.0)
    approaching_s: float = doc("Close an approaching crossing that never reaches the booth", 600.0)
    at_booth_s: float = doc("Close an undecided crossing at the booth after this long", 900.0)
    decided_close_s: float = doc("Close a decided crossing after this long", 10.0)
    plate_before_s: float = doc("A plate read this long before a vehicle's first read joins it", 10.0)
    plate_after_s: float = doc("A plate read this long after a vehicle's last card joins it", 5.0)
    plate_wait_s: float = doc("An unclaimed plate opens a crossing without cards after this", 15.0)


@dataclass(frozen=True, slots=True)
class LaneOptions:
    lane: str = doc("Lane id used in crossing ids and events", "L01")
    devices: tuple[str, ...] = doc("RFID devices feeding this lane; empty means all", ())
    thresholds: LaneThresholds = field(
        default_factory=LaneThresholds, metadata={"doc": "Which cards are this lane's"}
    )
    grouping: GroupingOptions = field(
        default_factory=GroupingOptions, metadata={"doc": "How reads cluster into vehicles"}
    )
    timeouts: CrossingTimeouts = field(
        default_factory=CrossingTimeouts, metadata={"doc": "Crossing life-cycle time-outs"}
    )


def lane_options_from(config: Config, antennas: tuple[int, ...] = ()) -> LaneOptions:
    """LaneOptions from the daemon config: lane id, `[thresholds]`, the enabled rfid devices."""
    th = config.thresholds
    return LaneOptions(
        lane=config.lane.id,
        devices=tuple(d.name for d in config.devices if d.kind == "rfid" and d.enabled),
        thresholds=LaneThresholds(
            antennas=antennas or th.lane_antennas, min_rssi=th.min_rssi, min_reads=th.min_reads
        ),
        grouping=GroupingOptions(gap_s=th.vehicle_gap_s),
        timeouts=CrossingTimeouts(arrive_after_s=th.arrive_after_s, plate_before_s=th.plate_before_s,
                                  plate_after_s=th.plate_after_s, decided_close_s=th.decided_close_s,
                                  plate_wait_s=th.plate_wait_s),
    )


class CrossingCorrelator:
    """Turns the lane's reads into crossings. Not thread-safe: one task drives it."""

    def __init__(
        self,
        options: LaneOptions,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[float, int], str] | None = None,
    ) -> None:
        self.opt = options
        self.clock = clock
        self.grouper = VehicleGrouper(options.thresholds, options.grouping)
        self._new_id = new_id or (lambda now, seq: f"{options.lane}-{int(now * 1000):x}-{seq}")
        self._seq = 0
        self.active: dict[str, Crossing] = {}  # insertion order = lane order
        self.recent: deque[Crossing] = deque(maxlen=64)
        self._open_plates: list[PlateSeen] = []  # plates of the vehicle being read
        self._open_seq: int | None = None
        self._pending: list[tuple[PlateSeen, float]] = []  # (plate, arrival) not yet joined
        self._readers: set[str] = set(options.devices)  # whose outages pause the gap timer
        self._passed_ts = float("-inf")  # seen_ts of the last vehicle that reached the booth
        self.rejected_vehicles: deque[Vehicle] = deque(maxlen=50)
        self.counts: dict[str, int] = {
            "sightings": 0,
            "vehicles": 0,
            "crossings": 0,
            "plates": 0,
            "documents": 0,
            "ignored": 0,
            "overtaken": 0,
        }

    # ------------------------------------------------------------------ inputs

    def handle(self, event: Event) -> list[CrossingUpdated]:
        if isinstance(event, TagSighting):
            return self.sighting(event)
        if isinstance(event, PlateRead):
            return self.plate(event)
        if isinstance(event, DocumentScanned):
            return self.document(event)
        if isinstance(event, DeviceStateChanged) and event.device in self._readers:
            now = self.clock()
            if event.state in _DOWN:
                self.grouper.suspend(now)
            elif event.state == DeviceState.OPEN:
                self.grouper.resume(now)
        return []

    def sighting(self, s: TagSighting) -> list[CrossingUpdated]:
        if not self._ours(s.device):
            self.counts["ignored"] += 1
            return []
        self.counts["sightings"] += 1
        self._readers.add(s.device)
        now = self.clock()
        out = self._vehicles(self.grouper.add(s.ts, s.epc, s.antenna, s.rssi, now), now)
        opened = self.grouper.open
        if opened is not None and opened.seq != self._open_seq:
            self._open_seq = opened.seq
            self._claim_pending(opened.first_seen)
        return out

    def plate(self, p: PlateRead) -> list[CrossingUpdated]:
        self.counts["plates"] += 1
        now = self.clock()
        out: list[CrossingUpdated] = []
        if self.grouper.open is not None:
            if self._open_plates and all(plate_key(x.text) != plate_key(p.text) for x in self._open_plates):
                out += self._vehicles(self.grouper.split(), now)
                self._add_pending(p, now)
                return out
            add_plate(self._open_plates, p.text, p.confidence, p.ts, p.device, p.low_confidence)
            return out
        target = self._crossing_for_late_plate(p)
        if target is not None:
            add_plate(target.plates, p.text, p.confidence, p.ts, p.device, p.low_confidence)
            return [target.updated("plate", now)]
        self._add_pending(p, now)
        return out

    def _add_pending(self, p: PlateRead, now: float) -> None:
        """Hold a plate until a vehicle claims it; repeated reads of one plate stay one entry."""
        for seen, _arrived in self._pending:
            if plate_key(seen.text) == plate_key(p.text):
                seen.merge(p.confidence, p.ts, p.low_confidence)
                return
        self._pending.append((PlateSeen(p.text, p.confidence, p.ts, p.device, 1, p.low_confidence), now))

    def document(self, d: DocumentScanned) -> list[CrossingUpdated]:
        self.counts["documents"] += 1
        now = self.clock()
        out = self.tick(now)
        target = self._in_state(CrossingState.AT_BOOTH)
        if target is None:
            target = self._in_state(CrossingState.APPROACHING)
            if target is not None:
                out += self._to_booth(target, now)
        if target is None:
            target = self._open_crossing(None, [], now, walk_up=True)
            out.append(target.updated("opened", now))
            out += self._to_booth(target, now)
        target.documents.append({"ts": d.ts, "device": d.device, "document": jsonable(d.document)})
        out.append(target.updated("document", now))
        return out

    def retune(self, options: LaneOptions) -> None:
        """New thresholds, grouping gap and time-outs from now on (a config reload); the lane
        id and its devices are not live settings and stay as they were."""
        self.opt = dataclasses.replace(options, lane=self.opt.lane, devices=self.opt.devices)
        self.grouper.th = self.opt.thresholds
        self.grouper.opt = self.opt.grouping

    def tick(self, now: float | None = None) -> list[CrossingUpdated]:
        """Time-outs: close quiet vehicles, move crossings along, join or expire plates."""
        now = self.clock() if now is None else now
        out = self._vehicles(self.grouper.tick(now), now)
        t = self.opt.timeouts
        for plate, arrived in list(self._pending):
            if now - arrived > t.plate_wait_s:
                self._pending.remove((plate, arrived))
                c = self._open_crossing(None, [plate], now, seen_ts=arrived)
                if arrived >= self._passed_ts:
                    out.append(c.updated("opened", now))  # else closed below, never recommended
        out += self._close_overtaken(now)
        for c in list(self.active.values()):
            age = now - c.state_since
            if c.state == CrossingState.DECIDED and age > t.decided_close_s:
                out.append(self._close(c, "done", now))
            elif c.state == CrossingState.AT_BOOTH and age > t.at_booth_s:
                out.append(self._close(c, "timeout.at_booth", now))
            elif c.state == CrossingState.APPROACHING and age > t.approaching_s:
                out.append(self._close(c, "timeout.approaching", now))
        head = self._in_state(CrossingState.APPROACHING)
        if (
            head is not None
            and self._in_state(CrossingState.AT_BOOTH) is None
            and now - head.state_since >= t.arrive_after_s
        ):
            out += self._to_booth(head, now)
        return out

    # ------------------------------------------------------------------ booth and decision

    def arrive(self, crossing_id: str) -> list[CrossingUpdated]:
        """The booth says this vehicle is here (the officer picked it on the page)."""
        c = self._get(crossing_id, CrossingState.APPROACHING)
        return self._to_booth(c, self.clock())

    def recommend(self, crossing_id: str, recommendation: Mapping[str, Any]) -> list[CrossingUpdated]:
        c = self._get(crossing_id, CrossingState.APPROACHING, CrossingState.AT_BOOTH, CrossingState.DECIDED)
        c.recommendation = jsonable(recommendation)
        return [c.updated("recommendation", self.clock())]

    def declare_occupants(self, crossing_id: str, count: int) -> list[CrossingUpdated]:
        c = self._get(crossing_id, CrossingState.APPROACHING, CrossingState.AT_BOOTH)
        if count < 0:
            raise CrossingError("occupants must be >= 0", code="lane.crossing_value")
        c.occupants_declared = count
        return [c.updated("occupants", self.clock())]

    def decide(
        self, crossing_id: str, outcome: str, officer: str | None = None, note: str = ""
    ) -> list[CrossingUpdated]:
        c = self._get(crossing_id, CrossingState.APPROACHING, CrossingState.AT_BOOTH)
        now = self.clock()
        c.decision = {"outcome": outcome, "officer": officer, "note": note, "ts": now}
        c.move(CrossingState.DECIDED, now)
        self._passed(c)  # decided from the queue: it was at the booth, those before it have gone
        return [c.updated("decided", now), *self._close_overtaken(now)]

    def close(self, crossing_id: str, reason: str = "done") -> list[CrossingUpdated]:
        c = self._get(crossing_id, CrossingState.APPROACHING, CrossingState.AT_BOOTH, CrossingState.DECIDED)
        return [self._close(c, reason, self.clock())]

    def flush(self) -> list[CrossingUpdated]:
        """Close the vehicle being read now (shutdown, end of a replay)."""
        return self._vehicles(self.grouper.flush(), self.clock())

    # ------------------------------------------------------------------ views

    def find(self, crossing_id: str) -> Crossing | None:
        if crossing_id in self.active:
            return self.active[crossing_id]
        return next((c for c in self.recent if c.id == crossing_id), None)

    def board(self) -> list[dict[str, Any]]:
        """Snapshots of the active crossings in lane order (the booth page's queue)."""
        return [c.snapshot() for c in self.active.values()]

    def diagnostics(self) -> dict[str, Any]:
        """Counters and recent rejected cards, for `lanectl` and the technician's page."""
        g = self.grouper
        return {
            **self.counts,
            "late_reads": g.late_reads,
            "stray_reads": g.stray_reads,
            "open_vehicle_cards": 0 if g.open is None else g.open.card_count(),
            "pending_plates": len(self._pending),
            "rejected_vehicles": len(self.rejected_vehicles),
            "recent_rejected_cards": [c.to_json() for v in self.rejected_vehicles for c in v.rejected][-50:],
        }

    # ------------------------------------------------------------------ internals

    def _ours(self, device: str) -> bool:
        return not self.opt.devices or device in self.opt.devices

    def _vehicles(self, vehicles: list[Vehicle], now: float) -> list[CrossingUpdated]:
        out: list[CrossingUpdated] = []
        for v in vehicles:
            self.counts["vehicles"] += 1
            plates = self._open_plates if v.seq == self._open_seq else []
            self._open_plates, self._open_seq = [], None
            if not v.cards and not plates:
                self.rejected_vehicles.append(v)
                continue
            c = self._open_crossing(v, plates, now, seen_ts=now)
            out.append(c.updated("opened", now))
        return out

    def _open_crossing(
        self,
        v: Vehicle | None,
        plates: list[PlateSeen],
        now: float,
        walk_up: bool = False,
        seen_ts: float | None = None,
    ) -> Crossing:
        self._seq += 1
        self.counts["crossings"] += 1
        c = Crossing(
            self._new_id(now, self._seq),
            self.opt.lane,
            now,
            vehicle=v,
            plates=list(plates),
            walk_up=walk_up,
            seen_ts=seen_ts,
        )
        c.move(CrossingState.APPROACHING, now)
        self.active[c.id] = c
        return c

    def _claim_pending(self, first_seen: float) -> None:
        window = self.opt.timeouts.plate_before_s
        fits = [(p, a) for p, a in self._pending if p.ts >= first_seen - window]
        if not fits:
            return
        plate, arrived = max(fits, key=lambda pa: pa[1])  # the plate read last
        self._pending.remove((plate, arrived))
        self._open_plates.append(plate)

    def _crossing_for_late_plate(self, p: PlateRead) -> Crossing | None:
        after = self.opt.timeouts.plate_after_s
        for c in reversed(self.active.values()):
            v = c.vehicle
            if v is None or p.ts > v.last_seen + after or p.ts < v.first_seen:
                continue
            if not c.plates or any(plate_key(x.text) == plate_key(p.text) for x in c.plates):
                return c
        return None

    def at_booth(self) -> Crossing | None:
        """The crossing at the booth, if any (there is at most one)."""
        return self._in_state(CrossingState.AT_BOOTH)

    def _in_state(self, state: CrossingState) -> Crossing | None:
        return next((c for c in self.active.values() if c.state == state), None)

    def _to_booth(self, c: Crossing, now: float) -> list[CrossingUpdated]:
        out = [
            self._close(d, "done" if d.state == CrossingState.DECIDED else "superseded", now)
            for d in list(self.active.values())
            if d is not c and d.state in (CrossingState.DECIDED, CrossingState.AT_BOOTH)
        ]
        c.move(CrossingState.AT_BOOTH, now)
        self._passed(c)
        out.append(c.updated("at_booth", now))
        return out

    def _passed(self, c: Crossing) -> None:
        if c.seen_ts is not None:  # a walk-up's place in the lane is unknown
            self._passed_ts = max(self._passed_ts, c.seen_ts)

    def _close_overtaken(self, now: float) -> list[CrossingUpdated]:
        """Crossings still waiting for a vehicle seen before one that has reached the booth."""
        out = []
        for c in list(self.active.values()):
            if (
                c.state in (CrossingState.APPROACHING, CrossingState.AT_BOOTH)
                and c.seen_ts is not None
                and c.seen_ts < self._passed_ts
            ):
                self.counts["overtaken"] += 1
                out.append(self._close(c, "overtaken", now))
        return out

    def _close(self, c: Crossing, reason: str, now: float) -> CrossingUpdated:
        c.closed_reason = reason
        c.move(CrossingState.CLOSED, now)
        self.active.pop(c.id, None)
        self.recent.append(c)
        return c.updated("closed", now)

    def _get(self, crossing_id: str, *allowed: CrossingState) -> Crossing:
        c = self.active.get(crossing_id)
        if c is None:
            raise CrossingError(
                "no such active crossing", code="lane.crossing_unknown", crossing_id=crossing_id
            )
        if c.state not in allowed:
            raise CrossingError(
                f"not allowed in state {c.state.value}",
                code="lane.crossing_state",
                crossing_id=crossing_id,
                state=c.state.value,
            )
        return c
