"""Pure parts of the runner and report: officer behaviour, garbage timing, plate accuracy."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge.sim.lane_camera import plate_accuracy
from edge.sim.lane_players import READ_TIMEOUT_S, garbage_times
from edge.sim.runner import officer_action
from edge.sim.scenario import Fault


def test_officer_follows_or_overrides_the_recommendation() -> None:
    assert officer_action("proceed_nexus", True) == "release"
    assert officer_action("release_recommended", True) == "release"
    assert officer_action("refer", True) == "refer"
    assert officer_action("redirect_commercial", True) == "redirect"
    assert officer_action("proceed_nexus", False) == "refer"
    assert officer_action("refer", False) == "release"
    assert officer_action(None, True) == "refer"  # nothing recommended yet: be careful


@given(st.lists(st.floats(0, 500), max_size=30), st.integers(1, 8), st.floats(1, 60))
def test_mrz_garbage_never_lands_on_a_real_scan(scan_times: list[float], count: int,
                                                speed: float) -> None:
    scans = tuple((t, 0, 0) for t in sorted(scan_times))
    times = garbage_times([Fault(at_s=100, kind="garbage", device="mrz", count=count)], scans, speed)
    assert len(times) == count
    for g in times:
        for t, _, _ in scans:
            assert not (g - 0.3 * speed <= t <= g + (READ_TIMEOUT_S + 0.6) * speed)


def test_plate_accuracy_counts_exact_wrong_and_unread() -> None:
    def crossing(*texts: tuple[str, int]) -> dict:
        return {"plates": [{"text": t, "reads": n, "confidence": 0.9} for t, n in texts]}

    pairs = [("ABC 123", crossing(("abc-123", 3))), ("XYZ999", crossing(("XYZ998", 5), ("XYZ999", 1))),
             ("QQQ111", crossing()), ("RRR222", None)]
    acc = plate_accuracy(pairs)
    misses = acc.pop("misses")
    assert acc == {"vehicles": 4, "exact": 1, "wrong": 1, "unread": 2, "on_another_vehicle": 0,
                   "exact_pct": 25.0}
    swapped = [("AAA111", crossing(("BBB222", 2))), ("BBB222", crossing(("AAA111", 2)))]
    assert plate_accuracy(swapped)["on_another_vehicle"] == 2
    assert [(m["truth"], m["read"]) for m in misses] == [
        ("XYZ999", "XYZ998"), ("QQQ111", None), ("RRR222", None)]
