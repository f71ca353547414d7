"""Decision-layer benchmarks (collected by `make bench`): scoring latency, 2M-member roster
load, lookup p99, delta apply rate, whole recommendation for a 5-occupant vehicle.

Run alone: `python bench/bench_decision.py [--members N]` (default 2,000,000; ~1-2 min).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from edge.decision.engine import DecisionEngine
from edge.decision.facts import CrossingFacts, PlateRead
from edge.decision.features import FEATURE_NAMES, N_FEATURES, SCHEMA_VERSION
from edge.decision.refdata import Change, RefData
from edge.decision.refdata_files import change_from_file
from edge.decision.routing import Thresholds
from edge.models.scorer import SHIPPED_MODEL, Scorer
from edge.sim import population as P

MEMBERS = 2_000_000


def _pct(samples: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples), q))


def _metric(value: float, unit: str, note: str) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "note": note}


def run(members: int = MEMBERS) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    scorer = Scorer(SHIPPED_MODEL, schema_version=SCHEMA_VERSION, feature_names=FEATURE_NAMES)
    rng = np.random.default_rng(1)
    lat = []
    for _ in range(5_000):
        x = (rng.random((1, N_FEATURES)) < 0.1).astype(np.float32)
        t = time.perf_counter()
        scorer.score(x)
        lat.append((time.perf_counter() - t) * 1e3)
    out["score_per_traveller_p50"] = _metric(_pct(lat, 50), "ms", "one traveller row, 1 thread")
    out["score_per_traveller_p99"] = _metric(_pct(lat, 99), "ms", "goal <= 1 ms")

    cfg = P.PopulationConfig(seed=11, members=members)
    with tempfile.TemporaryDirectory() as tmp:
        roster = Path(tmp) / "roster.jsonl"
        t = time.perf_counter()
        P.write_jsonl(
            roster,
            map(P.member_record, P.iter_members(cfg)),
            {"dataset": "roster", "kind": "snapshot", "version": "1"},
        )
        gen_s = time.perf_counter() - t
        ref = RefData(Path(tmp) / "ref.sqlite")
        t = time.perf_counter()
        ref.apply([change_from_file(roster)])
        load_s = time.perf_counter() - t
        out["roster_load_2m"] = _metric(
            load_s,
            "s",
            f"{members} members from JSON lines "
            f"(file written in {gen_s:.0f} s, not counted); goal <= 60",
        )
        ids = [P._card_id(int(i), cfg.seed) for i in rng.integers(0, members, 20_000)]
        lk = []
        with ref.snapshot() as snap:
            for cid in ids:
                t = time.perf_counter()
                snap.member(cid)
                lk.append((time.perf_counter() - t) * 1e3)
        out["roster_lookup_p99"] = _metric(
            _pct(lk, 99), "ms", "card -> member, 2M roster; goal <= 0.5"
        )
        n_delta = 100_000
        recs: list[dict[str, Any]] = []
        for i, m in enumerate(P.iter_members(cfg, 0, n_delta)):
            rec = P.member_record(m)
            if i % 10 == 0:
                recs.append({"op": "delete", "card_id": m.card_id})
            else:
                rec["status"] = "suspended"
                recs.append(rec)
        t = time.perf_counter()
        ref.apply([Change("roster", "delta", "2", recs, from_version="1")])
        rate = n_delta / (time.perf_counter() - t)
        out["delta_apply_rate"] = _metric(
            rate,
            "changes/s",
            "100k upserts+deletes on the 2M roster, one transaction; goal >= 20000",
        )
        engine = DecisionEngine(ref, scorer, Thresholds())
        car = [P._card_id(i, cfg.seed) for i in range(n_delta + 1, n_delta + 6)]
        facts = CrossingFacts(
            "B1", "nexus", cfg.epoch, tuple(car), PlateRead("ABCD123", 0.9), declared_occupants=5
        )
        whole = []
        for _ in range(2_000):
            t = time.perf_counter()
            engine.decide(facts)
            whole.append((time.perf_counter() - t) * 1e3)
        out["recommendation_5_occupants_p50"] = _metric(
            _pct(whole, 50), "ms", "snapshot+resolve+features+score+route"
        )
        out["recommendation_5_occupants_p99"] = _metric(
            _pct(whole, 99), "ms", "nexus lane, 2M roster"
        )
        ref.close()
    return out


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--members") + 1]) if "--members" in sys.argv else MEMBERS
    print(json.dumps(run(n), indent=2))
