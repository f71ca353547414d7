"""The run's report: what the simulator sent, what the daemon made of it, and how right it was.

Pure functions over the schedule (ground truth), the daemon's store rows, its final status and
the players' tallies. The `deterministic` section depends only on the scenario and the seed
(same seed, same section); everything else depends on timing as well.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edge.sim.lane_camera import plate_accuracy
from edge.sim.refdata_plan import PlannedUpdate
from edge.sim.scenario import Scenario
from edge.sim.traffic import RELEASE_LIKE, LaneTraffic, Schedule, Vehicle

REOPEN_WALL_S = 2.0  # a replugged serial device is read again within this (wall seconds)


@dataclass
class LaneResult:
    lane: LaneTraffic
    store: dict[str, list[Any]] | None
    status: dict[str, Any] | None
    daemon_exit: Any
    players: dict[str, dict[str, Any]]
    officer: dict[str, dict[str, Any]]
    camera: bool = False
    camera_garbage: int = 0
    hq_expected: int = 0
    refdata: dict[str, Any] | None = None  # published / applied / refused (`hq_refdata`)


def crossing_cards(c: dict[str, Any]) -> set[str]:
    return {x["epc"] for x in c.get("cards") or []}


def crossing_documents(c: dict[str, Any]) -> set[str]:
    out = set()
    for d in c.get("documents") or []:
        doc = d.get("document") or {}
        number = doc.get("document_number") or (doc.get("fields") or {}).get("document_number")
        if number:
            out.add(str(number).replace("<", ""))
    return out


def crossing_vehicles(c: dict[str, Any], lane: LaneTraffic) -> set[str]:
    """The vehicles of `lane` whose cards or documents are in crossing `c`."""
    cards, docs = crossing_cards(c), crossing_documents(c)
    return {v.vid for v in lane.vehicles
            if cards & set(v.cards) or docs & {d.document_number for d in v.documents}}


def pct(n: int, d: int) -> float | None:
    return None if d == 0 else round(100.0 * n / d, 2)


def affected(v: Vehicle, sc: Scenario) -> bool:
    """Did a device outage (or a slow link) overlap this vehicle's reads or scans? Its truth is
    then moot: reads were lost, or documents arrived after the officer had moved on."""
    margin = REOPEN_WALL_S * sc.speed
    for f in sc.faults:
        if f.kind == "slow_link" and f.lane == v.lane and v.documents \
                and v.booth_s < f.at_s + f.duration_s + margin and v.depart_s > f.at_s:
            return True
        if f.kind != "unplug" or f.lane != v.lane:
            continue
        a, b = f.at_s, f.at_s + f.duration_s + margin
        if f.device == "rfid" and v.cards and v.read_s[0] < b and v.read_s[1] > a:
            return True
        if f.device == "mrz" and v.documents and v.booth_s < b and v.depart_s > a:
            return True
    return False


def _grouping(vehicles: list[Vehicle], lane: LaneTraffic, crossings: list[dict[str, Any]],
              excluded: set[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Vehicles vs crossings; crossings touching an `excluded` vehicle are not judged."""
    owner = {epc: v.vid for v in lane.vehicles for epc in v.cards}
    owner_doc = {d.document_number: v.vid for v in lane.vehicles for d in v.documents}
    matched: dict[str, dict[str, Any]] = {}
    with_crossing = exact = docs_exact = carded = 0
    split: list[str] = []
    for v in vehicles:
        cards, docs = set(v.cards), {d.document_number for d in v.documents}
        if cards:
            carded += 1
            hits = [c for c in crossings if crossing_cards(c) & cards]
        else:
            hits = [c for c in crossings if crossing_documents(c) & docs]
        if not hits:
            continue
        with_crossing += 1
        matched[v.vid] = hits[-1]
        if cards:
            if len(hits) == 1 and crossing_cards(hits[0]) == cards:
                exact += 1
            elif len(hits) > 1:
                split.append(v.vid)
        if docs and set().union(*(crossing_documents(c) for c in hits)) == docs:
            docs_exact += 1
    merged = stray = spurious = 0
    for c in crossings:
        cc = crossing_cards(c)
        vids = {owner[e] for e in cc if e in owner} | {
            owner_doc[n] for n in crossing_documents(c) if n in owner_doc}
        if vids & excluded:
            continue
        merged += len(vids) > 1
        stray += bool(cc & lane.rfid.neighbour_cards)
        spurious += not vids
    with_docs = sum(1 for v in vehicles if v.documents)
    return {
        "vehicles": len(vehicles),
        "with_crossing": with_crossing,
        "with_crossing_pct": pct(with_crossing, len(vehicles)),
        "card_vehicles": carded,
        "card_sets_exact": exact,
        "card_sets_exact_pct": pct(exact, carded),
        "document_vehicles": with_docs,
        "documents_exact": docs_exact,
        "documents_exact_pct": pct(docs_exact, with_docs),
        "crossings": len(crossings),
        "crossings_merging_vehicles": merged,
        "crossings_with_next_lane_cards": stray,
        "crossings_matching_no_vehicle": spurious,
        "vehicles_split": len(split),
    }, matched


