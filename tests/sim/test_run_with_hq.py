"""`lane-sim run` with reference data from headquarters: signed snapshots before traffic,
deltas mid-run that change the truth of a later vehicle, hostile downlinks refused; and the
file fallback when headquarters is not simulated. Short runs (about 15-25 s of wall time)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from edge.sim.lane_hq import hq_missing
from edge.sim.report import build_report
from edge.sim.runner import prepare, run_scenario
from edge.sim.scenario import parse_scenario

SHORT: dict[str, Any] = {
    "name": "hq-short", "duration_s": 120, "speed": 15, "lanes": 1, "seed": 9,
    "population": {"members": 800, "travellers": 800, "manifests": 0},
    # 3-4 aboard, 30% without a card: documents in most cars, no car of documents only (such
    # a car has no crossing of its own without a camera and joins the next one)
    "traffic": {"lane_kinds": ["nexus"], "vehicles_per_hour": 150, "occupants": [3, 4],
                "no_card_rate": 0.3},
    "devices": {"camera": False},
    "refdata_updates": [  # each aimed at a later vehicle (first read >= 30 s after it)
        {"at_s": 1, "action": "lookout_add"}, {"at_s": 3, "action": "member_revoke"},
        {"at_s": 5, "action": "unknown_key"}, {"at_s": 7, "action": "bad_signature"},
        {"at_s": 9, "action": "malformed"}],
}


def quiet(*_a: object) -> None:
    pass


def checked_updates(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["action"]: u for u in rep["lanes"][0]["refdata"]["updates"]}


@pytest.mark.skipif(hq_missing() is not None, reason=f"headquarters: {hq_missing()}")
def test_headquarters_signs_the_lanes_reference_data_and_updates_it_mid_run(tmp_path: Path) -> None:
    sc = parse_scenario(dict(SHORT), "hq-short")
    rep = run_scenario(sc, tmp_path, with_daemon=True, log=quiet)
    s, lane = rep["summary"], rep["lanes"][0]
    assert s["daemons_exit"] == [0]
    cfg = tomllib.loads((tmp_path / "L01" / "lane.toml").read_text())
    assert list(cfg["mqtt"]["trusted_keys"]) == ["hq-sim"]  # nothing pre-loaded: its own file
    assert cfg["models"]["refdata_path"] == str(tmp_path.resolve() / "L01" / "refdata.sqlite")
    ref = lane["refdata"]
    assert s["refdata_path"] == ref["path"] == "headquarters"
    # 4 snapshots + 5 updates published; snapshots and 2 deltas applied; 3 hostile refused
    assert (ref["published"], ref["applied"], ref["refused"]) == (9, 6, 3), ref
    assert ref["versions"] == {"roster": 2, "registry": 1, "lookouts": 2, "manifests": 1}
    want = {"bad_signature": 1, "malformed": 1, "unknown_key": 1}
    assert ref["refused_by_reason"] == ref["refusals_injected"] == ref["refusals_at_hq"] == want
    assert s["refdata_refusals_as_injected"] is True
    checks = checked_updates(rep)
    assert checks["lookout_add"]["given"] is True and checks["member_revoke"]["given"] is True
    assert checks["unknown_key"]["given"] is False and checks["bad_signature"]["given"] is False
    assert [c["as_expected"] for c in checks.values()] == [True] * 4, checks  # all judged
    assert s["refdata_updates_as_expected"] is True
    assert rep["deterministic"]["refdata"]["roster"] == 800
    assert all(e.get("published") for e in rep["refdata_updates"]), rep["refdata_updates"]
    # same seed, same deterministic section, planned updates and their targets included
    _, again = prepare(sc)
    fresh = build_report(sc, again, [], [], 0.0, not_simulated={},
                         refdata=rep["deterministic"]["refdata"])
    assert fresh["deterministic"] == rep["deterministic"]
    assert [u["target"] for u in rep["deterministic"]["refdata_updates"]] == [
        checks[a]["target"] if a in checks else None for a in
        ("lookout_add", "member_revoke", "unknown_key", "bad_signature", "malformed")]


def test_without_headquarters_the_file_is_preloaded_and_updated_in_place(tmp_path: Path) -> None:
    sc = parse_scenario(dict(SHORT), "hq-short-file")
    sc = dataclasses.replace(sc, devices=dataclasses.replace(sc.devices, headquarters=False))
    rep = run_scenario(sc, tmp_path, with_daemon=True, log=quiet)
    s, ref = rep["summary"], rep["lanes"][0]["refdata"]
    assert s["refdata_path"] == ref["path"] == "preloaded"
    assert (ref["published"], ref["applied"], ref["refused"]) == (0, 2, 0), ref
    assert s["refdata_refusals_as_injected"] is None
    checks = checked_updates(rep)
    assert checks["lookout_add"]["given"] is True and checks["member_revoke"]["given"] is True
    hostile = [e for e in rep["refdata_updates"] if e["action"] in ("unknown_key", "malformed")]
    assert all(e["note"].startswith("not simulated") for e in hostile), hostile
    assert "mqtt" not in tomllib.loads((tmp_path / "L01" / "lane.toml").read_text())
