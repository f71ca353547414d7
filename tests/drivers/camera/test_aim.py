"""`aim_report`: what an installer is told from a few seconds of a camera's plate reads."""

from __future__ import annotations

from edge.drivers.camera.aim import GOOD_PLATE_WIDTH, aim_report, suggest_roi
from edge.models.plate_reader import PlateText


def _read(text: str, conf: float, width: int) -> PlateText:
    return PlateText(text, conf, (100, 400, width, width // 2))


def test_wide_plates_read_on_a_box_that_keeps_up_need_nothing() -> None:
    w = GOOD_PLATE_WIDTH + 20
    frames = [[], [_read("ABC123", 0.9, w)], [_read("ABC123", 0.95, w + 4)], [_read("ABC128", 0.6, w)]]
    report = aim_report(frames, [20.0, 25.0, 30.0, 22.0], sample_fps=10)
    assert report.ok and report.advice == []
    assert (report.frames, report.frames_with_plate) == (4, 3)
    assert [(p.text, p.frames, p.best_confidence, p.width) for p in report.plates] == [
        ("ABC123", 2, 0.95, w + 2),
        ("ABC128", 1, 0.6, w),
    ]
    assert report.plate_width == w and report.reader_ms == 23.5 and report.reader_fps == 42.6


def test_narrow_plates_are_told_to_be_zoomed_in() -> None:
    narrow = GOOD_PLATE_WIDTH - 40
    report = aim_report([[_read("ABC123", 0.9, narrow)]] * 3, [20.0] * 3, sample_fps=10)
    assert not report.ok and len(report.advice) == 1
    assert f"{narrow} px wide" in report.advice[0] and f"at least {GOOD_PLATE_WIDTH} px" in report.advice[0]


def test_no_plate_in_any_frame_says_so() -> None:
    report = aim_report([[], [], []], [15.0] * 3, sample_fps=10)
    assert report.plate_width is None and report.plates == []
    assert report.advice and report.advice[0].startswith("no plate read in 3 frames")


def test_a_reader_slower_than_the_sample_rate_is_reported() -> None:
    frames = [[_read("ABC123", 0.9, GOOD_PLATE_WIDTH)]] * 2
    assert aim_report(frames, [40.0, 40.0], sample_fps=30).advice == [
        "this box reads 25 frames/s and the camera hands it 30: frames will be dropped (counted); "
        "lower sample_fps, set a roi, or set detect = false"
    ]
    assert aim_report(frames, [40.0, 40.0], sample_fps=25).ok  # just keeps up


def test_a_roi_is_suggested_around_where_the_plates_passed() -> None:
    """A vehicle's plate read in several frames as it moves down the left half of the frame (the
    reader read frames scaled by half): the roi holds its path, widened by half a plate each side
    and a plate's height above and below, in source pixels; a one-frame misread elsewhere does not
    stretch it."""
    path = [[PlateText("ABC123", 0.9, (100 + 10 * i, 100 + 40 * i, 80, 40))] for i in range(5)]
    path[2].append(PlateText("XX99", 0.6, (600, 20, 60, 30)))  # once: not a vehicle's plate
    assert suggest_roi(path, (640, 360), scale=2.0) == (120, 120, 400, 560)
    # x 60..260, y 60..340 in the reader's pixels, doubled


def test_no_roi_when_plates_cover_the_frame_or_none_was_seen_enough() -> None:
    across = [[PlateText("ABC123", 0.9, (40 * i, 30 * i, 120, 60))] for i in range(10)]
    assert suggest_roi(across, (640, 360)) is None  # the region would leave out too little
    once = [[PlateText("ABC123", 0.9, (100, 100, 80, 40))], [], []]
    assert suggest_roi(once, (640, 360)) is None
