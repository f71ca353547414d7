"""Deterministic synthetic population for the simulator, training and headquarters snapshots.

Everything is drawn from one `numpy.random.Generator` seeded by `PopulationConfig.seed`, so a
seed names a population. Members (NEXUS/FAST card holders), travellers without cards (MRZ
document facts), carriers and importers, lookouts and manifests are plain dataclasses; the
`*_records` functions give the JSON objects the lane's reference data loads.

`labelled_crossings` draws crossings in the lane's crossing JSON shape with a ground-truth
"should refer" label from a HIDDEN, SYNTHETIC risk process: each crossing is secretly risky or
not, and risky ones show risk indicators (lookout hits, bad documents, unknown cards, plate or
manifest mismatches...) more often. It models no real traveller behaviour; it exists so the
pipeline can be trained and tested end to end.

This module is part of the simulator and imports nothing from the daemon.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

SURNAMES = (
    "TREMBLAY",
    "GAGNON",
    "ROY",
    "CÔTÉ",
    "BOUCHARD",
    "GAUTHIER",
    "MORIN",
    "LAVOIE",
    "SMITH",
    "BROWN",
    "WILSON",
    "MACDONALD",
    "MÜLLER",
    "SCHRÖDER",
    "NGUYEN",
    "LI",
    "WANG",
    "SINGH",
    "PATEL",
    "GARCÍA",
    "HERNÁNDEZ",
    "O'BRIEN",
    "D'ARCY",
    "KOWALSKI",
    "PETROVIĆ",
    "ØSTERGÅRD",
    "FITZGERALD-LAMBERT",
    "VANDERBILT",
    "MONTGOMERY-WHITAKER",
    "ABDULLAH",
    "OKAFOR",
    "BÉLANGER",
)
GIVEN = (
    "MARIE",
    "JEAN",
    "LOUIS",
    "SOPHIE",
    "JAMES",
    "EMMA",
    "OLIVIA",
    "NOAH",
    "LIAM",
    "CHLOÉ",
    "FRANÇOIS",
    "ZOË",
    "JÜRGEN",
    "ANA",
    "MIGUEL",
    "WEI",
    "PRIYA",
    "ARJUN",
    "FATIMA",
    "SØREN",
    "ALEXANDRA",
    "CHRISTOPHER",
    "ÉLODIE",
    "MAXIMILIAN",
)
LOOKOUT_REASONS = ("LO-WANTED", "LO-STOLEN-DOC", "LO-STOLEN-VEH", "LO-INTEL", "LO-SMUGGLING")
LANE_KINDS = ("nexus", "fast", "passenger", "commercial")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PopulationConfig:
    """Sizes and rates; every count and rate here is synthetic."""

    seed: int = 1
    members: int = 5_000
    fast_share: float = 0.2
    suspended_rate: float = 0.02
    revoked_rate: float = 0.01
    expired_rate: float = 0.03
    travellers: int = 5_000
    doc_damaged_rate: float = 0.02
    doc_expired_rate: float = 0.02
    carriers: int = 60
    importers: int = 120
    trader_trusted_rate: float = 0.7
    document_lookout_rate: float = 0.01
    name_lookout_rate: float = 0.005
    plate_lookout_rate: float = 0.005
    manifests: int = 2_000
    today: str = "2025-06-01"
    epoch: float = 1_748_736_000.0  # 2025-06-01T00:00:00Z, start of the manifest windows


@dataclass(frozen=True, slots=True)
class Member:
    card_id: str
    programme: str
    surname: str
    given_names: str
    birth_date: str
    status: str
    expiry: str
    plates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Traveller:
    """A traveller without a card, as the facts of their MRZ document."""

    document_number: str
    surname: str
    given_names: str
    birth_date: str
    expiry_date: str
    damaged: bool


@dataclass(frozen=True, slots=True)
class Trader:
    entity_id: str
    kind: str
    name: str
    programme: str
    status: str
    valid_until: str


@dataclass(frozen=True, slots=True)
class Lookout:
    lookout_id: str
    kind: str
    value: str
    reason_code: str
    expiry: str | None = None
    surname: str | None = None
    given_names: str | None = None
    birth_date: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentManifest:
    shipment_ref: str
    carrier_id: str
    importer_id: str
    driver_card: str
    plate: str
    window_start: float
    window_end: float


@dataclass
class Population:
    config: PopulationConfig
    members: list[Member] = field(default_factory=list)
    travellers: list[Traveller] = field(default_factory=list)
    traders: list[Trader] = field(default_factory=list)
    lookouts: list[Lookout] = field(default_factory=list)
    manifests: list[ShipmentManifest] = field(default_factory=list)


def _card_id(i: int, seed: int) -> str:
    """Unique 24-hex EPC: fixed header + a bijective scramble of the index."""
    mixed = (i * 0x9E3779B97F4A7C15 + seed * 0x632BE59BD9B4E5) % (1 << 64)
    return f"E2801160{mixed:016X}"


def _day(base: date, offset: int) -> str:
    return (base + timedelta(days=int(offset))).isoformat()


def _plate(rng: np.random.Generator) -> str:
    letters = rng.integers(0, 26, 4)
    return "".join(chr(65 + int(x)) for x in letters) + f"{int(rng.integers(0, 1000)):03d}"


def iter_members(
    cfg: PopulationConfig, start: int = 0, stop: int | None = None
) -> Iterator[Member]:
    """Members `start..stop` drawn in chunks (a 2,000,000-member roster streams)."""
    stop = cfg.members if stop is None else stop
    today = date.fromisoformat(cfg.today)
    chunk = 65_536
    for lo in range(start, stop, chunk):
        hi = min(stop, lo + chunk)
        rng = np.random.default_rng([cfg.seed, 1, lo // chunk])
        n = hi - lo
        prog = rng.random(n) < cfg.fast_share
        status_u = rng.random(n)
        expired = rng.random(n) < cfg.expired_rate
        sur = rng.integers(0, len(SURNAMES), n)
        giv = rng.integers(0, len(GIVEN), n)
        birth = rng.integers(-30_000, -6_600, n)
        exp = np.where(expired, rng.integers(-700, -1, n), rng.integers(1, 1_800, n))
        nplates = rng.choice(3, n, p=[0.2, 0.6, 0.2])
        for k in range(n):
            status = (
                "revoked"
                if status_u[k] < cfg.revoked_rate
                else "suspended"
                if status_u[k] < cfg.revoked_rate + cfg.suspended_rate
                else "active"
            )
            yield Member(
                card_id=_card_id(lo + k, cfg.seed),
                programme="FAST" if prog[k] else "NEXUS",
                surname=SURNAMES[sur[k]],
                given_names=GIVEN[giv[k]],
                birth_date=_day(today, birth[k]),
                status=status,
                expiry=_day(today, exp[k]),
                plates=tuple(_plate(rng) for _ in range(int(nplates[k]))),
            )


def generate(cfg: PopulationConfig) -> Population:
    """The whole population for `cfg` (sizes meant for memory: tests, training, the simulator)."""
    rng = np.random.default_rng([cfg.seed, 2])
    today = date.fromisoformat(cfg.today)
    pop = Population(config=cfg, members=list(iter_members(cfg)))
    for i in range(cfg.travellers):
        expired = rng.random() < cfg.doc_expired_rate
        pop.travellers.append(
            Traveller(
                document_number="".join(chr(65 + int(c)) for c in rng.integers(0, 26, 2))
                + f"{(i * 7_919 + cfg.seed) % 10_000_000:07d}",
                surname=SURNAMES[int(rng.integers(0, len(SURNAMES)))],
                given_names=GIVEN[int(rng.integers(0, len(GIVEN)))],
                birth_date=_day(today, int(rng.integers(-30_000, -400))),
                expiry_date=_day(
                    today, int(rng.integers(-900, -1) if expired else rng.integers(1, 3_650))
                ),
                damaged=bool(rng.random() < cfg.doc_damaged_rate),
            )
        )
    for kind, count, prefix in (("carrier", cfg.carriers, "CR"), ("importer", cfg.importers, "IM")):
        for i in range(count):
            trusted = rng.random() < cfg.trader_trusted_rate
            programme = str(rng.choice(["PIP", "C-TPAT", "MRA:MX", "MRA:EU"])) if trusted else ""
            pop.traders.append(
                Trader(
                    entity_id=f"{prefix}{i:05d}",
                    kind=kind,
                    name=f"{kind.title()} {i}",
                    programme=programme,
                    status="active" if trusted or rng.random() < 0.5 else "suspended",
                    valid_until=_day(today, int(rng.integers(30, 1_000))),
                )
            )
    n_lo = 0
    for t in pop.travellers:
        u = rng.random()
        if u < cfg.document_lookout_rate:
            pop.lookouts.append(
                Lookout(
                    f"LO{n_lo:06d}", "document", t.document_number, str(rng.choice(LOOKOUT_REASONS))
                )
            )
            n_lo += 1
        elif u < cfg.document_lookout_rate + cfg.name_lookout_rate:
            pop.lookouts.append(
                Lookout(
                    f"LO{n_lo:06d}",
                    "name",
                    t.surname,
                    str(rng.choice(LOOKOUT_REASONS)),
                    surname=t.surname,
                    given_names=t.given_names,
                    birth_date=t.birth_date,
                )
            )
            n_lo += 1
    for m in pop.members:
        if m.plates and rng.random() < cfg.plate_lookout_rate:
            pop.lookouts.append(
                Lookout(
                    f"LO{n_lo:06d}", "plate", m.plates[0], "LO-STOLEN-VEH", expiry=_day(today, 365)
                )
            )
            n_lo += 1
    fast = [m for m in pop.members if m.programme == "FAST"] or pop.members
    carriers = [t for t in pop.traders if t.kind == "carrier"]
    importers = [t for t in pop.traders if t.kind == "importer"]
    for i in range(cfg.manifests if fast and carriers and importers else 0):
        driver = fast[int(rng.integers(0, len(fast)))]
        start = cfg.epoch + float(rng.integers(0, 86_400 * 30))
        pop.manifests.append(
            ShipmentManifest(
                shipment_ref=f"SH{cfg.seed:03d}{i:07d}",
                carrier_id=carriers[int(rng.integers(0, len(carriers)))].entity_id,
                importer_id=importers[int(rng.integers(0, len(importers)))].entity_id,
                driver_card=driver.card_id,
                plate=driver.plates[0] if driver.plates else _plate(rng),
                window_start=start,
                window_end=start + 4 * 3_600,
            )
        )
    return pop


# --- records as the lane's reference data loads them ------------------------------------------


def member_record(m: Member) -> dict[str, Any]:
    rec = asdict(m)
    rec["plates"] = list(m.plates)
    return rec


def trader_record(t: Trader) -> dict[str, Any]:
    return asdict(t)


def lookout_record(lo: Lookout) -> dict[str, Any]:
    return {k: v for k, v in asdict(lo).items() if v is not None}


def manifest_record(m: ShipmentManifest) -> dict[str, Any]:
    return asdict(m)


def traveller_record(t: Traveller) -> dict[str, Any]:
    return asdict(t)


def write_jsonl(
    path: str | Path, records: Iterable[dict[str, Any]], meta: dict[str, Any] | None = None
) -> int:
    """Write records as JSON lines, with an optional `{"_meta": ...}` header line."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        if meta is not None:
            fh.write(json.dumps({"_meta": meta}) + "\n")
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n


