"""A crossing: one vehicle (or walk-up) at this lane, from its first card read to the decision.

It joins the vehicle's cards, the plate read(s), the documents scanned at the booth, the
recommendation and the decision, and lives `approaching -> at_booth -> decided -> closed`. Every
step is published as a `CrossingUpdated` event carrying a JSON-serialisable snapshot, so the
booth page, the audit log and sync can follow it without reaching into the lane's state.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.errors import LaneEdgeError
from edge.events import Event
from edge.lane.grouping import Vehicle


class CrossingState(enum.StrEnum):
    APPROACHING = "approaching"
    AT_BOOTH = "at_booth"
    DECIDED = "decided"
    CLOSED = "closed"


class CrossingError(LaneEdgeError):
    """A step asked of a crossing that its state does not allow (or an unknown crossing)."""

    code = "lane.crossing"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossingUpdated(Event):
    """One step of a crossing's life; `snapshot` is the whole crossing as JSON-ready data."""

    crossing_id: str
    lane: str
    state: CrossingState
    step: str  # opened, plate, document, at_booth, recommendation, occupants, decided, closed
    snapshot: Mapping[str, Any] = field(repr=False)


@dataclass(slots=True)
class PlateSeen:
    """All reads of one plate text for a crossing (the camera may vote over several frames)."""

    text: str
    confidence: float
    ts: float
    device: str
    reads: int = 1
    low_confidence: bool = False

    def merge(self, confidence: float, ts: float, low: bool) -> None:
        self.reads += 1
        if confidence > self.confidence:
            self.confidence, self.low_confidence = confidence, low
        self.ts = min(self.ts, ts)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "confidence": self.confidence,
            "ts": self.ts,
            "device": self.device,
            "reads": self.reads,
            "low_confidence": self.low_confidence,
        }


def plate_key(text: str) -> str:
    """Plate text compared without spaces, dashes or case (cameras differ on these)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def plate_rank(plate: Mapping[str, Any]) -> tuple[int, float]:
    """How a crossing's plates rank: the text read most often, then the most confident one (a
    stray single read at high confidence does not beat the camera's steady read)."""
    reads, conf = plate.get("reads", 1), plate.get("confidence", 0.0)
    return (
        reads if isinstance(reads, int) else 1,
        float(conf) if isinstance(conf, int | float) else 0.0,
    )


def best_plate(plates: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The crossing's plate among its snapshot's `plates` (`plate_rank`); None without one.
    The daemon's decision, the booth page and the simulator's report all use this."""
    return max(plates, key=plate_rank, default=None)


def add_plate(
    plates: list[PlateSeen], text: str, confidence: float, ts: float, device: str, low: bool
) -> None:
    for p in plates:
        if plate_key(p.text) == plate_key(text):
            p.merge(confidence, ts, low)
            return
    plates.append(PlateSeen(text, confidence, ts, device, 1, low))


@dataclass(slots=True)
class Crossing:
    id: str
    lane: str
    opened_ts: float
    state: CrossingState = CrossingState.APPROACHING
    state_since: float = 0.0
    vehicle: Vehicle | None = None
    plates: list[PlateSeen] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    recommendation: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    occupants_declared: int | None = None
    walk_up: bool = False
    seen_ts: float | None = None  # when it passed the reader or camera (lane clock); None: walk-up
    closed_reason: str | None = None
    history: list[tuple[str, float]] = field(default_factory=list)

    def move(self, state: CrossingState, now: float) -> None:
        self.state = state
        self.state_since = now
        self.history.append((state.value, now))

    def snapshot(self) -> dict[str, Any]:
        v = self.vehicle
        return {
            "id": self.id,
            "lane": self.lane,
            "state": self.state.value,
            "opened_ts": self.opened_ts,
            "state_since": self.state_since,
            "walk_up": self.walk_up,
            "vehicle": None
            if v is None
            else {
                "seq": v.seq,
                "first_seen": v.first_seen,
                "last_seen": v.last_seen,
                "closed_by": v.closed_by,
            },
            "cards": [] if v is None else [c.to_json() for c in v.cards],
            "card_count": 0 if v is None else len(v.cards),
            "rejected_cards": [] if v is None else [c.to_json() for c in v.rejected],
            "plates": [p.to_json() for p in self.plates],
            "documents": list(self.documents),
            "document_count": len(self.documents),
            "occupants_declared": self.occupants_declared,
            "recommendation": self.recommendation,
            "decision": self.decision,
            "closed_reason": self.closed_reason,
            "history": [{"state": s, "ts": t} for s, t in self.history],
        }

    def updated(self, step: str, now: float) -> CrossingUpdated:
        return CrossingUpdated(
            ts=now, crossing_id=self.id, lane=self.lane, state=self.state, step=step, snapshot=self.snapshot()
        )


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-ready copy of `value` (documents come from another layer; bytes are left out)."""
    if depth > 8:
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, enum.Enum):
        return jsonable(value.value, depth + 1)
    if isinstance(value, bytes | bytearray):
        return None
    for method in ("to_json_dict", "to_dict"):  # a type's own JSON form wins (MRZ dates as ISO)
        to_json = getattr(value, method, None)
        if callable(to_json):
            return jsonable(to_json(), depth + 1)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, depth + 1) for v in value]
    return str(value)
