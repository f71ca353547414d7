"""Headquarters' reference data, pure parts: the plan of updates, the truth that follows it,
the hostile envelopes (refused by the sync layer's own checks) and the file fallback."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.decision.refdata import RefData
from edge.sim.hq_refdata import MALFORMED, STRANGER_ID, FileRefdata, _tamper, encode, public_hex
from edge.sim.population import PopulationConfig, generate
from edge.sim.refdata_plan import plan_updates, snapshot_records
from edge.sim.scenario import RefdataUpdate, ScenarioError, parse_scenario
from edge.sim.traffic import TrafficSpec, make_schedule, vehicle_findings
from edge.sync.envelope import Reason, Refused, open_chunk, seal
from edge.sync.envelope import load_public_keys as keys_of

POP = generate(PopulationConfig(seed=5, members=600, travellers=600, manifests=0,
                                today="2026-01-15"))
SPEC = TrafficSpec(vehicles_per_hour=200, no_card_rate=0.3)
BASE = make_schedule(POP, SPEC, seed=2, duration_s=1200, lanes=2, camera=True)
UPDATES = (RefdataUpdate(100.0, "lookout_add"), RefdataUpdate(150.0, "member_revoke"),
           RefdataUpdate(200.0, "unknown_key"), RefdataUpdate(210.0, "bad_signature"),
           RefdataUpdate(220.0, "malformed"))


def planned(updates=UPDATES, lead_s: float = 20.0):
    return plan_updates(POP, BASE, updates, camera=True, lead_s=lead_s)


def vehicles(schedule):
    return {v.vid: v for lane in schedule.lanes for v in lane.vehicles}


def test_updates_change_the_truth_of_their_later_target_only() -> None:
    s = planned()
    before, after = vehicles(BASE), vehicles(s)
    add, revoke, unknown, bad, malformed = s.updates
    assert (add.dataset, add.version, add.from_version) == ("lookouts", 2, 1)
    assert (revoke.dataset, revoke.version, revoke.from_version) == ("roster", 2, 1)
    # refused updates do not move the version on; the malformed one carries nothing
    assert unknown.version == bad.version == 3 and malformed.records == () and not malformed.target
    for u in (add, revoke, unknown, bad):
        assert u.target is not None
        assert after[u.target].read_s[0] >= u.at_s + 20.0
        assert u.reason not in before[u.target].truth_reasons
    assert "lookout_document" in after[add.target].truth_reasons
    assert after[add.target].cards  # a car with cards has a crossing of its own
    assert "card_revoked" in after[revoke.target].truth_reasons
    changed = {vid for vid in before if before[vid] != after[vid]}
    assert changed == {add.target, revoke.target}  # hostile ones change nothing
    assert len({add.target, revoke.target, unknown.target, bad.target}) == 4


def test_truth_is_the_data_of_the_vehicles_time() -> None:
    """The same card crossing before the revocation is judged on the data of its time; a
    crossing after it (not the one aimed at) is judged on the new data."""
    revoke = planned(UPDATES[1:2]).updates[0]
    lane = next(x for x in BASE.lanes if revoke.target in {v.vid for v in x.vehicles})
    aimed = vehicles(BASE)[revoke.target]
    twice = [dataclasses.replace(aimed, vid=f"{aimed.vid}-{tag}", read_s=(t, t + 2.0))
             for tag, t in (("before", revoke.at_s - 30.0), ("after", revoke.at_s + 1.0))]
    lanes = tuple(dataclasses.replace(x, vehicles=x.vehicles + tuple(twice)) if x is lane else x
                  for x in BASE.lanes)
    s = plan_updates(POP, dataclasses.replace(BASE, lanes=lanes), UPDATES[1:2], camera=True,
                     lead_s=20.0)
    assert s.updates[0].target == revoke.target
    after = vehicles(s)
    assert "card_revoked" not in after[f"{aimed.vid}-before"].truth_reasons
    assert "card_revoked" in after[f"{aimed.vid}-after"].truth_reasons
    assert "card_revoked" in after[aimed.vid].truth_reasons


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1100), st.sampled_from(["lookout_add", "member_revoke",
                                                               "unknown_key"])), max_size=6))
def test_any_plan_keeps_untouched_truth_and_chains_versions(raw: list[tuple[float, str]]) -> None:
    updates = tuple(RefdataUpdate(t, a) for t, a in sorted(raw))
    s = planned(updates)
    assert planned(updates) == s  # deterministic
    targets = {u.target for u in s.updates if u.applies}
    for lane in s.lanes:
        for v in lane.vehicles:
            if v.vid not in targets:
                assert v.truth_reasons == vehicle_findings(POP, lane.kind, v, True)
    for ds in ("lookouts", "roster"):
        chain = [u for u in s.updates if u.dataset == ds and u.applies]
        assert [u.from_version for u in chain] == list(range(1, len(chain) + 1))


def test_hostile_envelopes_are_refused_by_the_sync_layers_checks() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    hq = Ed25519PrivateKey.generate()
    trusted = keys_of({"hq-sim": public_hex(hq)})
    payload = encode([{"lookout_id": "LU1", "kind": "document", "value": "AB1234567",
                       "reason_code": "LO-WANTED"}], 1)
    kw = {"dataset": "lookouts", "scope": "SIM-0001/L01", "version": 2, "issued": 1e9,
          "ttl_s": 3600.0}

    def check(raw: bytes) -> Reason | None:
        try:
            open_chunk(raw, scope="SIM-0001/L01", dataset="lookouts", keys=trusted, now=1e9 + 1,
                       applied_version=1)
        except Refused as err:
            return err.reason
        return None

    good = seal(payload, key_id="hq-sim", key=hq, **kw)[0]
    assert check(good) is None
    assert check(_tamper(good)) is Reason.BAD_SIGNATURE
    stranger = seal(payload, key_id=STRANGER_ID, key=Ed25519PrivateKey.generate(), **kw)[0]
    assert check(stranger) is Reason.UNKNOWN_KEY
    assert check(MALFORMED) is Reason.MALFORMED


def test_without_headquarters_the_file_takes_snapshots_and_data_updates(tmp_path: Path) -> None:
    s = planned()
    target = tmp_path / "refdata.sqlite"
    files = FileRefdata(target)
    counts = files.load(snapshot_records(POP, s, 1e9))
    assert counts["roster"] == len(POP.members) and counts["lookouts"] == len(POP.lookouts)
    done = [files.apply(u) for u in s.updates]
    assert [d.get("applied_to_file", False) for d in done] == [True, True, False, False, False]
    ref = RefData(target)
    try:
        assert ref.versions() == {"roster": "2", "registry": "1", "lookouts": "2", "manifests": "1"}
        assert ref.count("lookouts") == len(POP.lookouts) + 1
        with ref.snapshot() as snap:
            revoked = snap.member(s.updates[1].records[0]["card_id"])
        assert revoked is not None and revoked.status == "revoked"
    finally:
        ref.close()


def test_refdata_updates_in_a_scenario_are_checked() -> None:
    sc = parse_scenario({"refdata_updates": [{"at_s": 5, "action": "lookout_add"}]}, "ok")
    assert sc.refdata_updates == (RefdataUpdate(5.0, "lookout_add"),)
    with pytest.raises(ScenarioError):
        parse_scenario({"refdata_updates": [{"at_s": 5, "action": "meteor"}]}, "bad")
    with pytest.raises(ScenarioError):
        parse_scenario({"refdata_updates": [{"action": "lookout_add"}]}, "no-time")
    with pytest.raises(ScenarioError):
        parse_scenario({"refdata_updates": [{"at_s": 5, "action": "malformed", "lane": 2}]}, "typo")


def test_a_lane_that_does_not_apply_the_snapshots_stops_the_run_with_a_clear_error() -> None:
    from edge.sim.hq_refdata import HqRefdata, RefdataNotApplied

    hq = HqRefdata(rig=None, lanes=["L01", "L02"])  # type: ignore[arg-type] - waits only
    down = {"applied": {"roster": 1}, "refusals": {"unknown_key": 4},
            "last_refusal": {"reason": "unknown_key"}}
    statuses = {"L01": lambda: {"components": {"sync": {"downlink": {
                    "applied": dict.fromkeys(("roster", "registry", "lookouts", "manifests"), 1)}}}},
                "L02": lambda: {"components": {"sync": {"downlink": down}}}}
    with pytest.raises(RefdataNotApplied) as err:
        hq.wait_applied(statuses, {"roster": 1, "lookouts": 1}, timeout=0.3)
    assert err.value.code == "sim.refdata_not_applied" and err.value.fields["lane"] == "L02"
    assert "L02" in str(err.value) and "unknown_key" in str(err.value)
    assert hq.wait_applied({"L01": statuses["L01"]}, {"lookouts": 1}, timeout=0.3) < 0.3
    with pytest.raises(RefdataNotApplied, match="no sync component"):
        hq.wait_connected({"L01": lambda: {"components": {"lane": {}}}}, timeout=5.0)
