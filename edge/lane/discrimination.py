"""Lane discrimination: is a card in this lane, or a neighbour's card read through the gap?

A lane reader also hears the next lane, weaker and often on another antenna. A card counts for
this lane only if it was read on this lane's antennas, at least `min_rssi` strong, at least
`min_reads` times, and not clearly stronger on an antenna that is not ours. The rejected ones are
kept, with the reason, as diagnostics for the technician tuning the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.config import doc
from edge.lane.sightings import CardTrack

REASON_OTHER_ANTENNA = "other_antenna"  # never read on this lane's antennas
REASON_WEAK = "weak"  # read here, but never strongly enough
REASON_TOO_FEW = "too_few_reads"  # strong enough, not often enough
REASON_STRONGER_ELSEWHERE = "stronger_elsewhere"  # clearly stronger on another lane's antenna


@dataclass(frozen=True, slots=True)
class LaneThresholds:
    """What makes a card this lane's (defaults match `[thresholds]` in the lane config)."""

    antennas: tuple[int, ...] = doc("This lane's antenna ids; empty means every antenna", ())
    min_rssi: float = doc("Weakest RSSI (dBm) that counts a read for this lane", -65.0)
    min_reads: int = doc("Fewest counted reads that make a card this lane's", 2)
    stronger_elsewhere_db: float = doc(
        "Reject a card read this many dB stronger on an antenna not of this lane", 6.0
    )

    @property
    def antenna_set(self) -> frozenset[int] | None:
        return frozenset(self.antennas) if self.antennas else None

    def counts(self, antenna: int, rssi: float) -> bool:
        """Does one read count for this lane (right antenna, strong enough)?"""
        return (not self.antennas or antenna in self.antennas) and rssi >= self.min_rssi


def judge(track: CardTrack, th: LaneThresholds) -> str | None:
    """None if the card is this lane's, else the rejection reason."""
    ours = th.antenna_set
    best_here = track.best_on(ours)
    if best_here == float("-inf"):
        return REASON_OTHER_ANTENNA
    if ours is not None and track.best_on(ours, inside=False) - best_here >= (th.stronger_elsewhere_db):
        return REASON_STRONGER_ELSEWHERE
    if track.candidate_count == 0:
        return REASON_WEAK
    if track.candidate_count < th.min_reads:
        return REASON_TOO_FEW
    return None