def write_population(pop: Population, folder: str | Path, version: str = "1") -> dict[str, Path]:
    """Write roster, registry, lookouts and manifests snapshots as JSON lines in `folder`."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    sets: dict[str, Iterable[dict[str, Any]]] = {
        "roster": map(member_record, pop.members),
        "registry": map(trader_record, pop.traders),
        "lookouts": map(lookout_record, pop.lookouts),
        "manifests": map(manifest_record, pop.manifests),
    }
    paths = {}
    for name, recs in sets.items():
        paths[name] = out / f"{name}.jsonl"
        write_jsonl(paths[name], recs, {"dataset": name, "kind": "snapshot", "version": version})
    paths["travellers"] = out / "travellers.jsonl"
    write_jsonl(paths["travellers"], map(traveller_record, pop.travellers))
    return paths


# --- labelled crossings (hidden synthetic risk process) ---------------------------------------

# indicator -> (probability when the crossing is secretly risky, when it is not). Synthetic.
INDICATORS: dict[str, tuple[float, float]] = {
    "no_card": (0.30, 0.02),
    "bad_card": (0.25, 0.02),
    "unknown_card": (0.15, 0.005),
    "plate_unregistered": (0.35, 0.06),
    "plate_lookout": (0.15, 0.002),
    "plate_unread": (0.10, 0.05),
    "doc_lookout": (0.25, 0.002),
    "name_lookout": (0.15, 0.003),
    "doc_invalid": (0.25, 0.02),
    "doc_expired": (0.20, 0.02),
    "undeclared": (0.20, 0.01),
    "frequent": (0.30, 0.10),
    "manifest_missing": (0.25, 0.03),
    "manifest_mismatch": (0.30, 0.02),
    "outside_window": (0.20, 0.05),
    "untrusted_trader": (0.40, 0.10),
    "identity_mismatch": (0.15, 0.003),
}


@dataclass(frozen=True, slots=True)
class LabelledCrossing:
    """A crossing in the lane's JSON shape, with the hidden process's ground truth."""

    crossing: dict[str, Any]
    should_refer: bool
    indicators: tuple[str, ...]


def _ascii(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.replace("Ø", "O").replace("Ü", "UE"))
    return "".join(c for c in folded if c.isascii() and (c.isalpha() or c in " -")).upper()


def _doc(
    t: Traveller, today: str, *, invalid: bool = False, truncate: bool = False
) -> dict[str, Any]:
    surname = _ascii(t.surname)
    return {
        "valid": not (invalid or t.damaged),
        "document_number": t.document_number,
        "surname": surname[:6] if truncate else surname,
        "given_names": _ascii(t.given_names),
        "birth_date": t.birth_date,
        "expiry_date": t.expiry_date,
        "expired": t.expiry_date < today,
        "errors": ["mrz.check.document_number"] if (invalid or t.damaged) else [],
    }


def labelled_crossings(
    pop: Population,
    n: int,
    seed: int,
    *,
    risky_rate: float = 0.08,
    lane_mix: tuple[float, float, float, float] = (0.35, 0.15, 0.35, 0.15),
) -> Iterator[LabelledCrossing]:
    """`n` crossings over lanes nexus/fast/passenger/commercial with ground-truth labels."""
    rng = np.random.default_rng([pop.config.seed, 3, seed])
    cfg = pop.config
    today = cfg.today
    by_card = {m.card_id: m for m in pop.members}
    ok = [m for m in pop.members if m.status == "active" and m.expiry >= today]
    nexus_ok = [m for m in ok if m.programme == "NEXUS"] or ok
    ok_ids = {m.card_id for m in ok}
    bad = [m for m in pop.members if m.card_id not in ok_ids] or pop.members
    flagged = {lo.value for lo in pop.lookouts if lo.kind == "document"}
    named = {
        (lo.surname, lo.given_names, lo.birth_date) for lo in pop.lookouts if lo.kind == "name"
    }
    plates = [lo.value for lo in pop.lookouts if lo.kind == "plate"] or ["ZZZZ999"]
    doc_hit = [t for t in pop.travellers if t.document_number in flagged] or pop.travellers
    name_hit = [
        t for t in pop.travellers if (t.surname, t.given_names, t.birth_date) in named
    ] or pop.travellers
    clean = [
        t
        for t in pop.travellers
        if t.document_number not in flagged
        and (t.surname, t.given_names, t.birth_date) not in named
        and not t.damaged
        and t.expiry_date >= today
    ]
    expired = [t for t in pop.travellers if t.expiry_date < today] or pop.travellers
    trusted = {t.entity_id for t in pop.traders if t.programme and t.status == "active"}
    good_mf = [m for m in pop.manifests if m.carrier_id in trusted and m.importer_id in trusted]
    good_refs = {m.shipment_ref for m in good_mf}
    weak_mf = [m for m in pop.manifests if m.shipment_ref not in good_refs] or good_mf

    def pick(seq: list[T]) -> T:
        return seq[int(rng.integers(0, len(seq)))]

    for i in range(n):
        risky = bool(rng.random() < risky_rate)
        on = {k for k, (pr, pn) in INDICATORS.items() if rng.random() < (pr if risky else pn)}
        kind = LANE_KINDS[int(rng.choice(4, p=np.asarray(lane_mix)))]
        ts = cfg.epoch + float(rng.integers(0, 86_400 * 30))
        cards: list[str] = []
        docs: list[dict[str, Any]] = []
        plate: str | None = None
        shipment: str | None = None
        used: set[str] = set()
        carded = kind == "nexus" or (kind == "passenger" and rng.random() < 0.2)
        if carded:
            party = [pick(nexus_ok) for _ in range(int(rng.integers(1, 5)))]
            plate = party[0].plates[0] if party[0].plates else None
            cards = [m.card_id for m in party]
            if "bad_card" in on:
                cards[-1] = pick(bad).card_id
                used.add("bad_card")
            if "unknown_card" in on:
                cards[0] = "E2801160" + "".join(f"{int(x):X}" for x in rng.integers(0, 16, 16))
                used.add("unknown_card")
            if "identity_mismatch" in on and kind == "passenger":
                t = pick(clean)
                docs.append(_doc(t, today))
                used.add("identity_mismatch")
        elif kind in ("fast", "commercial"):
            mf = pick(weak_mf if "untrusted_trader" in on else good_mf) if pop.manifests else None
            if "untrusted_trader" in on:
                used.add("untrusted_trader")
            if mf is not None:
                shipment = mf.shipment_ref
                plate = mf.plate
                driver = by_card.get(mf.driver_card)
                cards = [mf.driver_card]
                if "manifest_mismatch" in on:
                    cards = [pick(ok).card_id]
                    used.add("manifest_mismatch")
                if "bad_card" in on and kind == "fast":
                    cards = [pick(bad).card_id]
                    used.add("bad_card")
                ts = mf.window_start + 3_600.0
                if "outside_window" in on:
                    ts = mf.window_end + float(rng.integers(7_200, 86_400))
                    used.add("outside_window")
                if "manifest_missing" in on:
                    shipment = f"SHX{int(rng.integers(0, 10**8)):08d}"
                    used.add("manifest_missing")
                if kind == "commercial" and driver is not None:
                    docs.append(_doc(pick(clean), today))
        if kind in ("passenger", "commercial") and not docs and not carded:
            docs = [_doc(pick(clean), today) for _ in range(int(rng.integers(1, 4)))]
        if kind in ("passenger", "commercial") and docs:
            if "doc_lookout" in on:
                docs[0] = _doc(pick(doc_hit), today)
                used.add("doc_lookout")
            if "name_lookout" in on:
                docs[-1] = _doc(pick(name_hit), today, truncate=bool(rng.random() < 0.3))
                used.add("name_lookout")
            if "doc_invalid" in on:
                docs[0] = {**docs[0], "valid": False, "errors": ["mrz.check.composite"]}
                used.add("doc_invalid")
            if "doc_expired" in on:
                docs[-1] = _doc(pick(expired), today)
                used.add("doc_expired")
        if plate is None and kind in ("passenger", "commercial"):
            plate = _plate(rng)
        if "plate_unregistered" in on and cards:
            plate = _plate(rng)
            used.add("plate_unregistered")
        if "plate_lookout" in on:
            plate = pick(plates)
            used.add("plate_lookout")
        identified = len(cards) + len(docs)
        declared = identified
        if "no_card" in on and kind in ("nexus", "fast"):
            declared += 1
            used.add("no_card")
        if "undeclared" in on:
            declared += 1
            used.add("undeclared")
        confidence = 0.3 if "plate_unread" in on else float(rng.uniform(0.75, 0.99))
        if "plate_unread" in on:
            used.add("plate_unread")
        recent = int(rng.integers(15, 60)) if "frequent" in on else int(rng.integers(0, 8))
        if "frequent" in on:
            used.add("frequent")
        yield LabelledCrossing(
            crossing={
                "crossing_id": f"X{seed:04d}-{i:07d}",
                "lane_id": "L01",
                "lane_kind": kind,
                "ts": ts,
                "card_ids": cards,
                "plate": None if plate is None else {"text": plate, "confidence": confidence},
                "documents": docs,
                "declared_occupants": declared,
                "shipment_ref": shipment,
                "recent_crossings": recent,
            },
            should_refer=risky,
            indicators=tuple(sorted(used)),
        )
