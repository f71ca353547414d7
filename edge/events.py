"""Typed events that flow through the daemon's in-process bus.

Drivers turn bytes into these frozen dataclasses; the lane logic, the store and the outputs
subscribe to the types they care about. Domain layers add their own subclasses of `Event` in
their own modules; the ones here are shared by several layers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every bus event. `ts` is wall-clock seconds (time.time()) of the fact itself."""

    ts: float


class DeviceState(enum.StrEnum):
    """Life of a device as a technician sees it in `lanectl status`."""

    STARTING = "starting"
    OPEN = "open"
    DISCONNECTED = "disconnected"
    FAILING = "failing"  # raised and is being restarted with backoff
    FAILED = "failed"  # restart budget exhausted; needs a technician
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStateChanged(Event):
    device: str
    state: DeviceState
    error_code: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LineRead(Event):
    """One line from a generic line-framed serial device (the simplest real read)."""

    device: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BadRead(Event):
    """Bytes that did not form a valid read: counted, stored as a diagnostic, never fatal."""

    device: str
    code: str
    detail: str = ""
    size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TagSighting(Event):
    """One report of a UHF card by a reader antenna (a card is seen many times per second)."""

    device: str
    epc: str
    antenna: int
    rssi: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PlateRead(Event):
    """A licence plate read by a camera (one frame, or the vote of several frames)."""

    device: str
    text: str
    confidence: float
    box: tuple[int, int, int, int]
    crop_jpeg: bytes | None = field(default=None, repr=False)
    low_confidence: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentScanned(Event):
    """A document scanned at the booth; `document` is the MRZ parse result (edge.documents)."""

    device: str
    document: Any = field(repr=False)
    raw_lines: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignCommand(Event):
    """What the lane's signs should show: the lane mode, or where the current vehicle goes.

    `target` is "mode" (NEXUS ONLY, FAST ONLY, ALL TRAFFIC, CLOSED) or "vehicle" (BOOTH,
    SECONDARY, REGULAR LANE, PROCEED). Output drivers of kind `sign` receive these.
    """

    target: str
    text: str
    crossing_id: str = ""