def last_recommendations(decisions: list[Any]) -> dict[str, tuple[str, list[str]]]:
    """Crossing id -> (action, reason codes) of its last recommendation."""
    last: dict[str, tuple[str, list[str]]] = {}
    for cid, _ts, kind, action, _actor, body in decisions:
        if kind == "recommendation":
            codes = [r.get("code", "") for r in json.loads(body).get("reasons", [])]
            last[cid] = (action, codes)
    return last


def _recommendations(vehicles: list[Vehicle], matched: dict[str, dict[str, Any]],
                     decisions: list[Any]) -> dict[str, Any]:
    last = last_recommendations(decisions)
    tally: Counter[str] = Counter()
    missing_reasons: Counter[str] = Counter()
    false_reasons: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    by_reason: dict[str, Counter[str]] = {}
    for v in vehicles:
        c = matched.get(v.vid)
        if c is None or c["id"] not in last:
            tally["without_recommendation"] += 1
            continue
        action, codes = last[c["id"]]
        actions[action] += 1
        held = action not in RELEASE_LIKE
        if v.truth_refer:
            tally["true_referrals" if held else "missed_referrals"] += 1
            missing_reasons.update(r for r in v.truth_reasons if r not in codes)
            keys = [*v.truth_reasons, *(["family_without_card"] if v.family_without_card else [])]
            for r in keys:
                by_reason.setdefault(r, Counter())["true" if held else "missed"] += 1
        else:
            tally["false_referrals" if held else "true_releases"] += 1
            if held:
                false_reasons.update(codes)
    scored = sum(tally[k] for k in ("true_referrals", "missed_referrals", "false_referrals",
                                    "true_releases"))
    return {**{k: tally[k] for k in ("true_referrals", "false_referrals", "missed_referrals",
                                     "true_releases", "without_recommendation")},
            "scored": scored,
            "agreement_pct": pct(tally["true_referrals"] + tally["true_releases"], scored),
            "actions": dict(sorted(actions.items())),
            "truth_reasons_not_given": dict(sorted(missing_reasons.items())),
            # per truth reason (and for NEXUS cars carrying a card holder's card-less family):
            # vehicles referred (true) or released (missed)
            "referrals_by_truth_reason": {r: {"true": c["true"], "missed": c["missed"]}
                                          for r, c in sorted(by_reason.items())},
            "reasons_on_false_referrals": dict(false_reasons.most_common(8))}


def _uplink(store: dict[str, list[Any]], hq: dict[str, Any] | None, hq_expected: int = 0
            ) -> dict[str, Any]:
    seqs = [s for s, _ in store["outbox"]]
    kinds = Counter(k for _, k in store["outbox"])
    closed = sum(1 for _, state, _ in store["crossings"] if state == "closed")
    dec = Counter(kind for _, _, kind, *_ in store["decisions"])
    contiguous = not seqs or seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    return {
        "outbox_rows": len(seqs),
        "outbox_seq_contiguous": contiguous,
        "by_kind": dict(sorted(kinds.items())),
        "closed_crossings": closed,
        "every_closed_crossing_queued": kinds["crossing"] == closed,
        "every_recommendation_queued": kinds["recommendation"] == dec["recommendation"],
        "every_officer_decision_queued": kinds["decision"] == dec["officer"],
        "headquarters": "not simulated" if hq is None else {
            **hq, "expected": hq_expected or len(seqs),
            # everything queued by the end of the run arrived, once (copies are counted apart);
            # rows the daemon added while shutting down may or may not have been sent
            "every_event_once": (hq_expected or len(seqs)) <= int(hq.get("unique") or 0)
            <= len(seqs) and not hq.get("missing")},
    }


