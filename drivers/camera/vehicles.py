"""Group per-frame plate reads into vehicles and decide when to report each vehicle's plate.

Pure (explicit times, no I/O). A vehicle is a run of frames with plate reads; it ends after
`gap_s` without a plate, or when only clearly different plates (edit distance above a third of
the length) are seen in `change_frames` consecutive frames. Inside a vehicle every read joins
a cluster of similar texts: the plate and, say, a dealer-frame slogan or a sticker read beside
it are separate clusters, and the heaviest cluster (sum of confidences) is the plate. A vehicle
whose plate has fewer than `min_reads` reads is dropped (a sign, a grille read once).

Each vehicle is reported exactly once: as soon as its plate has `emit_after_reads` reads, votes
with enough confidence and clearly outweighs every other cluster (the booth wants the plate
before the car reaches the window); otherwise when the vehicle has gone, flagged
low-confidence if the vote is weak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.models.plate_reader.vote import PlateText, PlateVote, vote


@dataclass(frozen=True, slots=True)
class VehiclePolicy:
    gap_s: float = 1.5
    min_confidence: float = 0.6
    emit_after_reads: int = 5
    max_reads: int = 60
    change_frames: int = 2
    min_reads: int = 2
    dominance: float = 2.0  # an early report needs the plate this many times the runner-up


@dataclass(slots=True)
class Sighting:
    """One read and the frame it came from (kept only for a cluster's best read)."""

    ts: float
    read: PlateText
    frame: Any = field(default=None, repr=False)


@dataclass(slots=True)
class Cluster:
    """Reads of one text within a vehicle (OCR slips included)."""

    reads: list[PlateText] = field(default_factory=list)
    best: Sighting | None = None
    text: str = ""
    weight: float = 0.0

    def add(self, s: Sighting, max_reads: int) -> None:
        self.reads.append(s.read)
        if len(self.reads) > max_reads:
            self.reads.remove(min(self.reads, key=lambda r: r.confidence))
        if self.best is None or s.read.confidence > self.best.read.confidence:
            self.best = s
        self.text = vote(self.reads).text
        self.weight = sum(r.confidence for r in self.reads)


@dataclass(slots=True)
class Vehicle:
    first_ts: float
    last_ts: float
    clusters: list[Cluster] = field(default_factory=list)
    emitted: bool = False

    def match(self, text: str) -> Cluster | None:
        found = [c for c in self.clusters if similar(text, c.text)]
        return min(found, key=lambda c: distance(text, c.text)) if found else None

    def add(self, s: Sighting, max_reads: int) -> None:
        self.last_ts = max(self.last_ts, s.ts)
        cluster = self.match(s.read.text)
        if cluster is None:
            cluster = Cluster()
            self.clusters.append(cluster)
        cluster.add(s, max_reads)

    def shows(self, text: str) -> bool:
        """`text` is this vehicle's: like one of its clusters, or a part of one (a plate read
        while it enters or leaves the frame, or cut by a localiser box that is too small)."""
        return self.match(text) is not None or any(
            len(text) >= 3 and text in c.text for c in self.clusters
        )

    def ranked(self) -> list[Cluster]:
        return sorted(self.clusters, key=lambda c: -c.weight)


@dataclass(frozen=True, slots=True)
class PlateDecision:
    """A vehicle's plate to report: the vote, the best single read and its frame."""

    first_ts: float
    vote: PlateVote
    best: Sighting
    final: bool  # the vehicle had gone when this was decided


def distance(a: str, b: str) -> int:
    """Levenshtein distance (plates are short: the O(len^2) table is nothing)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similar(a: str, b: str) -> bool:
    """Same plate, allowing OCR slips: at most a third of the longer text differs."""
    return distance(a, b) <= max(1, max(len(a), len(b)) // 3)


class VehicleTracker:
    def __init__(self, policy: VehiclePolicy = VehiclePolicy()) -> None:
        self.policy = policy
        self.current: Vehicle | None = None
        self._pending: list[list[Sighting]] = []  # frames with only unknown plates
        self.vehicles = 0
        self.discarded = 0  # "vehicles" whose plate had fewer than min_reads reads

    def observe(self, ts: float, reads: Sequence[PlateText], frame: Any = None) -> list[PlateDecision]:
        """One sampled frame's reads (possibly none); returns the decisions it triggered."""
        out = self.idle(ts)
        if not reads:
            return out
        seen = [Sighting(ts, r, frame) for r in reads]
        cur = self.current
        if cur is None:
            self._start(seen)
            return out + self._maybe_emit()
        if any(cur.shows(r.text) for r in reads):
            self._pending.clear()
            for s in seen:
                cur.add(s, self.policy.max_reads)
            return out + self._maybe_emit()
        # only plates this vehicle never showed: a new vehicle, once it persists
        texts = [s.read.text for s in self._pending[-1]] if self._pending else []
        if texts and not any(similar(r.text, t) for r in reads for t in texts):
            self._pending.clear()
        self._pending.append(seen)
        if len(self._pending) >= self.policy.change_frames:
            pending, self._pending = self._pending, []
            out += self._close(final=True)
            self._start(pending[0])
            for frame_reads in pending[1:]:
                for s in frame_reads:
                    assert self.current is not None
                    self.current.add(s, self.policy.max_reads)
            out += self._maybe_emit()
        return out

    def idle(self, now: float) -> list[PlateDecision]:
        """Time passes without a read: end the vehicle after the gap."""
        if self.current is not None and now - self.current.last_ts > self.policy.gap_s:
            self._pending.clear()
            return self._close(final=True)
        return []

    def flush(self) -> list[PlateDecision]:
        """The camera stops: report the vehicle in view, if not yet reported."""
        self._pending.clear()
        return self._close(final=True)

    # ------------------------------------------------------------------ internals
    def _start(self, seen: list[Sighting]) -> None:
        self.current = Vehicle(first_ts=seen[0].ts, last_ts=seen[0].ts)
        for s in seen:
            self.current.add(s, self.policy.max_reads)
        self.vehicles += 1

    def _decision(self, final: bool) -> PlateDecision:
        """The heaviest cluster's vote; the crop comes from its most confident frame."""
        v = self.current
        assert v is not None
        lead = v.ranked()[0]
        assert lead.best is not None
        return PlateDecision(v.first_ts, vote(lead.reads, self.policy.min_confidence), lead.best, final)

    def _maybe_emit(self) -> list[PlateDecision]:
        v = self.current
        n = self.policy.emit_after_reads
        if v is None or v.emitted or n <= 0:
            return []
        ranked = v.ranked()
        if len(ranked[0].reads) < n:
            return []
        if len(ranked) > 1 and ranked[0].weight < self.policy.dominance * ranked[1].weight:
            return []  # a slogan or a sticker competes: decide when the vehicle has gone
        d = self._decision(final=False)
        if d.vote.low_confidence:
            return []
        v.emitted = True
        return [d]

    def _close(self, final: bool) -> list[PlateDecision]:
        v = self.current
        if v is None:
            return []
        d = None if v.emitted else self._decision(final)
        self.current = None
        if d is not None and len(v.ranked()[0].reads) < self.policy.min_reads:
            self.discarded += 1
            return []
        return [d] if d is not None else []
