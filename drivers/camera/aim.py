"""Aiming a plate camera: what an installer learns from a few seconds of frames.

Pure: `aim_report` takes each frame's plate reads (in the pixels the reader read, after the
camera's `max_width` scaling) and the reader's time for each frame, and says what is read, how
wide the plates are, whether the box keeps up, and what to change. `lanectl diag camera
--plates` prints it.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from edge.models.plate_reader import PlateText

# The reader reads small plates worse. Exact reads by the plate's width in the 1280-wide frame,
# the whole pipeline (2026-11-27): tuning seed 4242, 1,000 synthetic scenes, 60-80 px 82%,
# 80-100 px 90%, 100-130 px 94%, 130 px and wider 98.4%; `python bench/run.py plates`
# (`plates_*_exact_wide` / `_narrow`): held-out synthetic 96.39% of 1,273 plates at 130 px or
# wider, 92.02% of 727 narrower; the 99 real scenes 13 of 14, and 52 of 85. Plates at least
# this wide are what a camera should be aimed and zoomed for.
GOOD_PLATE_WIDTH = 130


@dataclass(frozen=True, slots=True)
class PlateSeen:
    """One plate text over the frames it was read in."""

    text: str
    frames: int
    best_confidence: float
    width: int  # median width in the reader's pixels


@dataclass(frozen=True, slots=True)
class AimReport:
    """A few seconds of a camera as the plate reader saw them."""

    frames: int
    frames_with_plate: int
    plates: list[PlateSeen]
    plate_width: int | None  # median over every read, the reader's pixels; None: no plate
    reader_ms: float  # median time the reader took for a frame
    reader_fps: float  # frames a second this box reads (1000 / reader_ms)
    sample_fps: float  # frames a second the camera hands the reader
    advice: list[str] = field(default_factory=list)
    roi: list[int] | None = None  # a roi that holds where the plates passed (`suggest_roi`), if worth it

    @property
    def ok(self) -> bool:
        """Plates read, wide enough, and the box keeps up: nothing to change."""
        return not self.advice


def aim_report(
    reads: Sequence[Sequence[PlateText]], reader_ms: Sequence[float], sample_fps: float
) -> AimReport:
    """The report of frames whose plate reads are `reads` (one list per frame, in order), read
    in `reader_ms` each, for a camera handing `sample_fps` frames a second to the reader."""
    by_text: dict[str, list[PlateText]] = {}
    for frame in reads:
        for r in frame:
            by_text.setdefault(r.text, []).append(r)
    plates = [
        PlateSeen(text, len(rs), max(r.confidence for r in rs), _median_width(rs))
        for text, rs in by_text.items()
    ]
    plates.sort(key=lambda p: (-p.frames, -p.best_confidence))
    every = [r for frame in reads for r in frame]
    width = _median_width(every) if every else None
    ms = statistics.median(reader_ms) if reader_ms else 0.0
    fps = 1000.0 / ms if ms > 0 else 0.0
    report = AimReport(
        frames=len(reads),
        frames_with_plate=sum(1 for f in reads if f),
        plates=plates,
        plate_width=width,
        reader_ms=round(ms, 2),
        reader_fps=round(fps, 1),
        sample_fps=sample_fps,
    )
    return dataclasses.replace(report, advice=advice(report))


def _median_width(reads: Sequence[PlateText]) -> int:
    return round(statistics.median(r.box[2] for r in reads))


def advice(report: AimReport) -> list[str]:
    """What to change, in the installer's words; [] when nothing needs to."""
    out = []
    if report.frames and not report.frames_with_plate:
        out.append(
            f"no plate read in {report.frames} frames: drive a vehicle through, or check that the "
            "camera sees the plates (aim, roi, focus, light at night)"
        )
    if report.plate_width is not None and report.plate_width < GOOD_PLATE_WIDTH:
        out.append(
            f"plates are {report.plate_width} px wide in the frames the reader reads; aim or zoom "
            f"so they are at least {GOOD_PLATE_WIDTH} px: the reader reads small plates worse"
        )
    if report.reader_fps and report.sample_fps > report.reader_fps:
        out.append(
            f"this box reads {report.reader_fps:g} frames/s and the camera hands it {report.sample_fps:g}: "
            "frames will be dropped (counted); lower sample_fps, set a roi, or set detect = false"
        )
    return out


# A roi is suggested only when it leaves out this much of the frame or more: below, searching
# the whole frame costs little more.
ROI_MIN_SAVING = 0.4


def suggest_roi(reads: Sequence[Sequence[PlateText]], frame: tuple[int, int], scale: float = 1.0,
                min_frames: int = 3) -> tuple[int, int, int, int] | None:
    """The part of the frame where the plates passed, as a camera's `roi` ([x, y, w, h] in
    source pixels): the boxes of every plate read in `min_frames` frames or more (a vehicle's,
    not a one-frame misread), widened by half a plate each side and a plate's height above and
    below, within the frame (`frame`: width, height of the frames read, which are the source's
    scaled down by `scale`). None when no plate was seen often enough or the region would leave
    out less than `ROI_MIN_SAVING` of the frame."""
    counts: dict[str, int] = {}
    for f in reads:
        for r in {r.text for r in f}:
            counts[r] = counts.get(r, 0) + 1
    boxes = [r.box for f in reads for r in f if counts[r.text] >= min_frames]
    if not boxes:
        return None
    fw, fh = frame
    pw = statistics.median(b[2] for b in boxes)
    ph = statistics.median(b[3] for b in boxes)
    x0 = max(0, min(b[0] for b in boxes) - pw / 2)
    y0 = max(0, min(b[1] for b in boxes) - ph)
    x1 = min(fw, max(b[0] + b[2] for b in boxes) + pw / 2)
    y1 = min(fh, max(b[1] + b[3] for b in boxes) + ph)
    if (x1 - x0) * (y1 - y0) > (1 - ROI_MIN_SAVING) * fw * fh:
        return None
    return (round(x0 * scale), round(y0 * scale), round((x1 - x0) * scale), round((y1 - y0) * scale))
