"""`PlateReader`: find plates in a BGR frame and read them with the ONNX OCR model."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.models.plate_reader.ctc import decode
from edge.models.plate_reader.detect import PlateDetector
from edge.models.plate_reader.errors import PlateImageError
from edge.models.plate_reader.locate import (
    Box,
    LocateParams,
    candidates,
    character_rows,
    find_row,
    plate_box,
    shrink,
)
from edge.models.plate_reader.regions import REGION_WORDS
from edge.models.plate_reader.session import open_session
from edge.models.plate_reader.stacked import in_line, stacked_pair
from edge.models.plate_reader.vote import PlateText

log = logging.getLogger(__name__)

INPUT_H, INPUT_W = 32, 128
MIN_LEN, MAX_LEN = 2, 8
SHORT_LEN, SHORT_MIN_CONFIDENCE = 4, 0.8  # 2-3 character reads are mostly not plates
# Second look at plausible candidates: the localiser's box is a few pixels off as often as not,
# so each plausible candidate is read again from slightly different crops (left, top, right,
# bottom margins as fractions of the box) and the crops vote. Only candidates whose first read
# looks like a plate get the extra reads, so a frame costs a few more OCR runs, not 5x.
VARIANTS: tuple[tuple[float, float, float, float], ...] = (
    (-0.06, 0.0, -0.06, 0.0),
    (0.0, 0.08, 0.0, 0.08),
    (0.05, 0.05, 0.05, 0.05),
    (-0.03, -0.05, -0.03, -0.05),
)
PLAUSIBLE = 0.05  # first-read confidence below which a candidate gets no second look
# ... and at or above which a plate-length read gets none either: the second look rarely
# changes such a read, and skipping it saves a fifth of a frame's OCR runs (500 synthetic
# scenes of a tuning seed, 4242: 12.9 -> 10.0 runs per frame, 464 of 500 plates right either
# way; a threshold of 0.9 lost one)
SURE = 0.95
# a first read this much longer than a plate may be one with a bolt or the frame's edge read as
# a character or two (15ZUC9721): the shifted crops of the second look often leave them out
LOOK_AGAIN_EXTRA = 2
AS_IS = (0.0, 0.0, 0.0, 0.0)
# An image that is already a plate crop (a camera's own crop, `lanectl plate read`) usually
# carries the frame, state name and slogan around the characters: its second look only zooms in.
CROP_VARIANTS: tuple[tuple[float, float, float, float], ...] = (
    (-0.05, 0.0, -0.05, 0.0),
    (0.0, -0.12, 0.0, -0.12),
    (-0.04, -0.06, -0.04, -0.06),
    (-0.08, -0.15, -0.08, -0.15),
)


# The box refined around a row of characters can leave out characters before the row (two
# small stacked ones, or a first group set apart by an emblem) that the candidate's edge box
# takes in: its read then ends with the refined one's (M3316 / HLM3316). The longer read is
# taken when it is at least this share as confident (tuning seeds, 2026-11-27: stacked
# scenes of seed 778 215 -> 225 of 300, flat 4242 940 -> 942 of 1,000, textured 4545
# 242 -> 243 of 300; 0.3 gave the same, 0.8 222 stacked). A row broken by a gap, a bolt or
# a grille's bar leaves out characters at either end, or both (V267L / V267LM, D22 /
# AD2296): any longer read that holds the shorter one counts (the same day, after
# `_bars`: textured 245 -> 246, flat and stacked the same; of the 1,600 scenes, 2 wrong reads
# became right, 2 became no read and 1 right one gained a character, 2358FC read 2358FCO)
LONGER_SHARE = 0.5


def _is_plate_length(text: str) -> bool:
    """A plate has 2 to 8 characters; a longer or shorter read is something else."""
    return MIN_LEN <= len(text) <= MAX_LEN


def _worth_second_look(text: str, conf: float) -> bool:
    """A first read that may be a plate (or one with a bolt read as a character), but is not
    already sure."""
    if not MIN_LEN <= len(text) <= MAX_LEN + LOOK_AGAIN_EXTRA or conf < PLAUSIBLE:
        return False
    return not (_is_plate_length(text) and conf >= SURE)


# The learned detector is asked only when the edge search has not settled the frame: a plate
# number read at least this sure that two of its boxes read alike on their first look (the
# edge box and the row's box around the characters, or two candidates). A sure read alone did
# not settle it: a textured bumper sometimes reads as a plate, and the detector then finds the
# plate itself. Tuning seeds, 2026-11-27 (AMD EPYC without VNNI, /tmp scripts around the
# reader): asking the detector on every frame, flat 4242 956 of 1,000, stacked 778 233 of 300,
# textured 4545 281 of 300, 38.7 ms a frame (200 flat scenes, best of three passes); at 0.9
# and two boxes alike 956, 234, 281 and 27.5 ms (the detector asked on 87 of 300 flat scenes,
# 230 of 300 stacked, 157 of 300 textured); at 0.95 the same reads; at 0.8
# stacked 233 (one gained, one lost); at 0.5 955, 232, 281. A sure read without the second
# box: at 0.95 textured 278 (two textures read as plates, one short read), 23.6 ms; at 0.98
# 956, 234, 280, 34.5 ms. Real scenes 65 of 99 in each case tried.
SETTLED = 0.9


def settled(reads: list[PlateText], alike: set[str]) -> bool:
    """Whether a frame's reads so far hold its plate: a plate number (not a state's name) read
    at least `SETTLED` sure, that two or more boxes read alike on their first look (`alike`)."""
    return any(_is_number(r) and r.confidence >= SETTLED and r.text in alike for r in reads)


def second_looks(firsts: list[tuple[str, float]]) -> list[int]:
    """Which of a frame's boxes get a second look, by their first reads: those worth one
    (`_worth_second_look`), unless another box of the frame already read the same text surely:
    the same plate, whose sure read the extra crops would at most echo. Tuning seeds, 2026-11-27
    (AMD EPYC without VNNI): flat 4242 13.5 -> 9.5 crops a frame, 956 of 1,000 either way;
    stacked 778 18.3 -> 17.0, 234 -> 233 of 300; textured 4545 19.4 -> 16.1, 281 either way;
    real scenes 65 of 99 either way. Skipping also the boxes that overlap a sure one, whatever
    they read, saved 0.6 crops more and lost 3 flat and 1 textured."""
    sure = {text for text, conf in firsts if _is_plate_length(text) and conf >= SURE}
    return [i for i, (text, conf) in enumerate(firsts) if _worth_second_look(text, conf) and text not in sure]


def default_model_path() -> Path:
    """The OCR model shipped in `edge.models.plates`."""
    return Path(str(resources.files("edge.models.plates").joinpath("plate_ocr.onnx")))


def _to_grey(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        raise PlateImageError("image must be a non-empty uint8 array")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise PlateImageError("image must be grey, BGR or BGRA", shape=list(image.shape))


def _crop_variant(grey: npt.NDArray[Any], box: Box, v: tuple[float, float, float, float]) -> npt.NDArray[Any]:
    x, y, w, h = box
    left, top, right, bottom = v
    x0, y0 = max(0, int(x - w * left)), max(0, int(y - h * top))
    x1 = min(grey.shape[1], int(x + w * (1 + right)))
    y1 = min(grey.shape[0], int(y + h * (1 + bottom)))
    roi = grey[y0:y1, x0:x1]
    interp = cv2.INTER_AREA if roi.shape[1] > INPUT_W else cv2.INTER_LINEAR
    return cv2.resize(roi, (INPUT_W, INPUT_H), interpolation=interp)


def combine(reads: list[tuple[str, float]]) -> tuple[str, float]:
    """One candidate's reads from several crops -> (text, confidence).

    Plausible texts vote with their confidences; the winner's confidence is its best read's,
    capped at twice its mean over all crops (a crop that read something else counts zero), so
    crops that disagree lower it.
    """
    votes: dict[str, float] = {}
    for text, conf in reads:
        if _is_plate_length(text):
            votes[text] = votes.get(text, 0.0) + conf
    if not votes:
        return reads[0]
    text, total = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
    best = max(c for t, c in reads if t == text)
    return text, min(best, 2.0 * total / len(reads))


Reads = list[tuple[str, float]]


@dataclass(slots=True)
class FrameReads:
    """What the reader has made of one frame so far, so that no crop is read twice: each box's
    reads (a box found by the edge search and again by the detector is read once), the rows
    with stacked characters drawn in one line (`stacked.in_line`, under the row's plate box)
    and those lines' reads."""

    grey: npt.NDArray[Any]
    done: dict[Box, Reads] = field(default_factory=dict)
    lines: dict[Box, npt.NDArray[Any]] = field(default_factory=dict)
    line_reads: dict[Box, Reads] = field(default_factory=dict)


class PlateReader:
    """Localise and read licence plates; an onnxruntime session for the OCR and one for the
    detector (unless `detect` is off), both warmed at construction."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        intra_op_threads: int = 1,
        min_confidence: float = 0.5,
        locate: LocateParams | None = None,
        second_look: bool = True,
        refine_boxes: bool = True,
        unstack: bool = True,
        detector_model: str | Path | None = None,
        detect: bool = True,
    ) -> None:
        path = Path(model_path) if model_path is not None else default_model_path()
        blank = np.zeros((1, 1, INPUT_H, INPUT_W), np.float32)
        self._session = open_session(path, intra_op_threads, "plate OCR", blank)
        self._input = self._session.get_inputs()[0].name
        self.model_path = path
        self.min_confidence = min_confidence
        self.locate = locate if locate is not None else LocateParams()
        self.second_look = second_look
        self.refine_boxes = refine_boxes
        self.unstack = unstack
        # the learned detector (`detect`), loaded with the OCR so a broken file fails here
        self.detector = PlateDetector(detector_model, intra_op_threads) if detect else None

    def _ocr(self, batch: npt.NDArray[Any]) -> list[tuple[str, float]]:
        out = self._session.run(None, {self._input: batch})[0]
        return [decode(out[i]) for i in range(out.shape[0])]

    def _looks(
        self,
        places: list[tuple[npt.NDArray[Any], Box]],
        looks: tuple[tuple[float, float, float, float], ...],
    ) -> list[list[tuple[str, float]]]:
        """Each (grey image, box) read once per look (margins, see `_crop_variant`), in one
        batch: the reads of each place, in order. A place given twice in one call (two
        candidates often refine to the very same box) is read once: its crops are the same.
        (Across the calls of one frame, `_read_groups` keeps what was read.)"""
        if not places:
            return []
        n = len(looks)
        first: dict[tuple[int, Box], int] = {}  # (image, box) -> its place in the batch
        unique: list[tuple[npt.NDArray[Any], Box]] = []
        rows = []
        for grey, box in places:
            key = (id(grey), box)
            if key not in first:
                first[key] = len(unique)
                unique.append((grey, box))
            rows.append(first[key])
        batch = np.empty((len(unique) * n, 1, INPUT_H, INPUT_W), np.float32)
        for i, (grey, box) in enumerate(unique):
            for k, v in enumerate(looks):
                batch[i * n + k, 0] = _crop_variant(grey, box, v)
        reads = self._ocr(batch)
        return [reads[i * n : (i + 1) * n] for i in rows]

    def read_crops(self, crops: list[npt.NDArray[Any]]) -> list[tuple[str, float]]:
        """OCR already-cut plate images (grey or BGR): [(text, confidence)] in order (with the
        second look, each crop is also read zoomed in a little and the reads vote)."""
        if not crops:
            return []
        looks = (AS_IS, *CROP_VARIANTS) if self.second_look else (AS_IS,)
        greys = [_to_grey(c) for c in crops]
        reads = self._looks([(g, (0, 0, g.shape[1], g.shape[0])) for g in greys], looks)
        return [combine(r) for r in reads]

    def read(self, image: npt.NDArray[Any]) -> list[PlateText]:
        """Plates in a BGR (or grey) frame, most confident first; [] when there is none.

        Candidates come from the edge search, then, unless its reads settle the frame
        (`settled`: a sure number that two boxes read alike), from the learned detector
        (`PlateDetector`, which finds plates the edges join to a grille, and whose box around a
        plate the edges found too often reads better than theirs); only when they give no plate
        number (`has_number`) are the rows of characters found by `character_rows` read (a
        textured bumper or a grainy sensor can hide a plate's edges): that costs a frame with a
        plate nothing, an empty one a few milliseconds more.
        """
        grey = _to_grey(image)
        # each candidate is read from its edge blob and, when a row of characters is found in
        # it, from the plate-like box around them (reported, since it is the plate's); each
        # box's reads vote and the more confident box's winner is the candidate's read, or the
        # edge box's when it reads characters the row left out (`pick`) (one vote over both
        # boxes' reads: 2 fewer of 99 real scenes, the same synthetic ones)
        shrunk = shrink(grey, self.locate)
        frame = FrameReads(grey)
        groups = self._groups(frame, [b for b, _ in candidates(grey, self.locate, shrunk)])
        h, w = grey.shape
        if w <= 480 and 1.2 <= w / h <= 5.0:  # the image may itself be a plate crop
            groups.append([(0, 0, w, h)])
        reads, alike = self._read_groups(frame, groups)
        if self.detector is not None and not settled(reads, alike):
            boxes = [b for b, _ in self.detector.boxes(grey)]
            found, _ = self._read_groups(frame, self._groups(frame, boxes))
            reads = distinct(reads + found)
        if not has_number(reads) and self.locate.row_candidates:
            # a row's box is already the plate's around its characters: no refinement
            rows_found = [[b] for b, _ in character_rows(grey, self.locate, shrunk)]
            rows, _ = self._read_groups(frame, rows_found)
            reads = distinct(reads + rows)
        return reads

    def _groups(self, frame: FrameReads, boxes: list[Box]) -> list[list[Box]]:
        """Each candidate's boxes: the row's box around its characters (`find_row`,
        `plate_box`), when one is found, then the candidate's own. A row with two small
        characters stacked before it also gives the plate drawn in one line
        (`stacked.in_line`), kept in `frame.lines` under the row's box for `_read_groups`."""
        grey, lines = frame.grey, frame.lines
        groups: list[list[Box]] = []
        for b in boxes:
            row = find_row(grey, b) if self.refine_boxes else None
            if row is None:
                groups.append([b])
                continue
            better = plate_box(grey, row.box)
            groups.append([better, b])
            pair = stacked_pair(row) if self.unstack else None
            if pair is not None and better not in lines:
                lines[better] = in_line(grey, row, pair)
        return groups

    def _read_groups(self, frame: FrameReads, groups: list[list[Box]]) -> tuple[list[PlateText], set[str]]:
        """One read per group of boxes (the boxes of one candidate, and its row drawn in one
        line when it has stacked characters), kept when plate-like; and the texts that two or
        more distinct boxes read alike on their first look. A box an earlier call for the same
        frame read (the edge search's, when the detector's are read) is not read again:
        `frame.done` holds its reads; this call's are added to it."""
        if not groups:
            return [], set()
        grey, done = frame.grey, frame.done
        boxes = list(dict.fromkeys(b for g in groups for b in g))  # distinct, in order
        fresh = [b for b in boxes if b not in done]
        # the closed edge blob already spans the plate's characters and some border: it is
        # read as it is (wider margins measurably hurt the OCR)
        for b, first in zip(fresh, self._looks([(grey, b) for b in fresh], (AS_IS,)), strict=True):
            done[b] = first
        firsts = [done[b][0] for b in boxes]
        alike = _read_alike(boxes, firsts)
        if self.second_look:  # plausible fresh reads: again from shifted crops
            new = set(fresh)
            again = [boxes[i] for i in second_looks(firsts) if boxes[i] in new]
            for b, extra in zip(again, self._looks([(grey, b) for b in again], VARIANTS), strict=True):
                done[b] = done[b] + extra
        per_box = [done[b] for g in groups for b in g]
        in_lines = self._read_lines(frame, groups)
        reads: list[PlateText] = []
        k = 0
        for g in groups:
            combined = [combine(rs) for rs in per_box[k : k + len(g)]]
            k += len(g)
            if g[0] in in_lines:
                line = combine(in_lines[g[0]])
                # a stacked pair adds characters to the plate's read, it never takes any away
                if len(line[0]) >= max(len(t) for t, _c in combined):
                    combined.append(line)
            text, conf = pick(combined)
            floor = SHORT_MIN_CONFIDENCE if len(text) < SHORT_LEN else 0.0
            if _is_plate_length(text) and conf >= max(self.min_confidence, floor):
                reads.append(PlateText(text, round(conf, 4), g[0]))
        return distinct(reads), alike

    def _read_lines(self, frame: FrameReads, groups: list[list[Box]]) -> dict[Box, Reads]:
        """The reads of the groups' plates drawn in one line (`frame.lines`, under the row's
        plate box), each line read once a frame (`frame.line_reads`): as it is, and again from
        shifted crops when that read is worth a second look."""
        lines, line_reads = frame.lines, frame.line_reads
        fresh = list(dict.fromkeys(g[0] for g in groups if g[0] in lines and g[0] not in line_reads))
        whole = {b: (lines[b], (0, 0, lines[b].shape[1], lines[b].shape[0])) for b in fresh}
        for b, first in zip(fresh, self._looks([whole[b] for b in fresh], (AS_IS,)), strict=True):
            line_reads[b] = first
        if self.second_look:
            again = [b for b in fresh if _worth_second_look(*line_reads[b][0])]
            for b, extra in zip(again, self._looks([whole[b] for b in again], VARIANTS), strict=True):
                line_reads[b] = line_reads[b] + extra
        return {g[0]: line_reads[g[0]] for g in groups if g[0] in line_reads}


def _read_alike(boxes: list[Box], firsts: list[tuple[str, float]]) -> set[str]:
    """The texts read by two or more distinct boxes (a box given twice counts once: its crops
    are the same)."""
    read_by: dict[str, set[Box]] = {}
    for box, (text, _conf) in zip(boxes, firsts, strict=True):
        read_by.setdefault(text, set()).add(box)
    return {text for text, where in read_by.items() if len(where) >= 2}


def pick(reads: list[tuple[str, float]]) -> tuple[str, float]:
    """One candidate's read from its boxes' reads: the most plausible (`_plausible`), unless
    another box read more characters around it, at least `LONGER_SHARE` as confident."""
    text, conf = max(reads, key=_plausible)
    for longer, c in reads:
        if _reads_more(longer, c, text, conf):
            text, conf = longer, c
    return text, conf


def _reads_more(longer: str, longer_conf: float, shorter: str, shorter_conf: float) -> bool:
    """Whether `longer` is a plate-length read holding `shorter` with more characters, at
    least `LONGER_SHARE` as confident: the same plate with characters `shorter` left out."""
    return (
        _is_plate_length(longer)
        and len(longer) > len(shorter)
        and shorter in longer
        and longer_conf >= LONGER_SHARE * shorter_conf
    )


def has_number(reads: list[PlateText]) -> bool:
    """Whether a frame's reads hold a plate number: a state's or province's name alone is the
    edge search finding the plate's lettering but not its characters, so the rows of characters
    are read too (tuning seeds, 2026-11-27: textured 4545 244 -> 245 of 300, flat and stacked
    unchanged); the name stays a read of its own, for a vanity plate may be one."""
    return any(_is_number(r) for r in reads)


def _is_number(r: PlateText) -> bool:
    """Whether a read may be a plate's number: not a state's or province's name."""
    return r.text not in REGION_WORDS


def _precedence(r: PlateText) -> tuple[bool, bool, float]:
    return _is_number(r), len(r.text) >= SHORT_LEN, r.confidence


def _plausible(read: tuple[str, float]) -> tuple[bool, float]:
    """Sort key: a plate-length read before any other, then the more confident."""
    return _is_plate_length(read[0]), read[1]


def distinct(reads: list[PlateText]) -> list[PlateText]:
    """One read per place in the frame, most confident first; a short read (a sticker, the
    letters of a frame) never hides a plate-length one, a state's or province's name
    printed on the plate (OHIO, YUKON) hides nothing, and a read of the place holding the kept
    one with more characters takes its place (`_holds`)."""
    kept: list[PlateText] = []
    for r in sorted(reads, key=_precedence, reverse=True):
        over = [i for i, k in enumerate(kept) if _overlap(r.box, k.box)]
        if not over:
            kept.append(r)
        elif len(over) == 1 and _holds(r, kept[over[0]]):
            kept[over[0]] = r
    return sorted(kept, key=lambda r: -r.confidence)


def _holds(longer: PlateText, shorter: PlateText) -> bool:
    """Whether `longer` is the same plate as `shorter` with characters it left out: `pick`'s
    rule between two candidates' reads of one place (the detector's box takes in the stacked
    characters an edge box left out, 660887 / 60887, or the other way round). Tuning seeds,
    2026-11-27: flat 954 -> 956 of 1,000, stacked 229 -> 234 of 300, textured 280 -> 281 of
    300; real scenes the same, 65 of 99 (taking also plate-length reads before shorter ones
    in the frame's order changed none of these)."""
    return _is_number(longer) and _reads_more(
        longer.text, longer.confidence, shorter.text, shorter.confidence
    )


def _overlap(a: Box, b: Box) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    return ix * iy > 0.3 * min(aw * ah, bw * bh)
