"""Grouping and discrimination on recorded-style sighting streams (pure, fake clock)."""

from __future__ import annotations

from collections.abc import Iterable

from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions, Vehicle, VehicleGrouper

A, B, C, D, X = ("E200A1", "E200B2", "E200C3", "E200D4", "E200FF")
TH = LaneThresholds(antennas=(1, 2), min_rssi=-65.0, min_reads=2)
OPT = GroupingOptions(gap_s=2.0, max_vehicle_s=30.0, hold_s=20.0)

Row = tuple[float, str, int, float]  # ts, epc, antenna, rssi


def run(
    rows: Iterable[Row], th: LaneThresholds = TH, opt: GroupingOptions = OPT, end: float = 1000.0
) -> list[Vehicle]:
    g = VehicleGrouper(th, opt)
    out: list[Vehicle] = []
    for ts, epc, ant, rssi in rows:
        out += g.add(ts, epc, ant, rssi, now=ts)
    out += g.tick(end)
    return out


def passing(
    epc: str, t0: float, t1: float, ant: int = 1, peak: float = -45.0, step: float = 0.1
) -> list[Row]:
    """A card read every `step` s from t0 to t1, RSSI rising to `peak` mid-way and falling."""
    rows: list[Row] = []
    n = int((t1 - t0) / step) + 1
    for i in range(n):
        x = i / max(n - 1, 1)
        rssi = peak - 30.0 * abs(x - 0.5)
        rows.append((round(t0 + i * step, 3), epc, ant, rssi))
    return rows


def merged(*streams: list[Row]) -> list[Row]:
    return sorted((r for s in streams for r in s), key=lambda r: r[0])


def test_two_vehicles_back_to_back() -> None:
    rows = merged(passing(A, 0, 3), passing(B, 0.5, 3.5, ant=2), passing(C, 6.0, 9.0), passing(D, 6.2, 8.8))
    v1, v2 = run(rows)
    assert v1.epcs == {A, B}
    assert v2.epcs == {C, D}
    assert v1.closed_by == "gap"
    assert v1.last_seen <= v2.first_seen


def test_dedup_keeps_first_last_count_best_rssi_antennas() -> None:
    rows = merged(passing(A, 0, 2), [(1.0, A, 2, -40.0)])
    (v,) = run(rows)
    (card,) = v.cards
    assert (card.first_seen, card.last_seen) == (0.0, 2.0)
    assert card.count == 22
    assert card.best_rssi == -40.0
    assert card.antennas == (1, 2)


def test_card_read_only_once() -> None:
    rows = merged(passing(A, 0, 3), [(1.5, B, 1, -50.0)])
    (v,) = run(rows)
    assert v.epcs == {A}
    assert [(c.epc, c.reason) for c in v.rejected] == [(B, "too_few_reads")]
    # a technician who trusts single reads lowers min_reads: the card is then taken
    (v1,) = run(rows, th=LaneThresholds(antennas=(1, 2), min_rssi=-65.0, min_reads=1))
    assert v1.epcs == {A, B}


def test_card_in_the_next_lane_is_rejected_and_kept_as_diagnostic() -> None:
    neighbour = [(t, X, 3, -48.0) for t in (0.4, 0.8, 1.2, 1.6)]  # antenna 3 = lane next door
    bleed = [(t, X, 1, -70.0) for t in (0.6, 1.0, 1.4)]  # heard weakly on our antenna
    (v,) = run(merged(passing(A, 0, 2), neighbour, bleed))
    assert v.epcs == {A}
    (rej,) = v.rejected
    assert rej.epc == X
    assert rej.reason == "stronger_elsewhere"


def test_weak_reads_on_our_antenna_are_rejected_as_weak() -> None:
    bleed = [(t, X, 1, -72.0) for t in (0.6, 1.0, 1.4)]
    (v,) = run(merged(passing(A, 0, 2), bleed), th=LaneThresholds(antennas=(1, 2)))
    assert [(c.epc, c.reason) for c in v.rejected] == [(X, "weak")]


def test_next_lane_traffic_does_not_keep_a_vehicle_open_or_open_one() -> None:
    noise = [(t / 10, X, 3, -45.0) for t in range(0, 200)]  # 20 s of next-lane reads
    vs = run(merged(passing(A, 0, 2), noise, passing(C, 10, 12)))
    assert [v.epcs for v in vs] == [{A}, {C}]


def test_reader_restart_in_the_middle_of_a_vehicle() -> None:
    # reads stop at 1.5 s (reader reboots), come back at 3.0 s: longer than the gap
    before = [r for r in merged(passing(A, 0, 4), passing(B, 0, 4)) if r[0] <= 1.5]
    after = [r for r in merged(passing(A, 0, 4), passing(B, 0, 4), passing(C, 3.2, 4.5)) if r[0] >= 3.0]
    g = VehicleGrouper(TH, OPT)
    out: list[Vehicle] = []
    for ts, epc, ant, rssi in before:
        out += g.add(ts, epc, ant, rssi, now=ts)
    g.suspend(1.6)  # the driver reported the reader down
    out += g.tick(2.5) + g.tick(3.0)
    assert out == []  # silence during an outage is not a gap
    g.resume(3.0)
    for ts, epc, ant, rssi in after:
        out += g.add(ts, epc, ant, rssi, now=ts)
    out += g.tick(100.0)
    (v,) = out
    assert v.epcs == {A, B, C}


def test_restart_without_outage_notice_does_not_split_known_cards() -> None:
    before = [r for r in passing(A, 0, 4) if r[0] <= 1.5]
    after = [r for r in passing(A, 0, 4) if r[0] >= 4.0]  # re-read after a 2.5 s silence
    vs = run(before + after + [(4.1, A, 1, -50.0)])
    assert [v.epcs for v in vs] == [{A}]  # the lingering card is held, not a new vehicle


def test_held_card_released_after_hold() -> None:
    vs = run(merged(passing(A, 0, 2), passing(A, 40, 42)))
    assert [v.epcs for v in vs] == [{A}, {A}]


def test_plate_split_and_max_duration() -> None:
    g = VehicleGrouper(TH, OPT)
    for r in passing(A, 0, 1):
        g.add(*r, now=r[0])
    (v,) = g.split()
    assert v.closed_by == "plate"
    assert v.epcs == {A}
    g2 = VehicleGrouper(TH, GroupingOptions(gap_s=2.0, max_vehicle_s=5.0))
    out: list[Vehicle] = []
    for r in merged(passing(B, 0, 4), passing(C, 3, 8)):
        out += g2.add(*r, now=r[0])
    assert out[0].closed_by == "max_duration"
    assert out[0].epcs == {B, C}


def test_stray_weak_reads_with_nothing_open_open_nothing() -> None:
    assert run([(t, X, 1, -80.0) for t in range(10)]) == []