def update_checks(updates: Sequence[PlannedUpdate], lane: LaneTraffic, scored: list[Vehicle],
                  matched: dict[str, dict[str, Any]], decisions: list[Any]) -> list[dict[str, Any]]:
    """Did the vehicle each update is aimed at get (applied) or not get (refused) its reason?"""
    last = last_recommendations(decisions)
    mine = {v.vid for v in lane.vehicles}
    judged = {v.vid for v in scored}
    out = []
    for u in updates:
        if u.target is None or u.target not in mine:
            continue
        entry: dict[str, Any] = {"index": u.index, "action": u.action, "target": u.target,
                                 "reason": u.reason,
                                 "expect": "given" if u.applies else "not given"}
        crossing = matched.get(u.target)
        if u.target not in judged:
            entry.update(given=None, as_expected=None,
                         note="vehicle not completed or affected by a fault")
        elif crossing is not None and len(crossing_vehicles(crossing, lane)) > 1:
            entry.update(given=None, as_expected=None,
                         note="its crossing merged several vehicles: their reasons mix")
        elif crossing is None or crossing["id"] not in last:
            entry.update(given=None, as_expected=False, note="no recommendation for the vehicle")
        else:
            given = u.reason in last[crossing["id"]][1]
            entry.update(given=given, as_expected=given == u.applies)
        out.append(entry)
    return out


def _counters(r: LaneResult, unplugged: set[str]) -> dict[str, Any]:
    """The daemon's device counters against what the players sent and injected.

    After an unplug, what the simulator wrote while the port was closed (or before the driver
    re-opened it, which flushes the input) is lost, as with hardware: then the daemon may only
    have counted less than was sent.
    """
    devs = (r.status or {}).get("devices", {})
    rfid = devs.get("rfid1", {}).get("counters", {})
    mrz = devs.get("mrz1", {}).get("counters", {})
    p_rfid, p_mrz = r.players["rfid"], r.players["mrz"]
    serial = devs.get("rfid1", {}).get("driver") == "serial"
    checks = {
        "rfid_reports": {"sent": p_rfid["sent"],
                         "daemon": rfid.get("reports" if serial else "sightings", 0)},
        "rfid_bad_frames": {"injected": p_rfid["garbage"], "daemon": rfid.get("bad_frames", 0)},
        "rfid_clock_skew": {"injected": p_rfid["clock_jumped"], "daemon": rfid.get("clock_skew", 0)},
        "mrz_documents": {"sent": p_mrz["sent"], "daemon": mrz.get("documents", 0)},
        "mrz_broken_frames": {"injected": p_mrz["broken_frames"], "daemon": mrz.get("bad_reads", 0)},
    }
    for name, c in checks.items():
        expected = c.get("sent", c.get("injected"))
        if name.split("_")[0] in unplugged and "sent" in c:
            c["match"] = c["daemon"] <= expected
            c["note"] = "device unplugged during the run: at most what was sent"
        else:
            c["match"] = expected == c["daemon"]
    if r.camera:
        corrupt = devs.get("cam1", {}).get("counters", {}).get("corrupt", 0)
        checks["camera_corrupt_frames"] = {
            "injected": r.camera_garbage, "daemon": corrupt,
            "match": corrupt <= r.camera_garbage and (corrupt > 0) == (r.camera_garbage > 0),
            "note": "at most what was injected: the driver keeps only the newest frame"}
    checks["mrz_junk_bytes"] = {"injected": p_mrz["junk_bytes"],
                                "daemon_skipped": mrz.get("bytes_skipped", 0),
                                "match": mrz.get("bytes_skipped", 0) >= p_mrz["junk_bytes"]}
    return {"checks": checks, "rfid": rfid, "mrz": mrz,
            "device_states": {k: v.get("state") for k, v in devs.items()},
            "reconnects": {k: v.get("counters", {}).get("reconnects", 0) for k, v in devs.items()}}


def _officer(vehicles: list[Vehicle], r: LaneResult) -> dict[str, Any]:
    outcomes = [r.officer.get(v.vid) for v in vehicles]
    errors = Counter(o.get("error", "refused") for o in outcomes if o and not o.get("ok"))
    stored = sum(1 for row in (r.store or {}).get("decisions", []) if row[2] == "officer")
    via = Counter(o.get("via", "") for o in outcomes if o and o.get("ok"))
    return {"decided": sum(1 for o in outcomes if o and o.get("ok")), "via": dict(via),
            "overrides": sum(1 for v in vehicles if not v.officer_accepts),
            "failed": dict(errors), "stored_officer_decisions": stored}


