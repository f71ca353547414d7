"""Plate reads and the vote that turns several reads of one vehicle into one plate.

Pure: no I/O, no model. Reads are grouped by length; the heaviest group (sum of confidences)
wins and its characters are voted position by position, each weighted by its read's
confidence. The result is flagged `low_confidence` instead of guessing when reads disagree or
are weak.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

Box = tuple[int, int, int, int]

LOW_CONFIDENCE = 0.6


@dataclass(frozen=True, slots=True)
class PlateText:
    """One plate read in one frame: text (A-Z 0-9), confidence 0..1, box (x, y, w, h)."""

    text: str
    confidence: float
    box: Box


@dataclass(frozen=True, slots=True)
class PlateVote:
    """The plate of one vehicle after combining its reads."""

    text: str
    confidence: float
    low_confidence: bool
    reads: int = 0


def vote(reads: list[PlateText], threshold: float = LOW_CONFIDENCE) -> PlateVote:
    """Combine reads of one vehicle, weighted by confidence."""
    usable = [r for r in reads if r.text and r.confidence > 0]
    if not usable:
        return PlateVote("", 0.0, True, 0)
    total = sum(r.confidence for r in usable)
    groups: dict[int, list[PlateText]] = defaultdict(list)
    for r in usable:
        groups[len(r.text)].append(r)
    length, group = max(groups.items(), key=lambda kv: (sum(r.confidence for r in kv[1]), kv[0]))
    gw = sum(r.confidence for r in group)
    chars: list[str] = []
    agreement = 1.0
    for i in range(length):
        w: dict[str, float] = defaultdict(float)
        for r in group:
            w[r.text[i]] += r.confidence
        ch, best = max(w.items(), key=lambda kv: (kv[1], kv[0]))
        chars.append(ch)
        agreement = min(agreement, best / gw)
    text = "".join(chars)
    support = gw / total
    quality = (
        max(r.confidence for r in group if r.text == text)
        if any(r.text == text for r in group)
        else gw / len(group)
    )
    confidence = round(support * agreement * quality, 4)
    return PlateVote(text, confidence, confidence < threshold, len(usable))
