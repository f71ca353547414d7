"""Reference data: snapshots, deltas, versions, files, tolerant matching, consistent reads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.decision.matching import name_key, plate_key, surname_index_key
from edge.decision.refdata import Change, RefData
from edge.decision.refdata_files import change_from_file, load_files, write_jsonl
from edge.decision.refdata_schema import RefDataError

from .conftest import MEMBERS


def test_snapshot_then_delta(refdata: RefData) -> None:
    refdata.apply(
        [
            Change(
                "roster",
                "delta",
                "2",
                [
                    {"op": "delete", "card_id": "N2"},
                    {"card_id": "N9", "programme": "NEXUS", "surname": "New", "status": "active"},
                ],
                from_version="1",
            )
        ]
    )
    with refdata.snapshot() as snap:
        assert snap.versions["roster"] == "2"
        assert snap.versions["lookouts"] == "1"
        assert snap.member("n2") is None
        assert snap.member("N9") is not None
    assert refdata.count("roster") == len(MEMBERS)


def test_delta_on_wrong_version_is_refused(refdata: RefData) -> None:
    with pytest.raises(RefDataError, match="version"):
        refdata.apply([Change("roster", "delta", "3", [], from_version="2")])
    assert refdata.versions()["roster"] == "1"


def test_bad_record_rolls_back_everything(refdata: RefData) -> None:
    good = {"card_id": "N9", "programme": "NEXUS", "surname": "X", "status": "active"}
    bad = {"card_id": "N8", "programme": "NEXUS", "surname": "Y", "status": "sleeping"}
    with pytest.raises(RefDataError):
        refdata.apply(
            [
                Change("lookouts", "snapshot", "9", []),
                Change("roster", "delta", "2", [good, bad], from_version="1"),
            ]
        )
    assert refdata.versions() == {"roster": "1", "registry": "1", "lookouts": "1", "manifests": "1"}
    with refdata.snapshot() as snap:
        assert snap.member("N9") is None
    assert refdata.count("lookouts") == 4


def test_jsonl_and_csv_files(tmp_path: Path) -> None:
    jl = tmp_path / "roster.jsonl"
    write_jsonl(jl, MEMBERS, {"dataset": "roster", "kind": "snapshot", "version": "7"})
    csv_path = tmp_path / "lookouts.csv"
    csv_path.write_text(
        "lookout_id,kind,value,reason_code,expiry\n"
        "L1,plate,ab c-12,LO-X,\nL2,document,XY1,LO-Y,2099-01-01\n"
    )
    ref = RefData(tmp_path / "r.sqlite")
    try:
        load_files(
            ref, change_from_file(jl), change_from_file(csv_path, dataset="lookouts", version="c1")
        )
        assert ref.versions()["roster"] == "7"
        assert ref.versions()["lookouts"] == "c1"
        with ref.snapshot() as snap:
            assert [h.lookout_id for h in snap.lookout_plate("ABC 12", "2025-01-01")] == ["L1"]
            assert snap.member("N1") is not None
    finally:
        ref.close()


def test_file_without_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_jsonl(path, MEMBERS)
    with pytest.raises(RefDataError):
        change_from_file(path)


def test_newer_schema_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "r.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RefDataError, match="newer"):
        RefData(path)


@pytest.mark.parametrize(
    ("seen", "given_names", "hit"),
    [
        ("MUELLER", "JURGEN", True),  # ICAO transliteration
        ("MULLER", "JUERGEN", True),
        ("Müller", "Jürgen", True),
        ("MUEL", "J", True),  # truncated
        ("MU", "JURGEN", False),  # too short to be a truncation
        ("MULLER", "PETER", False),  # other given name
    ],
)
def test_tolerant_name_lookout(refdata: RefData, seen: str, given_names: str, hit: bool) -> None:
    with refdata.snapshot() as snap:
        hits = snap.lookout_name(seen, given_names, "1970-05-05", "2025-06-01")
    assert bool(hits) is hit


def test_name_lookout_birth_date_must_agree(refdata: RefData) -> None:
    with refdata.snapshot() as snap:
        assert not snap.lookout_name("MULLER", "JURGEN", "1971-01-01", "2025-06-01")
        assert snap.lookout_name("MULLER", "JURGEN", None, "2025-06-01")


def test_plate_and_document_keys_fold_ocr_confusions() -> None:
    assert plate_key("B0S-12I") == plate_key("80s 121")
    assert name_key("D'Arcy-Côté") == "D ARCY COTE"
    assert surname_index_key("D'ARCY") == surname_index_key("DARCY")


@given(st.text(max_size=30))
def test_name_key_is_idempotent(text: str) -> None:
    k = name_key(text)
    assert name_key(k) == k
    assert all(c == " " or "A" <= c <= "Z" for c in k)


def test_concurrent_updates_never_show_a_mixed_version(tmp_path: Path) -> None:
    """A writer rewrites every member and lookout per version; readers check each snapshot."""
    ref = RefData(tmp_path / "c.sqlite")
    cards = [f"C{i:03d}" for i in range(40)]

    def tag(v: int) -> str:
        return "V" + "".join(chr(65 + int(d)) for d in str(v))

    def change(v: int) -> list[Change]:
        return [
            Change(
                "roster",
                "snapshot",
                str(v),
                [
                    {"card_id": c, "programme": "NEXUS", "surname": tag(v), "status": "active"}
                    for c in cards
                ],
            ),
            Change(
                "lookouts",
                "snapshot",
                str(v),
                [{"lookout_id": f"L{v}", "kind": "plate", "value": f"P{v}", "reason_code": "R"}],
            ),
        ]

    ref.apply(change(0))
    stop = threading.Event()
    errors: list[str] = []
    checked = [0]

    def reader() -> None:
        while not stop.is_set():
            with ref.snapshot() as snap:
                v = snap.versions["roster"]
                if snap.versions["lookouts"] != v:
                    errors.append("versions differ")
                names = {snap.member(c).surname for c in cards}  # type: ignore[union-attr]
                if names != {tag(int(v))}:
                    errors.append(f"mixed members {names} at {v}")
                if not snap.lookout_plate(f"P{v}", "2025-01-01"):
                    errors.append("lookout of another version")
            checked[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for v in range(1, 40):
            ref.apply(change(v))
    finally:
        stop.set()
        for t in threads:
            t.join()
        ref.close()
    assert not errors, errors[:3]
    assert checked[0] > 10
