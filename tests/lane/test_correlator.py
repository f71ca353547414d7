"""Crossing correlator: vehicles -> crossings, plates by time window, documents at the booth,
life cycle with time-outs, every step a JSON-serialisable CrossingUpdated."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import pytest

from edge.events import (
    DeviceState,
    DeviceStateChanged,
    DocumentScanned,
    PlateRead,
    TagSighting,
)
from edge.lane.correlator import (
    CrossingCorrelator,
    CrossingTimeouts,
    LaneOptions,
    lane_options_from,
)
from edge.lane.crossing import CrossingError, CrossingState, CrossingUpdated
from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass(frozen=True)
class FakeDocument:
    kind: str
    number_valid: bool


OPTS = LaneOptions(
    lane="L03",
    devices=("rfid1",),
    thresholds=LaneThresholds(antennas=(1,), min_rssi=-65.0, min_reads=2),
    grouping=GroupingOptions(gap_s=2.0, hold_s=20.0),
    timeouts=CrossingTimeouts(
        arrive_after_s=5.0, decided_close_s=10.0, plate_wait_s=15.0, approaching_s=120.0, at_booth_s=300.0
    ),
)


class Lane:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.c = CrossingCorrelator(OPTS, clock=self.clock)
        self.events: list[CrossingUpdated] = []

    def at(self, t: float) -> Lane:
        self.clock.t = t
        self.events += self.c.tick(t)
        return self

    def card(
        self, epc: str, t0: float, t1: float, ant: int = 1, rssi: float = -50.0, device: str = "rfid1"
    ) -> Lane:
        t = t0
        while t <= t1 + 1e-9:
            self.clock.t = t
            self.events += self.c.handle(TagSighting(ts=t, device=device, epc=epc, antenna=ant, rssi=rssi))
            t = round(t + 0.25, 6)
        return self

    def plate(self, text: str, t: float) -> Lane:
        self.clock.t = t
        self.events += self.c.handle(
            PlateRead(ts=t, device="cam1", text=text, confidence=0.9, box=(0, 0, 10, 10))
        )
        return self

    def doc(self, t: float) -> Lane:
        self.clock.t = t
        self.events += self.c.handle(DocumentScanned(ts=t, device="mrz1", document=FakeDocument("TD3", True)))
        return self

    def steps(self) -> list[tuple[str, str]]:
        return [(e.crossing_id, e.step) for e in self.events]


def test_vehicle_becomes_crossing_with_its_cards() -> None:
    lane = Lane().card("AA01", 1000, 1002).card("AA02", 1000.5, 1002).at(1003.0).at(1004.5)
    (opened,) = lane.events
    assert opened.step == "opened"
    assert opened.state == CrossingState.APPROACHING
    assert [c["epc"] for c in opened.snapshot["cards"]] == ["AA01", "AA02"]
    assert opened.snapshot["card_count"] == 2
    json.dumps(opened.snapshot)  # JSON-serialisable


def test_sightings_from_other_devices_are_ignored() -> None:
    lane = Lane().card("AA01", 1000, 1002, device="rfid-lane4").at(1010)
    assert lane.events == []
    assert lane.c.diagnostics()["ignored"] > 0


def test_life_cycle_with_auto_arrival_decision_and_close() -> None:
    lane = Lane().card("AA01", 1000, 1002).at(1004.5)
    cid = lane.events[0].crossing_id
    lane.at(1008.0)
    assert lane.events[-1].step == "opened"  # not yet at the booth (arrive_after_s = 5)
    lane.at(1010.0)
    assert lane.events[-1].step == "at_booth"
    lane.events += lane.c.recommend(cid, {"action": "release", "score": 0.1})
    lane.events += lane.c.decide(cid, "released", officer="o-17")
    assert lane.events[-1].state == CrossingState.DECIDED
    lane.at(1030.0)
    assert lane.events[-1].step == "closed"
    assert lane.events[-1].snapshot["closed_reason"] == "done"
    states = [h["state"] for h in lane.events[-1].snapshot["history"]]
    assert states == ["approaching", "at_booth", "decided", "closed"]
    assert lane.events[-1].snapshot["recommendation"] == {"action": "release", "score": 0.1}
    with pytest.raises(CrossingError) as err:
        lane.c.decide(cid, "referred")
    assert err.value.code == "lane.crossing_unknown"


def test_one_vehicle_at_the_booth_at_a_time() -> None:
    lane = Lane().card("AA01", 1000, 1002).card("BB01", 1006, 1008).at(1020)
    first, second = [e.crossing_id for e in lane.events if e.step == "opened"]
    assert lane.c.find(first).state == CrossingState.AT_BOOTH  # type: ignore[union-attr]
    assert lane.c.find(second).state == CrossingState.APPROACHING  # type: ignore[union-attr]
    lane.events += lane.c.decide(first, "released")
    lane.at(1026)
    # the next vehicle moves up; the decided one is closed as it leaves
    assert (first, "closed") in lane.steps()
    assert (second, "at_booth") in lane.steps()


def test_documents_attach_at_the_booth_or_open_a_walk_up() -> None:
    lane = Lane().doc(1000.0)
    walk = lane.events[0].crossing_id
    assert lane.steps() == [(walk, "opened"), (walk, "at_booth"), (walk, "document")]
    assert lane.events[-1].snapshot["walk_up"] is True
    assert lane.events[-1].snapshot["documents"][0]["document"] == {"kind": "TD3", "number_valid": True}
    lane.events += lane.c.decide(walk, "released")
    # a vehicle read, not yet auto-arrived: the scan says it is at the booth
    lane.card("AA01", 1010, 1012).at(1014.5)
    cid = [e for e in lane.events if e.step == "opened"][-1].crossing_id
    lane.doc(1015.0).doc(1016.0)
    assert (cid, "at_booth") in lane.steps()
    assert lane.c.find(cid).documents[1]["ts"] == 1016.0  # type: ignore[union-attr]
    assert lane.c.find(walk).state == CrossingState.CLOSED  # type: ignore[union-attr]


def test_plate_before_cards_joins_the_vehicle() -> None:
    lane = Lane().plate("ABC 123", 998.0).plate("ABC-123", 998.5).card("AA01", 1000, 1002)
    lane.at(1005)
    (opened,) = [e for e in lane.events if e.step == "opened"]
    (plate,) = opened.snapshot["plates"]
    assert (plate["text"], plate["reads"]) == ("ABC 123", 2)


def test_plate_after_the_vehicle_closed_joins_by_window() -> None:
    lane = Lane().card("AA01", 1000, 1002).at(1004.5).plate("XYZ789", 1005.0)
    assert lane.steps()[-1][1] == "plate"
    assert lane.events[-1].snapshot["plates"][0]["text"] == "XYZ789"


def test_plate_change_splits_back_to_back_vehicles() -> None:
    lane = Lane().plate("CAR1", 999.0).card("AA01", 1000, 1003)
    lane.plate("CAR2", 1002.0)  # next car's plate while the first is still being read
    lane.card("BB01", 1002.5, 1004).at(1010)
    opened = [e for e in lane.events if e.step == "opened"]
    assert [[c["epc"] for c in e.snapshot["cards"]] for e in opened] == [["AA01"], ["BB01"]]
    assert [[p["text"] for p in e.snapshot["plates"]] for e in opened] == [["CAR1"], ["CAR2"]]


def test_unclaimed_plate_opens_a_crossing_without_cards() -> None:
    lane = Lane().plate("NOCARD1", 1000.0).plate("NOCARD1", 1000.4).at(1010).at(1016)
    (opened,) = lane.events  # one crossing, however many reads of the plate
    assert opened.snapshot["plates"][0]["reads"] == 2
    assert opened.snapshot["cards"] == []
    assert opened.snapshot["plates"][0]["text"] == "NOCARD1"


def test_time_outs() -> None:
    lane = Lane().card("AA01", 1000, 1002).at(1004.5).at(1010)  # at booth
    lane.at(1400)
    assert lane.events[-1].snapshot["closed_reason"] == "timeout.at_booth"


def test_reader_outage_does_not_split_a_vehicle() -> None:
    lane = Lane().card("AA01", 1000, 1001)
    lane.events += lane.c.handle(
        DeviceStateChanged(ts=1001.2, device="rfid1", state=DeviceState.DISCONNECTED)
    )
    lane.at(1004).at(1006)
    assert lane.events == []
    lane.events += lane.c.handle(DeviceStateChanged(ts=1006.5, device="rfid1", state=DeviceState.OPEN))
    lane.card("AA01", 1006.5, 1007).card("AA02", 1006.5, 1007).at(1010)
    (opened,) = lane.events
    assert [c["epc"] for c in opened.snapshot["cards"]] == ["AA01", "AA02"]


def test_invalid_steps_raise_typed_errors() -> None:
    lane = Lane().card("AA01", 1000, 1002).at(1004.5)
    cid = lane.events[0].crossing_id
    lane.events += lane.c.decide(cid, "released")
    with pytest.raises(CrossingError) as err:
        lane.c.declare_occupants(cid, 2)
    assert err.value.code == "lane.crossing_state"


def test_diagnostics_keep_rejected_cross_lane_cards() -> None:
    lane = Lane().card("AA01", 1000, 1002).card("ZZ99", 1000, 1002, ant=2, rssi=-45)
    lane.card("ZZ99", 1000.1, 1001, ant=1, rssi=-75).at(1005)
    (opened,) = lane.events
    assert [c["epc"] for c in opened.snapshot["rejected_cards"]] == ["ZZ99"]
    lane.card("QQ00", 1020, 1021, rssi=-80).at(1030)  # only weak reads: nothing opens
    assert len(lane.events) >= 1
    json.dumps(lane.c.diagnostics())


def test_options_from_the_daemon_config_and_the_board() -> None:
    from edge.config import check_config

    cfg, problems = check_config(
        {
            "lane": {"port": "CA-0427", "id": "L07", "kind": "nexus"},
            "store": {"path": "/tmp/x.db"},
            "thresholds": {"vehicle_gap_s": 2.5, "min_rssi": -60.0, "min_reads": 3},
        }
    )
    assert cfg is not None, problems
    opts = lane_options_from(cfg, antennas=(1, 2))
    assert (opts.lane, opts.grouping.gap_s, opts.thresholds.min_reads) == ("L07", 2.5, 3)
    assert opts.thresholds.antennas == (1, 2)
    lane = Lane().card("AA01", 1000, 1002).at(1004.5)
    assert [c["state"] for c in lane.c.board()] == ["approaching"]


def test_a_camera_outage_does_not_pause_vehicle_grouping() -> None:
    clock = FakeClock()
    c = CrossingCorrelator(LaneOptions(grouping=GroupingOptions(gap_s=2.0)), clock=clock)
    for t in (1000.0, 1000.5, 1001.0):
        clock.t = t
        c.handle(TagSighting(ts=t, device="rfid1", epc="AA01", antenna=1, rssi=-50))
    c.handle(DeviceStateChanged(ts=1001.0, device="cam1", state=DeviceState.DISCONNECTED))
    clock.t = 1004.0
    assert [u.step for u in c.tick()] == ["opened"]


def test_retune_changes_thresholds_and_timers_but_not_the_lane() -> None:
    """A config reload: weak reads that made a vehicle before no longer do after, the booth
    timer follows the new value, and the lane id and devices stay."""
    lane = Lane().card("AA01", 1000, 1002, rssi=-62.0).at(1006)
    assert [e.step for e in lane.events][:1] == ["opened"]
    stricter = dataclasses.replace(
        OPTS, lane="OTHER", devices=(),
        thresholds=dataclasses.replace(OPTS.thresholds, min_rssi=-60.0),
        timeouts=dataclasses.replace(OPTS.timeouts, arrive_after_s=1.0))
    lane.c.retune(stricter)
    assert (lane.c.opt.lane, lane.c.opt.devices) == ("L03", ("rfid1",))
    assert lane.c.opt.timeouts.arrive_after_s == 1.0 and lane.c.grouper.th.min_rssi == -60.0
    before = len([e for e in lane.events if e.step == "opened"])
    lane.card("BB01", 1100, 1102, rssi=-62.0).at(1110)
    assert len([e for e in lane.events if e.step == "opened"]) == before  # too weak now
    lane.card("CC01", 1200, 1202, rssi=-50.0).at(1210)
    opened = [e for e in lane.events if e.step == "opened"]
    assert len(opened) == before + 1