def lane_report(r: LaneResult, sc: Scenario, horizon: float,
                hq: dict[str, Any] | None = None,
                updates: Sequence[PlannedUpdate] = ()) -> dict[str, Any]:
    done = [v for v in r.lane.vehicles if v.depart_s <= horizon]
    scored = [v for v in done if not affected(v, sc)]
    out: dict[str, Any] = {"lane": r.lane.lane_id, "kind": r.lane.kind,
                           "vehicles_completed": len(done),
                           "vehicles_affected_by_faults": len(done) - len(scored),
                           "devices_sent": r.players, "daemon_exit": r.daemon_exit}
    if r.store is None:
        out["daemon"] = "no store found (daemon not run?)"
        return out
    crossings = [snap for _, _, snap in r.store["crossings"]]
    excluded = {v.vid for v in done if v not in scored}
    grouping, matched = _grouping(scored, r.lane, crossings, excluded)
    out["grouping"] = grouping
    out["recommendations"] = _recommendations(scored, matched, r.store["decisions"])
    out["refdata"] = {**(r.refdata or {}), "updates": update_checks(
        updates, r.lane, scored, matched, r.store["decisions"])}
    out["officer"] = _officer(done, r)
    out["uplink"] = _uplink(r.store, None if hq is None else
                            hq.get(f"SIM-0001/{r.lane.lane_id}", {"received": 0, "unique": 0}),
                            r.hq_expected)
    unplugged = {f.device for f in sc.faults if f.kind == "unplug" and f.lane == r.lane.index}
    out["counters"] = _counters(r, unplugged)
    if r.camera:
        out["plates"] = plate_accuracy([(v.plate, matched.get(v.vid)) for v in scored])
    else:
        out["plates"] = "not simulated: camera"
    lane_status = ((r.status or {}).get("components") or {}).get("lane") or {}
    out["lane_service"] = {k: lane_status.get(k) for k in
                           ("crossings", "recommendations", "decisions", "decision_errors",
                            "late_reads", "stray_reads", "model", "model_fault")}
    return out


def _sum(lanes: list[dict[str, Any]], section: str, key: str) -> int:
    return sum(int(x.get(section, {}).get(key) or 0) for x in lanes if isinstance(x.get(section), dict))


