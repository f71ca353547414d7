"""Simulated RFID traffic through a lane: which cards pass, and every read the reader makes.

Deterministic from a seed. Each vehicle carries 1-8 cards through the read field; each card is
read repeatedly with an RSSI that rises as the vehicle approaches and falls as it leaves; some
cards are read late, some only a couple of times, some (if asked) not at all. Vehicles in the
next lane are heard too: strongly on their own antenna, weakly on ours. `Traffic.truth` is the
ground truth: vehicle index -> the cards the lane should find in it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TrafficPlan:
    vehicles: int = 200
    occupants: tuple[int, int] = (1, 8)
    seed: int = 1
    start_ts: float = 1_767_000_000.0
    spacing_s: tuple[float, float] = (6.0, 20.0)  # quiet time between vehicles in the field
    pass_s: tuple[float, float] = (2.0, 4.0)  # how long a vehicle is in the read field
    read_interval_s: float = 0.08  # one inventory round per card
    read_prob: float = 0.6  # chance a card answers a round
    lane_antennas: tuple[int, ...] = (1, 2)
    neighbour_antenna: int = 3
    peak_rssi: tuple[float, float] = (-52.0, -40.0)
    edge_drop_db: float = 24.0  # RSSI at the edge of the field is this much below the peak
    bleed_db: float = 28.0  # a next-lane card is this much weaker on our antennas
    neighbour_vehicles: float = 1.0  # next-lane vehicles per vehicle of ours
    late_prob: float = 0.1  # card first answers only in the second half of the pass
    sparse_prob: float = 0.05  # card read only `min_reads` times
    missing_prob: float = 0.0  # card never read (then not in `truth`)
    min_reads: int = 2  # every card that is not missing is read at least this often, strongly
    strong_rssi: float = -58.0  # ... at least this strong


@dataclass(frozen=True, slots=True)
class SimRead:
    ts: float
    epc: str
    antenna: int
    rssi: float


@dataclass(frozen=True, slots=True)
class Traffic:
    reads: tuple[SimRead, ...]
    truth: dict[int, frozenset[str]]  # vehicle -> cards the lane should find
    carried: dict[int, frozenset[str]]  # vehicle -> every card aboard (missing ones too)
    windows: dict[int, tuple[float, float]]  # vehicle -> (enter, leave) of the read field
    neighbour_cards: frozenset[str] = field(default=frozenset())

    @property
    def end_ts(self) -> float:
        return self.reads[-1].ts if self.reads else 0.0


def make_epc(rng: random.Random) -> str:
    """A 96-bit identifier shaped like a trusted-traveller card (no personal data on it)."""
    return "E2801160" + "".join(rng.choice("0123456789ABCDEF") for _ in range(16))


def _card_reads(
    rng: random.Random,
    plan: TrafficPlan,
    epc: str,
    t0: float,
    t1: float,
    antenna: int,
    peak: float,
    late: bool,
    sparse: bool,
) -> list[SimRead]:
    reads: list[SimRead] = []
    span = t1 - t0
    if sparse:
        for _ in range(plan.min_reads):
            x = rng.uniform(0.4, 0.6)
            reads.append(SimRead(t0 + x * span, epc, antenna, round(max(peak - 4.0, plan.strong_rssi), 1)))
        return reads
    start = t0 + (rng.uniform(0.5, 0.8) * span if late else 0.0)
    t = start
    while t <= t1:
        if rng.random() < plan.read_prob:
            x = (t - t0) / span
            rssi = peak - plan.edge_drop_db * abs(2 * x - 1) ** 1.5 + rng.gauss(0, 1.5)
            reads.append(SimRead(t, epc, antenna, round(rssi, 1)))
        t += plan.read_interval_s * rng.uniform(0.7, 1.3)
    strong = [r for r in reads if r.rssi >= plan.strong_rssi]
    while len(strong) < plan.min_reads:  # guarantee for ground truth: near the peak
        mid = start + (t1 - start) * rng.uniform(0.45, 0.75)
        r = SimRead(mid, epc, antenna, round(max(peak, plan.strong_rssi), 1))
        reads.append(r)
        strong.append(r)
    return reads


def make_traffic(plan: TrafficPlan) -> Traffic:
    rng = random.Random(plan.seed)  # noqa: S311 - deterministic simulation
    reads: list[SimRead] = []
    truth: dict[int, frozenset[str]] = {}
    carried: dict[int, frozenset[str]] = {}
    windows: dict[int, tuple[float, float]] = {}
    used: set[str] = set()

    def new_epc() -> str:
        while True:
            epc = make_epc(rng)
            if epc not in used:
                used.add(epc)
                return epc

    t = plan.start_ts
    for v in range(plan.vehicles):
        t0 = t
        t1 = t0 + rng.uniform(*plan.pass_s)
        windows[v] = (t0, t1)
        cards = [new_epc() for _ in range(rng.randint(*plan.occupants))]
        found: set[str] = set()
        for epc in cards:
            if rng.random() < plan.missing_prob:
                continue
            found.add(epc)
            antenna = rng.choice(plan.lane_antennas)
            reads += _card_reads(
                rng,
                plan,
                epc,
                t0,
                t1,
                antenna,
                rng.uniform(*plan.peak_rssi),
                rng.random() < plan.late_prob,
                rng.random() < plan.sparse_prob,
            )
        truth[v] = frozenset(found)
        carried[v] = frozenset(cards)
        t = t1 + rng.uniform(*plan.spacing_s)
    end = t
    neighbours: set[str] = set()
    for _ in range(int(plan.vehicles * plan.neighbour_vehicles)):
        t0 = rng.uniform(plan.start_ts, end)
        t1 = t0 + rng.uniform(*plan.pass_s)
        for _ in range(rng.randint(*plan.occupants)):
            epc = new_epc()
            neighbours.add(epc)
            own = _card_reads(
                rng, plan, epc, t0, t1, plan.neighbour_antenna, rng.uniform(*plan.peak_rssi), False, False
            )
            reads += own
            ours = rng.choice(plan.lane_antennas)
            reads += [
                SimRead(r.ts + 0.01, epc, ours, round(r.rssi - plan.bleed_db, 1))
                for r in own
                if rng.random() < 0.4
            ]
    reads.sort(key=lambda r: (r.ts, r.epc))
    return Traffic(tuple(reads), truth, carried, windows, frozenset(neighbours))


def compare(traffic: Traffic, found: list[frozenset[str]]) -> list[str]:
    """Differences between the vehicles the lane found (in order) and the ground truth.

    Empty means every vehicle's card set is exactly right and no card is in a wrong vehicle.
    """
    problems: list[str] = []
    expected = [traffic.truth[v] for v in sorted(traffic.truth) if traffic.truth[v]]
    owner = {epc: v for v, cards in traffic.truth.items() for epc in cards}
    for i, cards in enumerate(found):
        stray = cards & traffic.neighbour_cards
        if stray:
            problems.append(f"vehicle #{i}: {len(stray)} next-lane card(s)")
        owners = {owner[e] for e in cards if e in owner}
        if len(owners) > 1:
            problems.append(f"vehicle #{i}: cards of vehicles {sorted(owners)} merged")
        elif owners:
            v = owners.pop()
            if cards - stray != traffic.truth[v]:
                problems.append(f"vehicle #{i}: {len(cards)} card(s), truth {v} has {len(traffic.truth[v])}")
    if len(found) != len(expected):
        problems.append(f"{len(found)} vehicles found, {len(expected)} expected")
    return problems
