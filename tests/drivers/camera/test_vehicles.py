"""Grouping per-frame reads into vehicles: one report per vehicle, early when sure."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.camera.vehicles import VehiclePolicy, VehicleTracker, distance, similar
from edge.models.plate_reader.vote import PlateText

BOX = (10, 10, 100, 50)


def r(text: str, conf: float = 0.9) -> PlateText:
    return PlateText(text, conf, BOX)


def test_distance_and_similarity() -> None:
    assert distance("ABC1234", "ABC1234") == 0
    assert distance("ABC1234", "ABCI234") == 1
    assert distance("ABC123", "ABC1234") == 1
    assert similar("ABC1234", "A8C1Z34")
    assert not similar("ABC1234", "XYZ789")


def test_one_report_per_vehicle_early_when_confident() -> None:
    t = VehicleTracker(VehiclePolicy(gap_s=1.0, emit_after_reads=3))
    out = []
    for i in range(10):
        out += t.observe(i * 0.1, [r("ABC1234")])
    assert [d.vote.text for d in out] == ["ABC1234"]
    assert out[0].final is False and out[0].first_ts == 0.0
    out += t.observe(1.0, [])
    out += t.idle(5.0)
    assert len(out) == 1  # already reported: the gap closes it silently
    assert t.current is None


def test_misreads_are_outvoted() -> None:
    t = VehicleTracker(VehiclePolicy(emit_after_reads=0))
    for i, text in enumerate(["ABCI234", "ABC1234", "ABC1234", "A8C1234", "ABC1234"]):
        assert t.observe(i * 0.1, [r(text, 0.8)]) == []
    (d,) = t.idle(10.0)
    assert d.vote.text == "ABC1234" and d.final and d.vote.reads == 5


def test_gap_separates_two_cars_with_the_same_plate_text() -> None:
    t = VehicleTracker(VehiclePolicy(gap_s=1.0, emit_after_reads=0))
    out = []
    for ts in (0.0, 0.1, 0.2, 3.0, 3.1, 3.2):
        out += t.observe(ts, [r("ABC1234")])
    out += t.flush()
    assert [d.first_ts for d in out] == [0.0, 3.0]


def test_clearly_different_plate_starts_a_new_vehicle_without_gap() -> None:
    t = VehicleTracker(VehiclePolicy(gap_s=5.0, emit_after_reads=0, change_frames=2))
    out = []
    seq = ["ABC1234"] * 4 + ["XYZ789"] + ["ABC1234"] + ["XYZ789"] * 4
    for i, text in enumerate(seq):
        out += t.observe(i * 0.1, [r(text)])
    out += t.flush()
    # the lone XYZ789 between two ABC1234 frames did not split; two in a row did
    assert [d.vote.text for d in out] == ["ABC1234", "XYZ789"]
    assert out[1].first_ts == pytest.approx(0.6)


def test_part_of_the_plate_read_for_a_few_frames_does_not_split_the_vehicle() -> None:
    t = VehicleTracker(VehiclePolicy(gap_s=5.0, emit_after_reads=0, change_frames=2))
    out = []
    seq = ["7XYZ123"] * 4 + ["Z123", "Z123", "XYZ123"] + ["7XYZ123"] * 3  # cut by a small box
    for i, text in enumerate(seq):
        out += t.observe(i * 0.1, [r(text)])
    out += t.flush()
    assert [d.vote.text for d in out] == ["7XYZ123"]


def test_weak_vehicle_is_reported_low_confidence_at_the_end() -> None:
    t = VehicleTracker(VehiclePolicy(emit_after_reads=3, min_confidence=0.6))
    out = []
    for i in range(5):
        out += t.observe(i * 0.1, [r("ABC1234", 0.3)])
    assert out == []  # never sure enough to report early
    (d,) = t.idle(9.0)
    assert d.vote.low_confidence and d.vote.text == "ABC1234"


def test_a_single_read_is_not_a_vehicle() -> None:
    t = VehicleTracker(VehiclePolicy(min_reads=2))
    assert t.observe(0.0, [r("RRR", 0.5)]) == []
    assert t.idle(10.0) == []
    assert t.discarded == 1


def test_best_frame_is_kept_for_the_crop_and_next_lane_reads_ignored() -> None:
    t = VehicleTracker(VehiclePolicy(emit_after_reads=0))
    t.observe(0.0, [r("ABC1234", 0.7)], frame="f0")
    t.observe(0.1, [r("ABC1234", 0.95), r("QQQ999", 0.99)], frame="f1")
    t.observe(0.2, [r("ABC1234", 0.8)], frame="f2")
    (d,) = t.flush()
    assert d.best.frame == "f1" and d.vote.text == "ABC1234" and d.vote.reads == 3


def test_a_slogan_read_beside_the_plate_does_not_take_its_place() -> None:
    t = VehicleTracker(VehiclePolicy(emit_after_reads=3, dominance=2.0))
    out = []
    frames = [[r("HEATING", 0.9), r("JHN4410", 0.7)]] + [[r("JHN4410", 0.9), r("HEATING", 0.6)]] * 5
    for i, reads in enumerate(frames):
        out += t.observe(i * 0.1, reads, frame=i)
    assert out == []  # neither text clearly dominates yet: no early guess
    for i in range(6, 10):
        out += t.observe(i * 0.1, [r("JHN4410", 0.9)], frame=i)
    (d,) = out  # now the plate outweighs the slogan twice over
    assert d.vote.text == "JHN4410" and not d.final and d.best.read.text == "JHN4410"
    assert t.flush() == []


def test_competing_texts_are_decided_when_the_vehicle_leaves() -> None:
    t = VehicleTracker(VehiclePolicy(emit_after_reads=3))
    for i in range(6):
        assert t.observe(i * 0.1, [r("B52FJK", 0.8), r("COOLNG", 0.6)]) == []
    (d,) = t.idle(5.0)
    assert d.vote.text == "B52FJK" and d.final


_texts = st.sampled_from(["ABC1234", "ABCI234", "XYZ789", "KDR2231", "HEATING"])
_frame = st.tuples(st.floats(0.01, 3.0), st.lists(st.tuples(_texts, st.floats(0.05, 1.0)), max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.lists(_frame, max_size=60), st.integers(0, 4), st.integers(1, 3))
def test_never_more_than_one_report_per_vehicle(frames, emit_after: int, change: int) -> None:
    t = VehicleTracker(VehiclePolicy(gap_s=1.0, emit_after_reads=emit_after, change_frames=change))
    out, ts = [], 0.0
    for dt, reads in frames:
        ts += dt
        out += t.observe(ts, [r(text, conf) for text, conf in reads])
    out += t.flush()
    assert t.current is None
    assert len(out) + t.discarded <= t.vehicles
    assert all(d.vote.text and 0 <= d.vote.confidence <= 1 for d in out)
    assert [d.first_ts for d in out] == sorted(d.first_ts for d in out)