def build_report(sc: Scenario, schedule: Schedule, results: list[LaneResult],
                 fault_log: list[dict[str, Any]], horizon: float, *,
                 not_simulated: dict[str, str], refdata: dict[str, int],
                 headquarters: dict[str, Any] | None = None,
                 update_log: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    lanes = [lane_report(r, sc, horizon, headquarters, schedule.updates) for r in results]
    totals = schedule.totals()
    deterministic = {
        "scenario": {"name": sc.name, "seed": sc.seed, "speed": sc.speed,
                     "duration_s": sc.duration_s, "lanes": sc.lanes,
                     "lane_kinds": [lane.kind for lane in schedule.lanes]},
        "sent": totals,
        "truth_reasons": dict(sorted(Counter(
            r for lane in schedule.lanes for v in lane.vehicles for r in v.truth_reasons).items())),
        "refdata": refdata,
        "refdata_updates": [u.to_json() for u in schedule.updates],
        "faults_planned": [f.to_json() for f in sc.faults],
    }
    veh = _sum(lanes, "grouping", "vehicles")
    carded = _sum(lanes, "grouping", "card_vehicles")
    summary = {
        "vehicles_scored": veh,
        "with_crossing_pct": pct(_sum(lanes, "grouping", "with_crossing"), veh),
        "card_sets_exact_pct": pct(_sum(lanes, "grouping", "card_sets_exact"), carded),
        "crossings_merging_vehicles": _sum(lanes, "grouping", "crossings_merging_vehicles"),
        "crossings_with_next_lane_cards": _sum(lanes, "grouping", "crossings_with_next_lane_cards"),
        "true_referrals": _sum(lanes, "recommendations", "true_referrals"),
        "false_referrals": _sum(lanes, "recommendations", "false_referrals"),
        "missed_referrals": _sum(lanes, "recommendations", "missed_referrals"),
        "true_releases": _sum(lanes, "recommendations", "true_releases"),
        "officer_decisions": _sum(lanes, "officer", "decided"),
        "uplink_seq_contiguous": all(x.get("uplink", {}).get("outbox_seq_contiguous", False)
                                     for x in lanes),
        "uplink_at_hq_exactly_once": None if headquarters is None else all(
            isinstance(x.get("uplink", {}).get("headquarters"), dict)
            and x["uplink"]["headquarters"]["every_event_once"] for x in lanes),
        "counters_match": all(c["match"] for x in lanes
                              for c in x.get("counters", {}).get("checks", {}).values()),
        "decision_errors": sum(int((x.get("lane_service") or {}).get("decision_errors") or 0)
                               for x in lanes),
        "faults_injected": sum(1 for f in fault_log if f.get("applied")),
        "faults_recovered": sum(1 for f in fault_log if f.get("recovered")),
        "daemons_exit": [x.get("daemon_exit") for x in lanes],
        **_refdata_summary(lanes),
        "plate_exact_pct": pct(sum(int(x["plates"]["exact"]) for x in lanes
                                   if isinstance(x.get("plates"), dict)),
                               sum(int(x["plates"]["vehicles"]) for x in lanes
                                   if isinstance(x.get("plates"), dict))),
    }
    notes = []
    if sc.speed > 1.0:
        notes.append(f"time compressed {sc.speed:g}x: the lane's grouping gap, booth move-up, plate "
                     "window and close timers are scaled by the same factor in its config")
    if any(r.camera for r in results) and sc.speed > 2.0:
        notes.append("plates join crossings by time window: above ~2x they can join a "
                     "neighbouring vehicle; judge plate accuracy at speed <= 2")
    return {"deterministic": deterministic, "summary": summary, "lanes": lanes, "notes": notes,
            "refdata_updates": sorted(update_log, key=lambda e: e["index"]),
            "faults": sorted(fault_log, key=lambda f: (f["at_s"], f["kind"])), "horizon_s": round(horizon, 1),
            "not_simulated": {k: f"not simulated: {k} ({v})" for k, v in not_simulated.items()}}


def _refdata_summary(lanes: list[dict[str, Any]]) -> dict[str, Any]:
    """Reference data over all lanes: which path, counts, refusals vs injection, targets."""
    ref = [x["refdata"] for x in lanes if isinstance(x.get("refdata"), dict)]
    by_hq = [r for r in ref if r.get("path") == "headquarters"]
    checks = [c["as_expected"] for r in ref for c in r.get("updates", [])
              if c.get("as_expected") is not None]
    return {
        "refdata_path": ref[0].get("path") if ref else None,
        "refdata_published": sum(int(r.get("published") or 0) for r in ref),
        "refdata_applied": sum(int(r.get("applied") or 0) for r in ref),
        "refdata_refused": sum(int(r.get("refused") or 0) for r in ref),
        "refdata_refusals_as_injected": all(r["refusals_as_injected"] for r in by_hq)
        if by_hq else None,
        "refdata_updates_as_expected": all(checks) if checks else None,
    }


def summary_lines(rep: dict[str, Any]) -> list[str]:
    """A short human summary for the terminal."""
    s, d = rep["summary"], rep["deterministic"]
    sent = d["sent"]
    lines = [
        f"scenario {d['scenario']['name']} seed {d['scenario']['seed']} speed "
        f"{d['scenario']['speed']:g}x, {sent['lanes']} lane(s), simulated {rep['horizon_s']} s",
        f"scheduled: {sent['vehicles']} vehicles, {sent['cards']} cards, {sent['documents']} documents,"
        f" {sent['rfid_reads']} RFID reads ({sent['neighbour_cards']} next-lane cards)",
        f"crossings: {s['with_crossing_pct']}% of {s['vehicles_scored']} vehicles; card sets exact "
        f"{s['card_sets_exact_pct']}%; merged {s['crossings_merging_vehicles']}, next-lane "
        f"{s['crossings_with_next_lane_cards']}; plates exact "
        + (f"{s['plate_exact_pct']}%" if s["plate_exact_pct"] is not None else "n/a (no camera)"),
        f"recommendations vs truth: {s['true_referrals']} true referrals, {s['false_referrals']} "
        f"false referrals, {s['missed_referrals']} missed, {s['true_releases']} true releases",
        f"officer decisions: {s['officer_decisions']}; daemon decision errors: "
        f"{s['decision_errors']}; uplink at HQ exactly once: {s['uplink_at_hq_exactly_once']}; "
        f"outbox seq contiguous: "
        f"{s['uplink_seq_contiguous']}; counters match: {s['counters_match']}",
        f"faults injected {s['faults_injected']}, recovered {s['faults_recovered']}; daemons "
        f"exit {s['daemons_exit']}",
        f"reference data ({s.get('refdata_path')}): {s.get('refdata_published')} updates published,"
        f" {s.get('refdata_applied')} applied, {s.get('refdata_refused')} refused; refusals as "
        f"injected: {s.get('refdata_refusals_as_injected')}; updates' target vehicles as "
        f"expected: {s.get('refdata_updates_as_expected')}",
    ]
    lines += list(rep.get("not_simulated", {}).values())
    lines += [f"note: {n}" for n in rep.get("notes", [])]
    return lines
