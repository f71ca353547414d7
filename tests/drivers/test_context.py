"""DriverContext: what every driver reports through, counted alike for every kind of device."""

from __future__ import annotations

from edge.drivers.base import DriverContext
from edge.drivers.rfid.llrp_reader import AntennaStateChanged
from edge.events import BadRead, DeviceState, Event, PlateRead, TagSighting


def test_the_context_counts_reads_and_bad_reads_whatever_the_driver() -> None:
    """`lanectl status`'s reads and bad columns come from the context, not from each driver's
    own counter names (a camera counts frames, an RFID reader reports)."""
    events: list[Event] = []
    ctx = DriverContext("dev", events.append)
    ctx.emit(TagSighting(ts=1.0, device="dev", epc="E2801160", antenna=1, rssi=-50.0))
    ctx.emit(PlateRead(ts=2.0, device="dev", text="ABC123", confidence=0.9, box=(0, 0, 9, 3)))
    ctx.emit(BadRead(ts=3.0, device="dev", code="rfid.line.fields"))
    ctx.emit(AntennaStateChanged(ts=4.0, device="dev", antenna=1, connected=False))  # no read
    ctx.count_bad(4)  # corrupt frames: counted, no event each
    ctx.set_state(DeviceState.OPEN)
    assert (ctx.health.reads, ctx.health.bad_reads) == (2, 5)
    assert len(events) == 5
    assert ctx.health.last_read == 3.0  # the bad read's: an antenna's news is not a read
