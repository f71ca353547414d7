"""Vehicle grouping: cards whose sightings cluster in time are one vehicle.

Only reads that count for this lane (right antenna, strong enough) open or extend a vehicle, so
traffic in the next lane cannot keep one open. A vehicle ends when the lane has been quiet for
`gap_s` (judged on reader time when the next read arrives, on arrival time when `tick` runs),
when the plate changes (`split`), or after `max_vehicle_s`. A card already given to a vehicle is
held for `hold_s` after its last read, so it is not mistaken for the next vehicle while it lingers
in the field. While the reader is down (`suspend`) silence is not a gap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.config import doc
from edge.lane.discrimination import LaneThresholds, judge
from edge.lane.sightings import CardSummary, CardTrack


@dataclass(frozen=True, slots=True)
class GroupingOptions:
    gap_s: float = doc("Silence (no counted read) that ends one vehicle", 3.0)
    max_vehicle_s: float = doc("Longest a vehicle may keep reading before it is closed", 60.0)
    hold_s: float = doc("A card of a closed vehicle is not re-grouped until unseen this long", 30.0)
    max_outage_s: float = doc("Longest reader outage that does not end the open vehicle", 30.0)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A closed vehicle: the cards judged this lane's, and the ones rejected (diagnostics)."""

    seq: int
    first_seen: float
    last_seen: float
    cards: tuple[CardSummary, ...]
    rejected: tuple[CardSummary, ...]
    closed_by: str  # "gap", "plate", "max_duration", "outage", "flush"

    @property
    def epcs(self) -> frozenset[str]:
        return frozenset(c.epc for c in self.cards)


@dataclass(slots=True)
class OpenVehicle:
    seq: int
    first_seen: float
    last_seen: float  # reader time of the last counted read
    last_arrival: float  # our clock when that read arrived
    tracks: dict[str, CardTrack] = field(default_factory=dict)
    bridge: bool = False  # the reader was down: the next read continues, whatever its time

    def card_count(self) -> int:
        return len(self.tracks)


class VehicleGrouper:
    """Feeds sightings in, hands closed `Vehicle`s out. Pure: time comes in as arguments."""

    def __init__(self, thresholds: LaneThresholds, options: GroupingOptions) -> None:
        self.th = thresholds
        self.opt = options
        self.open: OpenVehicle | None = None
        self._seq = 0
        self._held: dict[str, float] = {}  # epc -> last reader time seen, cards of closed vehicles
        self._suspended_at: float | None = None
        self.late_reads = 0
        self.stray_reads = 0  # reads that do not count and fall outside any open vehicle

    def add(self, ts: float, epc: str, antenna: int, rssi: float, now: float) -> list[Vehicle]:
        """One sighting (`ts` reader time, `now` arrival time); returns vehicles it closed."""
        closed: list[Vehicle] = []
        counts = self.th.counts(antenna, rssi)
        cur = self.open
        if cur is not None and counts and cur.bridge:
            cur.bridge = False
            cur.last_seen = max(cur.last_seen, ts)
        if cur is not None and counts and ts - cur.last_seen > self.opt.gap_s:
            closed.append(self._close("gap"))
            cur = None
        if cur is not None and counts and ts - cur.first_seen > self.opt.max_vehicle_s:
            closed.append(self._close("max_duration"))
            cur = None
        held_since = self._held.get(epc)
        if held_since is not None:
            if ts - held_since < self.opt.hold_s:
                self._held[epc] = max(held_since, ts)
                self.late_reads += 1
                return closed
            del self._held[epc]
        if cur is not None and not counts and ts - cur.last_seen > self.opt.gap_s:
            self.stray_reads += 1  # long after the open vehicle: noise, not its diagnostics
            return closed
        if cur is None:
            if not counts:
                self.stray_reads += 1
                return closed
            self._seq += 1
            cur = self.open = OpenVehicle(self._seq, ts, ts, now)
        track = cur.tracks.get(epc)
        if track is None:
            track = cur.tracks[epc] = CardTrack(epc, ts, ts)
        track.add(ts, antenna, rssi, counts)
        if counts:
            cur.last_seen = max(cur.last_seen, ts)
            cur.last_arrival = now
        return closed

    def tick(self, now: float) -> list[Vehicle]:
        """Close the open vehicle if the lane has been quiet for `gap_s` of our clock."""
        cur = self.open
        if cur is None:
            return []
        if self._suspended_at is not None:
            if now - self._suspended_at <= self.opt.max_outage_s:
                return []
            self._suspended_at = None
            return [self._close("outage")]
        if now - cur.last_arrival > self.opt.gap_s:
            return [self._close("gap")]
        return []

    def split(self) -> list[Vehicle]:
        """The plate changed: whatever is open is one vehicle, the next reads start another."""
        return [self._close("plate")] if self.open is not None else []

    def suspend(self, now: float) -> None:
        """The reader went away: do not count the silence as a gap (up to `max_outage_s`)."""
        if self._suspended_at is None:
            self._suspended_at = now

    def resume(self, now: float) -> None:
        """The reader is back: the gap timer restarts from now."""
        self._suspended_at = None
        if self.open is not None:
            self.open.last_arrival = now
            self.open.bridge = True

    def flush(self) -> list[Vehicle]:
        return [self._close("flush")] if self.open is not None else []

    def forget_held(self, before: float) -> None:
        """Drop held cards last seen before `before` (keeps the table small on long runs)."""
        self._held = {e: t for e, t in self._held.items() if t >= before}

    def _close(self, why: str) -> Vehicle:
        cur = self.open
        assert cur is not None
        self.open = None
        cards: list[CardSummary] = []
        rejected: list[CardSummary] = []
        for track in sorted(cur.tracks.values(), key=lambda t: (t.first_seen, t.epc)):
            reason = judge(track, self.th)
            if reason is None:
                cards.append(track.summary())
                self._held[track.epc] = track.last_seen
            else:
                rejected.append(track.summary(reason))
        if len(self._held) > 256:
            self.forget_held(cur.last_seen - self.opt.hold_s)
        return Vehicle(cur.seq, cur.first_seen, cur.last_seen, tuple(cards), tuple(rejected), why)
