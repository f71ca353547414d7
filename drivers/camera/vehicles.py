"""Group per-frame plate reads into vehicles and decide when to report each vehicle's plate.

Pure (explicit times, no I/O). A vehicle is a run of frames with plate reads; it ends after
`gap_s` without a plate, or when a clearly different plate (edit distance above a third of its
length) is seen in `change_frames` consecutive frames. A run of fewer than `min_reads` reads is
not a vehicle (a sign, a grille read once). Each vehicle is reported exactly once:
as soon as `emit_after_reads` reads vote its plate with enough confidence (the booth wants it
before the car reaches the window), otherwise when it has gone, flagged low-confidence.
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
    emit_after_reads: int = 3
    max_reads: int = 60
    change_frames: int = 2
    min_reads: int = 2


@dataclass(slots=True)
class Sighting:
    """One frame's chosen read, with the frame it came from (kept only for the best read)."""

    ts: float
    read: PlateText
    frame: Any = field(default=None, repr=False)


@dataclass(slots=True)
class Vehicle:
    first_ts: float
    last_ts: float
    reads: list[PlateText] = field(default_factory=list)
    best: Sighting | None = None
    emitted: bool = False
    text: str = ""  # the vote so far

    def add(self, s: Sighting, max_reads: int) -> None:
        self.last_ts = s.ts
        self.reads.append(s.read)
        if len(self.reads) > max_reads:
            self.reads.remove(min(self.reads, key=lambda r: r.confidence))
        if self.best is None or s.read.confidence > self.best.read.confidence:
            self.best = s
        self.text = vote(self.reads).text


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
        self._pending: list[Sighting] = []  # reads of a clearly different plate
        self.vehicles = 0
        self.discarded = 0  # "vehicles" of fewer than min_reads reads (a sign, a grille)

    def observe(self, ts: float, reads: Sequence[PlateText], frame: Any = None) -> list[PlateDecision]:
        """One sampled frame's reads (possibly none); returns the decisions it triggered."""
        out = self.idle(ts)
        if not reads:
            return out
        cur = self.current
        if cur is None:
            self._start(Sighting(ts, max(reads, key=lambda r: r.confidence), frame))
            return out + self._maybe_emit()
        match = [r for r in reads if similar(r.text, cur.text)]
        if match:
            self._pending.clear()
            cur.add(Sighting(ts, max(match, key=lambda r: r.confidence), frame), self.policy.max_reads)
            return out + self._maybe_emit()
        best = Sighting(ts, max(reads, key=lambda r: r.confidence), frame)
        if self._pending and not similar(best.read.text, self._pending[-1].read.text):
            self._pending.clear()
        self._pending.append(best)
        if len(self._pending) >= self.policy.change_frames:
            pending, self._pending = self._pending, []
            out += self._close(final=True)
            self._start(pending[0])
            for s in pending[1:]:
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
    def _start(self, s: Sighting) -> None:
        self.current = Vehicle(first_ts=s.ts, last_ts=s.ts)
        self.current.add(s, self.policy.max_reads)
        self.vehicles += 1

    def _decision(self, final: bool) -> PlateDecision:
        """The vote so far; the crop comes from the most confident frame (same plate, even
        when that frame's own reading lost the vote)."""
        v = self.current
        assert v is not None and v.best is not None
        return PlateDecision(v.first_ts, vote(v.reads, self.policy.min_confidence), v.best, final)

    def _maybe_emit(self) -> list[PlateDecision]:
        v = self.current
        n = self.policy.emit_after_reads
        if v is None or v.emitted or n <= 0 or len(v.reads) < n:
            return []
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
        if d is not None and len(v.reads) < self.policy.min_reads:
            self.discarded += 1
            return []
        return [d] if d is not None else []
