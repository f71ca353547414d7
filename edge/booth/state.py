"""What the booth knows right now: crossings, device lights, lane mode, sync; and who listens.

`BoothState` is fed by the daemon (`on_crossing`, `on_device`, `on_sync`, `on_plate_crop`,
`on_mode`) and tells its listeners (the live feed) each change as a small typed message. It holds
JSON dicts only, so the lane's crossing type stays the lane's. `DecisionSink` is how a decision
taken at the booth reaches the store, the audit log and the outbox (the lead may pass its own).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from edge.booth.view import (
    DONE_STATES,
    OPEN_STATES,
    crossing_summary,
    crossing_view,
    number,
    shown_plate,
)
from edge.lane.crossing import plate_key

MAX_CROSSINGS = 200
MAX_RECENT = 20
MAX_CROPS = 50

# device kind -> the light it feeds on the page
LIGHTS: dict[str, str] = {"mrz_scanner": "mrz", "mrz": "mrz", "rfid": "rfid", "camera": "camera"}
DOWN_STATES = ("disconnected", "failing", "failed", "stopped")
# sync link states (edge.sync's MQTT client) -> light
SYNC_LIGHTS = {"connected": "ok", "online": "ok", "connecting": "starting", "starting": "starting",
               "backoff": "down", "disconnected": "down", "offline": "down", "stopped": "down",
               "disabled": "absent"}

# CrossingUpdated.step -> live feed event
STEP_EVENTS: dict[str, str] = {
    "opened": "crossing.new",
    "plate": "crossing.read",
    "document": "crossing.read",
    "occupants": "crossing.read",
    "cards": "crossing.read",
    "at_booth": "crossing.at_booth",
    "recommendation": "crossing.recommendation",
    "decided": "crossing.decided",
    "closed": "crossing.closed",
}

Listener = Callable[[str, dict[str, Any]], None]


class DecisionSink(Protocol):
    """Records an officer decision (store, audit, outbox) and returns what was recorded."""

    async def record(self, crossing_id: str, action: str, note: str, actor: str,
                     ) -> dict[str, Any]: ...


@runtime_checkable
class OccupantSink(Protocol):
    """A sink that can also record the officer's count of occupants (the lane's own sink): it
    audits the count and has the lane compute its recommendation again."""

    async def declare_occupants(self, crossing_id: str, count: int, actor: str,
                                ) -> dict[str, Any]: ...


@runtime_checkable
class ArrivalSink(Protocol):
    """A sink that can move an approaching vehicle to the booth (the lane's own sink): it audits
    the move and has the lane compute the recommendation again."""

    async def arrive(self, crossing_id: str, actor: str) -> dict[str, Any]: ...


class BoothState:
    def __init__(self, lane: Mapping[str, Any] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lane: dict[str, Any] = dict(lane or {})
        self.lane.setdefault("mode", "open")
        self.crossings: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.crops: OrderedDict[str, str] = OrderedDict()
        self.devices: dict[str, dict[str, Any]] = {}
        self.sync: dict[str, Any] = {"state": "unknown"}
        self.listeners: list[Listener] = []

    # ------------------------------------------------------------------ inputs
    def on_crossing(self, snapshot: Mapping[str, Any], step: str | None = None) -> None:
        """A crossing snapshot (new or updated); `step` says what changed when known."""
        cid = str(snapshot.get("id") or snapshot.get("crossing_id") or "")
        if not cid:
            return
        known = cid in self.crossings
        data = dict(snapshot)
        data["id"] = cid
        old = self.crossings.get(cid, {})
        if old.get("decision") and not data.get("decision"):
            # a read that raced the booth's decision must not bring the vehicle back undecided
            data["decision"] = old["decision"]
            if data.get("state") in OPEN_STATES:
                data["state"] = old.get("state", "decided")
        self.crossings[cid] = data
        self.crossings.move_to_end(cid)
        self._prune()
        if step is None:
            step = _guess_step(data, known)
        self._emit(STEP_EVENTS.get(step, "crossing.update"),
                   {"step": step, "crossing": self.detail(cid)})

    def on_plate_crop(self, text: str, crop_data_url: str | None) -> None:
        """The camera's crop of a plate, kept by plate text (the snapshot carries no bytes)."""
        if not text or not crop_data_url:
            return
        key = plate_key(text)
        self.crops[key] = crop_data_url
        self.crops.move_to_end(key)
        while len(self.crops) > MAX_CROPS:
            self.crops.popitem(last=False)

    def on_device(self, name: str, state: str, error_code: str | None = None,
                  kind: str | None = None) -> None:
        old = self.devices.get(name, {})
        dev = {"name": name, "kind": kind or old.get("kind", ""), "state": str(state),
               "error_code": error_code, "since": self.clock()}
        self.devices[name] = dev
        if old.get("state") != dev["state"] or old.get("error_code") != error_code:
            self._emit("device", {"device": dev, "lights": self.lights()})

    def on_sync(self, state: Mapping[str, Any]) -> None:
        self.sync = {**dict(state), "since": self.clock()}
        self._emit("sync", {"sync": self.sync, "lights": self.lights()})

    def on_mode(self, mode: str, kind: str | None = None) -> None:
        self.lane["mode"] = mode
        if kind:
            self.lane["kind"] = kind
        self._emit("lane", {"lane": self.lane})

    def mark_decided(self, crossing_id: str, decision: Mapping[str, Any]) -> None:
        """The booth's own decision, shown at once (the lane's snapshot may follow later)."""
        snap = self.crossings.get(crossing_id)
        if snap is None:
            return
        snap = dict(snap)
        snap["decision"] = dict(decision)
        if snap.get("state") in OPEN_STATES:
            snap["state"] = "decided"
            snap["state_since"] = self.clock()
        self.on_crossing(snap, "decided")

    def mark_occupants(self, crossing_id: str, count: int) -> None:
        """The officer's count, shown at once (the lane's new recommendation follows)."""
        snap = self.crossings.get(crossing_id)
        if snap is None:
            return
        self.on_crossing({**snap, "occupants_declared": count}, "occupants")

    def mark_arrived(self, crossing_id: str, before: str | None) -> None:
        """The officer's "at booth", shown at once: the vehicle at the booth, the one it replaces
        closed (the lane's own snapshots follow and say the same)."""
        now = self.clock()
        old = self.crossings.get(before or "")
        if before and before != crossing_id and old is not None and not old.get("decision") \
                and old.get("state") == "at_booth":
            self.on_crossing({**old, "state": "closed", "closed_reason": "superseded",
                              "state_since": now}, "closed")
        snap = self.crossings.get(crossing_id)
        if snap is not None and snap.get("state") == "approaching":
            self.on_crossing({**snap, "state": "at_booth", "state_since": now}, "at_booth")

    # ------------------------------------------------------------------ views
    def detail(self, crossing_id: str) -> dict[str, Any] | None:
        snap = self.crossings.get(crossing_id)
        if snap is None:
            return None
        plate = shown_plate(snap)
        crop = self.crops.get(plate_key(plate["text"])) if plate else None
        return crossing_view(snap, crop)

    def _open(self) -> list[dict[str, Any]]:
        """Undecided crossings, vehicles at the booth first, then by first read."""
        snaps = [s for s in self.crossings.values()
                 if s.get("state", "approaching") in OPEN_STATES and not s.get("decision")]
        return sorted(snaps, key=lambda s: (s.get("state") != "at_booth",
                                            number(s.get("opened_ts")) or number(s.get("ts")) or 0.0))

    def current(self) -> dict[str, Any] | None:
        """The crossing the officer decides now: the one at the booth, or the next approaching."""
        open_ = self._open()
        return self.detail(str(open_[0]["id"])) if open_ else None

    def approaching(self) -> list[dict[str, Any]]:
        out = []
        for snap in self._open()[1:]:
            view = self.detail(str(snap["id"]))
            if view is not None:
                out.append(crossing_summary(view))
        return out

    def recent(self, limit: int = MAX_RECENT) -> list[dict[str, Any]]:
        done = [s for s in reversed(self.crossings.values())
                if s.get("state") in DONE_STATES or s.get("decision")]
        out = []
        for snap in done[:limit]:
            view = self.detail(str(snap["id"]))
            if view is not None:
                out.append(crossing_summary(view))
        return out

    def lights(self) -> dict[str, dict[str, Any]]:
        """One light per device family plus sync: ok, down, starting or absent; worst wins."""
        out: dict[str, dict[str, Any]] = {}
        for family in ("mrz", "rfid", "camera"):
            devs = [d for d in self.devices.values() if LIGHTS.get(str(d.get("kind"))) == family]
            if not devs:
                out[family] = {"state": "absent", "devices": []}
                continue
            states = [str(d["state"]) for d in devs]
            if any(s in DOWN_STATES for s in states):
                light = "down"
            elif all(s == "open" for s in states):
                light = "ok"
            else:
                light = "starting"
            codes = [d["error_code"] for d in devs if d.get("error_code")]
            out[family] = {"state": light, "devices": [d["name"] for d in devs],
                           "error_code": codes[0] if codes else None}
        sync_state = str(self.sync.get("state", "unknown"))
        out["sync"] = {"state": SYNC_LIGHTS.get(sync_state, "unknown"),
                       "backlog": self.sync.get("backlog")}
        return out

    def snapshot(self) -> dict[str, Any]:
        """Everything the page needs on (re)connect."""
        return {"now": self.clock(), "lane": self.lane, "lights": self.lights(),
                "devices": list(self.devices.values()), "sync": self.sync,
                "current": self.current(), "approaching": self.approaching(),
                "recent": self.recent()}

    # ------------------------------------------------------------------ plumbing
    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        data.setdefault("now", self.clock())
        for listener in list(self.listeners):
            listener(kind, data)

    def _prune(self) -> None:
        while len(self.crossings) > MAX_CROSSINGS:
            victim = next((k for k, s in self.crossings.items()
                           if s.get("state") in DONE_STATES), None)
            if victim is None:
                victim = next(iter(self.crossings))
            del self.crossings[victim]


def _guess_step(snap: Mapping[str, Any], known: bool) -> str:
    if not known:
        return "opened"
    state = snap.get("state")
    if state in ("decided", "closed"):
        return str(state)
    if snap.get("recommendation"):
        return "recommendation"
    return "update"
