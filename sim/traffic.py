"""Whole-lane traffic: who arrives at each lane, when, with which cards, plate and documents.

From a population and a seed, a deterministic schedule per lane in *simulated seconds* from the
start of the run: Poisson arrivals (with rush hours), a queue to one booth (a vehicle passes the
RFID reader, then waits its turn, then dwells at the booth), occupants (members with cards,
travellers who present documents), the plate, the officer's behaviour and the ground truth the
report scores the lane against. Every device stream is derived from this one schedule: RFID
reads (own vehicles strong on the lane antennas; next-lane vehicles strong on the side antenna
and weak on ours), MRZ scans while a vehicle is at the booth, plate sightings for a camera.

Pure: no I/O, no clock. The runner turns simulated seconds into wall time (`speed`).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from edge.sim.population import Member, Population, Traveller
from edge.sim.rfid_traffic import SimRead, Traffic, TrafficPlan, _card_reads, make_epc

if TYPE_CHECKING:
    from edge.sim.refdata_plan import PlannedUpdate

RELEASE_LIKE = frozenset({"proceed_nexus", "proceed_fast", "release_recommended"})
DWELL_S = {"nexus": (6.0, 12.0), "fast": (20.0, 40.0), "passenger": (30.0, 60.0),
           "commercial": (45.0, 90.0)}
T = TypeVar("T")
MOVEUP_SHARE = 0.4
STATES = ("CAN", "USA", "MEX", "FRA", "GBR", "D")


@dataclass(frozen=True, slots=True)
class RushHour:
    start_s: float
    end_s: float
    factor: float


@dataclass(frozen=True, slots=True)
class TrafficSpec:
    """What a scenario asks of the traffic (all times in simulated seconds)."""

    lane_kinds: tuple[str, ...] = ("nexus",)
    vehicles_per_hour: float = 90.0
    rush: tuple[RushHour, ...] = ()
    occupants: tuple[int, int] = (1, 4)
    no_card_rate: float = 0.03  # NEXUS lane: an occupant without a card shows a document
    family_share: float = 0.5  # NEXUS lane: of those, family of a card holder aboard (same surname)
    wrong_programme_rate: float = 0.01
    card_party_rate: float = 0.1  # passenger lane: a vehicle of card holders
    foreign_plate_rate: float = 0.03  # the plate is not registered to anyone aboard
    approach_s: float = 8.0  # from the end of the read field to the booth
    spacing_s: tuple[float, float] = (5.0, 9.0)  # between vehicles in the read field
    pass_s: tuple[float, float] = (2.0, 4.0)
    moveup_s: float = 4.0  # from one vehicle leaving the booth to the next one there
    neighbour_rate: float = 0.6  # next-lane vehicles per vehicle (edge lanes)
    officer_accept: float = 0.95
    read_interval_s: float = 0.08
    read_prob: float = 0.6


@dataclass(frozen=True, slots=True)
class DocumentPlan:
    """One document presented at the booth: the facts, and whether its MRZ is damaged."""

    document_number: str
    surname: str
    given_names: str
    birth_date: str  # ISO
    expiry_date: str  # ISO
    damaged: bool
    issuing_state: str


@dataclass(frozen=True, slots=True)
class Vehicle:
    vid: str
    lane: int
    arrive_s: float
    read_s: tuple[float, float]  # in the RFID read field
    booth_s: float
    depart_s: float
    cards: tuple[str, ...]
    documents: tuple[DocumentPlan, ...]
    plate: str
    officer_accepts: bool
    truth_reasons: tuple[str, ...]  # rule findings the population implies (lane-agnostic names)
    shipment: dict[str, Any] | None = None
    family_without_card: int = 0  # card-less occupants sharing a card holder's surname

    @property
    def truth_refer(self) -> bool:
        return bool(self.truth_reasons)


@dataclass(frozen=True, slots=True)
class LaneTraffic:
    index: int  # 1-based
    lane_id: str
    kind: str
    vehicles: tuple[Vehicle, ...]
    rfid: Traffic  # reads in simulated seconds; truth keyed by vehicle position
    scans: tuple[tuple[float, int, int], ...]  # (ts, vehicle position, document position)
    plates: tuple[tuple[float, int, str], ...]  # (ts, vehicle position, text) for a camera


@dataclass(frozen=True, slots=True)
class Schedule:
    seed: int
    duration_s: float
    today: str
    lanes: tuple[LaneTraffic, ...]
    refdata_extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # headquarters' updates during the run; `truth_reasons` of later vehicles already follow them
    updates: tuple[PlannedUpdate, ...] = ()

    def totals(self) -> dict[str, int]:
        v = [x for lane in self.lanes for x in lane.vehicles]
        return {
            "lanes": len(self.lanes),
            "vehicles": len(v),
            "cards": sum(len(x.cards) for x in v),
            "documents": sum(len(x.documents) for x in v),
            "damaged_documents": sum(d.damaged for x in v for d in x.documents),
            "plates": len(v),
            "rfid_reads": sum(len(lane.rfid.reads) for lane in self.lanes),
            "neighbour_cards": sum(len(lane.rfid.neighbour_cards) for lane in self.lanes),
            "truth_refer": sum(x.truth_refer for x in v),
            "family_without_card": sum(x.family_without_card > 0 for x in v),
            "officer_overrides": sum(not x.officer_accepts for x in v),
        }


def rate_at(spec: TrafficSpec, t: float) -> float:
    """Vehicles per second at simulated time t (base rate times the rush factor)."""
    factor = max((r.factor for r in spec.rush if r.start_s <= t < r.end_s), default=1.0)
    return spec.vehicles_per_hour * factor / 3600.0


def arrivals(spec: TrafficSpec, duration_s: float, rng: random.Random) -> list[float]:
    """Non-homogeneous Poisson arrivals by thinning."""
    peak = max([rate_at(spec, 0.0)] + [rate_at(spec, r.start_s) for r in spec.rush])
    out: list[float] = []
    t = 0.0
    while peak > 0:
        t += rng.expovariate(peak)
        if t >= duration_s:
            break
        if rng.random() < rate_at(spec, t) / peak:
            out.append(t)
    return out


class _Pools:
    """The population split the way the traffic draws from it."""

    def __init__(self, pop: Population) -> None:
        self.nexus = [m for m in pop.members if m.programme == "NEXUS"] or pop.members
        self.fast = [m for m in pop.members if m.programme == "FAST"] or pop.members
        self.travellers = pop.travellers
        self.doc_lookouts = {lo.value for lo in pop.lookouts if lo.kind == "document"}
        self.name_lookouts = {(lo.surname, lo.given_names, lo.birth_date)
                              for lo in pop.lookouts if lo.kind == "name"}
        self.plate_lookouts = {lo.value for lo in pop.lookouts if lo.kind == "plate"}
        self.trusted = [t for t in pop.traders if t.programme and t.status == "active"]
        self.untrusted = [t for t in pop.traders if not (t.programme and t.status == "active")]
        self._used: set[int] = set()

    def draw(self, pool: list[T], rng: random.Random) -> T:
        """A random element not drawn before in this run (any element once the pool is spent)."""
        for _ in range(64):
            item = rng.choice(pool)
            if id(item) not in self._used:
                self._used.add(id(item))
                return item
        return rng.choice(pool)


def _document(t: Traveller, rng: random.Random) -> DocumentPlan:
    return DocumentPlan(t.document_number, t.surname, t.given_names, t.birth_date, t.expiry_date,
                        t.damaged, rng.choice(STATES))


def card_findings(m: Member, programme: str, today: str) -> list[str]:
    out = []
    if m.status != "active":
        out.append(f"card_{m.status}")
    if m.expiry < today:
        out.append("card_expired")
    if m.programme != programme:
        out.append("card_wrong_programme")
    return out


def _findings(pools: _Pools, kind: str, members: list[Member], docs: list[DocumentPlan],
              travellers: list[Traveller], plate: str, today: str, camera: bool,
              shipment: dict[str, Any] | None) -> tuple[str, ...]:
    found: list[str] = []
    if kind in ("nexus", "fast"):
        programme = "NEXUS" if kind == "nexus" else "FAST"
        for m in members:
            found += card_findings(m, programme, today)
        if travellers:
            found.append("occupant_without_card")
    for d in docs:
        if d.damaged:
            found.append("document_invalid")
        if d.expiry_date < today:
            found.append("document_expired")
    for t in travellers:
        if t.document_number in pools.doc_lookouts:
            found.append("lookout_document")
        if (t.surname, t.given_names, t.birth_date) in pools.name_lookouts:
            found.append("lookout_name")
    if camera and plate in pools.plate_lookouts:
        found.append("lookout_plate")
    if kind == "nexus":
        if not camera:
            found.append("plate_unread")
        elif not any(plate in m.plates for m in members):
            found.append("plate_not_registered")
    if shipment is not None and not shipment["trusted"]:
        found.append("carrier_not_trusted")
    return tuple(sorted(set(found)))


def vehicle_findings(pop: Population, kind: str, v: Vehicle, camera: bool) -> tuple[str, ...]:
    """The rule findings of `v` against `pop` as it stands (e.g. after headquarters' updates)."""
    by_card = {m.card_id: m for m in pop.members}
    members = [by_card[c] for c in v.cards if c in by_card]
    travellers = [Traveller(d.document_number, d.surname, d.given_names, d.birth_date,
                            d.expiry_date, d.damaged) for d in v.documents]
    return _findings(_Pools(pop), kind, members, list(v.documents), travellers, v.plate,
                     pop.config.today, camera, v.shipment)


def _occupants(pools: _Pools, spec: TrafficSpec, kind: str, rng: random.Random
               ) -> tuple[list[Member], list[Traveller]]:
    """Who is aboard; nobody crosses twice in one run (a card in two cars would be a clone)."""
    n = rng.randint(*spec.occupants) if kind in ("nexus", "passenger") else 1
    members: list[Member] = []
    travellers: list[Traveller] = []
    carded = kind in ("nexus", "fast") or rng.random() < spec.card_party_rate
    for _ in range(n):
        if not carded or (kind == "nexus" and rng.random() < spec.no_card_rate):
            travellers.append(pools.draw(pools.travellers, rng))
        elif kind == "fast":
            members.append(pools.draw(pools.fast, rng))
        else:
            pool = pools.fast if rng.random() < spec.wrong_programme_rate else pools.nexus
            members.append(pools.draw(pool, rng))
    if kind == "commercial":
        travellers = [pools.draw(pools.travellers, rng)]
    return members, travellers


def _as_family(members: list[Member], travellers: list[Traveller], spec: TrafficSpec,
               rng: random.Random) -> list[Traveller]:
    """Card-less occupants of a NEXUS car who carry a card holder's surname (a spouse, a child):
    the lane must not take their passport for the card holder's. Drawn from a separate random
    stream, so a seed's other draws stay what they were."""
    out = []
    for t in travellers:
        if members and rng.random() < spec.family_share:
            t = dataclasses.replace(t, surname=rng.choice(members).surname)
        out.append(t)
    return out


def _plate_for(members: list[Member], spec: TrafficSpec, rng: random.Random) -> str:
    owned = [p for m in members for p in m.plates]
    if owned and rng.random() >= spec.foreign_plate_rate:
        return owned[0]
    return "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(4)) + f"{rng.randrange(1000):03d}"


def _lane_vehicles(pools: _Pools, spec: TrafficSpec, lane: int, kind: str, duration_s: float,
                   today: str, camera: bool, rng: random.Random, min_step_s: float,
                   family: random.Random | None = None) -> list[Vehicle]:
    out: list[Vehicle] = []
    read_free = 0.0
    booth_free = 0.0
    for i, arrive in enumerate(arrivals(spec, duration_s, rng)):
        members, travellers = _occupants(pools, spec, kind, rng)
        if kind == "nexus" and family is not None:
            travellers = _as_family(members, travellers, spec, family)
        docs = [_document(t, rng) for t in travellers]
        plate = _plate_for(members, spec, rng)
        shipment = None
        if kind == "fast" and pools.trusted:
            trusted = rng.random() < 0.9 or not pools.untrusted
            carrier = rng.choice(pools.trusted if trusted else pools.untrusted)
            importer = rng.choice(pools.trusted)
            shipment = {"shipment_ref": f"SH{lane:02d}{i:06d}", "carrier_id": carrier.entity_id,
                        "importer_id": importer.entity_id, "trusted": trusted}
        t0 = max(arrive, read_free + rng.uniform(*spec.spacing_s))
        t1 = t0 + rng.uniform(*spec.pass_s)
        read_free = t1
        booth = max(t1 + max(spec.approach_s, min_step_s),
                    booth_free + max(spec.moveup_s, min_step_s * MOVEUP_SHARE))
        depart = booth + rng.uniform(*DWELL_S[kind]) + 3.0 * len(docs)
        booth_free = depart
        out.append(Vehicle(
            vid=f"L{lane:02d}-V{i:05d}", lane=lane, arrive_s=round(arrive, 3),
            read_s=(round(t0, 3), round(t1, 3)), booth_s=round(booth, 3),
            depart_s=round(depart, 3), cards=tuple(m.card_id for m in members),
            documents=tuple(docs), plate=plate,
            officer_accepts=rng.random() < spec.officer_accept,
            truth_reasons=_findings(pools, kind, members, docs, travellers, plate, today, camera,
                                    shipment),
            shipment=shipment,
            family_without_card=sum(1 for t in travellers
                                    if any(t.surname == m.surname for m in members))))
    return out


def _rfid(vehicles: list[Vehicle], neighbours: list[Vehicle], spec: TrafficSpec,
          rng: random.Random) -> Traffic:
    plan = TrafficPlan(read_interval_s=spec.read_interval_s, read_prob=spec.read_prob)
    reads: list[SimRead] = []
    truth: dict[int, frozenset[str]] = {}
    windows: dict[int, tuple[float, float]] = {}
    for pos, v in enumerate(vehicles):
        t0, t1 = v.read_s
        windows[pos] = (t0, t1)
        truth[pos] = frozenset(v.cards)
        for epc in v.cards:
            reads += _card_reads(rng, plan, epc, t0, t1, rng.choice(plan.lane_antennas),
                                 rng.uniform(*plan.peak_rssi), rng.random() < plan.late_prob,
                                 rng.random() < plan.sparse_prob)
    others: set[str] = set()
    for v in neighbours:
        t0, t1 = v.read_s
        for epc in v.cards:
            others.add(epc)
            own = _card_reads(rng, plan, epc, t0, t1, plan.neighbour_antenna,
                              rng.uniform(*plan.peak_rssi), False, False)
            reads += own
            ours = rng.choice(plan.lane_antennas)
            reads += [SimRead(round(r.ts + 0.01, 4), epc, ours, round(r.rssi - plan.bleed_db, 1))
                      for r in own if rng.random() < 0.4]
    reads.sort(key=lambda r: (r.ts, r.epc))
    carried = {k: frozenset(v) for k, v in truth.items()}
    return Traffic(tuple(reads), truth, carried, windows, frozenset(others))


def _synthetic_neighbours(count: int, spec: TrafficSpec, duration_s: float, lane: int,
                          rng: random.Random) -> list[Vehicle]:
    out = []
    for i in range(count):
        t0 = rng.uniform(0.0, duration_s)
        cards = tuple(make_epc(rng) for _ in range(rng.randint(*spec.occupants)))
        out.append(Vehicle(f"N{lane:02d}-{i:05d}", 0, t0, (t0, t0 + rng.uniform(*spec.pass_s)),
                           t0, t0, cards, (), "", True, ()))
    return out


def make_schedule(pop: Population, spec: TrafficSpec, *, seed: int, duration_s: float,
                  lanes: int = 1, camera: bool = False, min_step_s: float = 0.0) -> Schedule:
    """The whole run's traffic for `lanes` lanes (lane kinds cycle through `spec.lane_kinds`).

    `min_step_s` is a floor on the approach to the booth (and a share of it on the move-up
    between vehicles): a run compressed in time must still leave the daemon, whose timers are
    wall-clock, room to close a vehicle before its documents are scanned, and the officer room
    to decide before the next vehicle's documents arrive.
    """
    today = pop.config.today
    pools = _Pools(pop)
    per_lane: list[tuple[int, str, list[Vehicle]]] = []
    for k in range(1, lanes + 1):
        kind = spec.lane_kinds[(k - 1) % len(spec.lane_kinds)]
        rng = random.Random(f"{seed}/lane/{k}")  # noqa: S311 - deterministic simulation
        family = random.Random(f"{seed}/family/{k}")  # noqa: S311
        per_lane.append((k, kind, _lane_vehicles(pools, spec, k, kind, duration_s, today, camera,
                                                 rng, min_step_s, family)))
    out: list[LaneTraffic] = []
    for k, kind, vehicles in per_lane:
        rng = random.Random(f"{seed}/rfid/{k}")  # noqa: S311
        adjacent = [v for j, _, vs in per_lane if abs(j - k) == 1 for v in vs]
        edges = 2 - sum(1 for j, _, _ in per_lane if abs(j - k) == 1)
        synthetic = _synthetic_neighbours(int(len(vehicles) * spec.neighbour_rate * edges / 2),
                                          spec, duration_s, k, rng)
        rfid = _rfid(vehicles, adjacent + synthetic, spec, rng)
        scans = []
        plates = []
        for pos, v in enumerate(vehicles):
            for j in range(len(v.documents)):
                scans.append((round(v.booth_s + 1.0 + 2.5 * j, 3), pos, j))
            if camera:
                plates.append((round(v.read_s[0] + 0.5, 3), pos, v.plate))
        out.append(LaneTraffic(k, f"L{k:02d}", kind, tuple(vehicles), rfid, tuple(sorted(scans)),
                               tuple(plates)))
    extra: dict[str, list[dict[str, Any]]] = {"manifests": []}
    for lane in out:
        for v in lane.vehicles:
            if v.shipment is not None:
                extra["manifests"].append({**v.shipment, "driver_card": v.cards[0],
                                           "plate": v.plate, "window": [v.arrive_s, v.depart_s]})
    return Schedule(seed, duration_s, today, tuple(out), extra)


def today_utc() -> str:
    return datetime.now(UTC).date().isoformat()
