"""Audit chain, `lanectl score` / `lanectl audit verify`, and the population generator."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from edge.decision import audit
from edge.decision.engine import DecisionEngine
from edge.score_cli import audit_verify_main
from edge.score_cli import main as score_main
from edge.sim import population as P

from .conftest import T0, crossing, doc, snapshot_changes


def _log(path: Path, n: int = 5) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for i in range(n):
        audit.append(conn, "recommendation", {"i": i, "text": "é"}, crossing_id=f"C{i}", ts=T0 + i)
    return conn


def test_chain_verifies_and_is_append_only(tmp_path: Path) -> None:
    conn = _log(tmp_path / "a.sqlite")
    res = audit.verify_chain(conn)
    assert res.ok
    assert res.entries == 5
    assert res.head_seq == 5
    assert audit.head(conn) == (5, res.head_hash)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE audit SET body = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM audit WHERE seq = 2")


def _tamper(conn: sqlite3.Connection, sql: str) -> None:
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute(sql)


@pytest.mark.parametrize(
    ("sql", "problem", "bad"),
    [
        ("UPDATE audit SET body = '{\"i\":9}' WHERE seq = 3", "audit.altered", 3),
        ("DELETE FROM audit WHERE seq = 3", "audit.gap", 4),
        ("UPDATE audit SET prev_hash = hash WHERE seq = 2", "audit.broken_link", 2),
    ],
)
def test_tampering_is_detected(tmp_path: Path, sql: str, problem: str, bad: int) -> None:
    conn = _log(tmp_path / "a.sqlite")
    _tamper(conn, sql)
    res = audit.verify_chain(conn)
    assert not res.ok
    assert res.problem == problem
    assert res.bad_seq == bad


def test_truncated_tail_detected_against_recorded_head(tmp_path: Path) -> None:
    conn = _log(tmp_path / "a.sqlite")
    recorded = audit.head(conn)
    _tamper(conn, "DELETE FROM audit WHERE seq = 5")
    assert audit.verify_chain(conn).ok  # a shorter chain is still a chain...
    assert audit.verify_chain(conn, recorded).problem == "audit.head"  # ...but not the one sent


def test_recommendation_and_officer_decision_recorded(
    tmp_path: Path, engine: DecisionEngine
) -> None:
    conn = sqlite3.connect(tmp_path / "a.sqlite", isolation_level=None)
    rec = engine.decide(crossing("passenger", documents=[doc()]))
    audit.record_recommendation(conn, rec)
    audit.record_officer_decision(conn, rec.crossing_id, "officer-17", "release")
    rows = conn.execute("SELECT kind, body FROM audit ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == ["recommendation", "officer_decision"]
    assert json.loads(rows[0][1])["versions"]["model"].startswith("risk-lr-")
    assert audit.verify_chain(conn).ok


def test_audit_verify_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.sqlite"
    conn = _log(path)
    assert audit_verify_main(["--store", str(path)]) == 0
    assert "OK: 5 entries" in capsys.readouterr().out
    _tamper(conn, "UPDATE audit SET actor = 'x' WHERE seq = 1")
    conn.close()
    assert audit_verify_main(["--store", str(path), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problem"] == "audit.altered"
    assert audit_verify_main(["--store", str(tmp_path / "none.sqlite")]) == 2


def _score(monkeypatch: pytest.MonkeyPatch, payload: str, argv: list[str]) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(payload))
    return score_main(argv)


def test_score_cli_text_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from edge.decision.refdata import RefData

    ref_path = tmp_path / "ref.sqlite"
    ref = RefData(ref_path)
    ref.apply(snapshot_changes("v5"))
    ref.close()
    facts = json.dumps(
        crossing(
            "nexus",
            card_ids=["N1"],
            declared_occupants=1,
            plate={"text": "ABC123", "confidence": 0.9},
        ).to_dict()
    )
    assert _score(monkeypatch, facts, ["--refdata", str(ref_path)]) == 0
    out = capsys.readouterr().out
    assert "recommendation: proceed_nexus" in out
    assert "fr: Tous les occupants" in out
    assert "refdata.roster: v5" in out
    assert (
        _score(
            monkeypatch,
            facts,
            ["--json", "--refdata", str(ref_path), "--model", str(tmp_path / "gone.onnx")],
        )
        == 0
    )
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    assert body["action"] == "refer"
    assert body["reasons"][0]["code"] == "model_unavailable"
    assert "model unavailable" in captured.err


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[]",
        '{"lane_kind": "bus"}',
        '{"lane_kind": "nexus", "card_ids": [1]}',
        '{"lane_kind": "nexus", "surprise": 1}',
    ],
)
def test_score_cli_rejects_bad_input(monkeypatch: pytest.MonkeyPatch, payload: str) -> None:
    assert _score(monkeypatch, payload, []) == 2


def test_score_cli_help_documents_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        score_main(["--help"])
    assert "stdin" in capsys.readouterr().out


def test_population_is_deterministic_and_well_formed() -> None:
    cfg = P.PopulationConfig(seed=5, members=300, travellers=300, manifests=50)
    a, b = P.generate(cfg), P.generate(cfg)
    assert a == b
    assert P.generate(P.PopulationConfig(seed=6, members=300, travellers=300)) != a
    ids = [m.card_id for m in a.members]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9A-F]{24}", c) for c in ids)
    assert {m.status for m in P.generate(P.PopulationConfig(members=3000)).members} == {
        "active",
        "suspended",
        "revoked",
    }
    assert len(a.manifests) == 50


def test_labelled_crossings_parse_and_mix(tmp_path: Path) -> None:
    from edge.decision.facts import from_dict

    pop = P.generate(P.PopulationConfig(seed=2, members=500, travellers=500, manifests=100))
    items = list(P.labelled_crossings(pop, 400, seed=1))
    assert items == list(P.labelled_crossings(pop, 400, seed=1))
    assert {from_dict(x.crossing).lane_kind for x in items} == {
        "nexus",
        "fast",
        "passenger",
        "commercial",
    }
    assert 0 < sum(x.should_refer for x in items) < 200
    paths = P.write_population(pop, tmp_path)
    first = json.loads(paths["roster"].read_text().splitlines()[0])
    assert first["_meta"]["dataset"] == "roster"
