"""De-duplication of card sightings: one running record per card, however often it is read.

A reader reports each card many times a second; the lane needs, per card, when it was first and
last seen, how often, how strongly, and on which antennas. `CardTrack` is the mutable
accumulator; `CardSummary` the frozen, JSON-friendly view handed to the crossing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class AntennaStats:
    count: int = 0
    best_rssi: float = -math.inf


@dataclass(slots=True)
class CardTrack:
    """Everything seen of one card (by EPC) within one vehicle window."""

    epc: str
    first_seen: float
    last_seen: float
    count: int = 0
    best_rssi: float = -math.inf
    antennas: dict[int, AntennaStats] = field(default_factory=dict)
    candidate_count: int = 0  # reads that counted for this lane (antenna and strength)

    def add(self, ts: float, antenna: int, rssi: float, candidate: bool) -> None:
        self.first_seen = min(self.first_seen, ts)
        self.last_seen = max(self.last_seen, ts)
        self.count += 1
        self.best_rssi = max(self.best_rssi, rssi)
        stats = self.antennas.get(antenna)
        if stats is None:
            stats = self.antennas[antenna] = AntennaStats()
        stats.count += 1
        stats.best_rssi = max(stats.best_rssi, rssi)
        if candidate:
            self.candidate_count += 1

    def best_on(self, antennas: frozenset[int] | None, inside: bool = True) -> float:
        """Best RSSI on the given antennas (`inside`) or on all others (`inside=False`)."""
        best = -math.inf
        for ant, stats in self.antennas.items():
            if antennas is None or (ant in antennas) == inside:
                best = max(best, stats.best_rssi)
        return best

    def summary(self, reason: str | None = None) -> CardSummary:
        return CardSummary(
            epc=self.epc,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            count=self.count,
            best_rssi=self.best_rssi,
            antennas=tuple(sorted(self.antennas)),
            lane_reads=self.candidate_count,
            reason=reason,
        )


@dataclass(frozen=True, slots=True)
class CardSummary:
    """One card of a vehicle (accepted: `reason` None) or a rejected card with its reason."""

    epc: str
    first_seen: float
    last_seen: float
    count: int
    best_rssi: float
    antennas: tuple[int, ...]
    lane_reads: int
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "epc": self.epc,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "count": self.count,
            "best_rssi": self.best_rssi if math.isfinite(self.best_rssi) else None,
            "antennas": list(self.antennas),
            "lane_reads": self.lane_reads,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        return out
