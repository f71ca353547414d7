"""The lane logic against the simulator's ground truth, many seeds, no I/O."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.events import TagSighting
from edge.lane.correlator import CrossingCorrelator, LaneOptions
from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions
from edge.sim.rfid_traffic import TrafficPlan, compare, make_traffic

LANE = LaneOptions(
    thresholds=LaneThresholds(antennas=(1, 2), min_rssi=-65.0, min_reads=2),
    grouping=GroupingOptions(gap_s=3.0),
)


def found_vehicles(plan: TrafficPlan, tick_every: float | None = None) -> list[frozenset[str]]:
    traffic = make_traffic(plan)
    clock = [0.0]
    lane = CrossingCorrelator(LANE, clock=lambda: clock[0])
    out = []
    next_tick = traffic.reads[0].ts
    for r in traffic.reads:
        while tick_every and next_tick < r.ts:
            clock[0] = next_tick
            out += lane.tick(next_tick)
            next_tick += tick_every
        clock[0] = r.ts
        out += lane.handle(TagSighting(ts=r.ts, device="r", epc=r.epc, antenna=r.antenna, rssi=r.rssi))
    out += lane.tick(clock[0] + 60)
    return [frozenset(c["epc"] for c in u.snapshot["cards"]) for u in out if u.step == "opened"]


@given(st.integers(0, 10_000), st.booleans())
@settings(max_examples=25, deadline=None)
def test_every_vehicle_exact_for_any_seed(seed: int, ticking: bool) -> None:
    plan = TrafficPlan(vehicles=25, seed=seed)
    assert compare(make_traffic(plan), found_vehicles(plan, 0.1 if ticking else None)) == []


def test_missing_cards_are_not_invented() -> None:
    plan = TrafficPlan(vehicles=40, seed=4, missing_prob=0.2)
    traffic = make_traffic(plan)
    assert any(traffic.carried[v] != traffic.truth[v] for v in traffic.truth)
    assert compare(traffic, found_vehicles(plan)) == []


def test_simulator_is_deterministic_and_truth_is_disjoint_from_noise() -> None:
    a, b = make_traffic(TrafficPlan(vehicles=10, seed=9)), make_traffic(TrafficPlan(vehicles=10, seed=9))
    assert a == b
    cards = [e for v in a.truth.values() for e in v]
    assert len(cards) == len(set(cards))
    assert not set(cards) & a.neighbour_cards
    assert all(1 <= len(a.carried[v]) <= 8 for v in a.carried)
    assert any(r.epc in a.neighbour_cards and r.antenna in (1, 2) for r in a.reads)  # bleed


def test_compare_notices_a_merge_and_a_stray_card() -> None:
    traffic = make_traffic(TrafficPlan(vehicles=3, seed=1))
    good = [traffic.truth[v] for v in sorted(traffic.truth)]
    assert compare(traffic, good) == []
    merged = [good[0] | good[1], good[2]]
    assert compare(traffic, merged)
    stray = [good[0] | {next(iter(traffic.neighbour_cards))}, good[1], good[2]]
    assert compare(traffic, stray)
