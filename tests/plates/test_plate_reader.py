"""PlateReader on rendered frames, with the shipped model."""

from pathlib import Path

import numpy as np
import pytest

from edge.models.plate_reader import (
    PlateImageError,
    PlateModelInvalid,
    PlateModelMissing,
    PlateReader,
)
from edge.models.plate_reader.locate import Box
from edge.models.plate_reader.reader import LONGER_SHARE, FrameReads, _overlap, distinct, has_number
from edge.models.plate_reader.vote import PlateText
from edge.sim.plate_render import label_of, render_scene

# (seed, text, night): fixed scenes that the shipped model reads (held out from training)
SCENES = [
    (102, "ABC 1234", False),
    (102, "7KXR529", False),
    (106, "GH-4471", True),
    (100, "CKV 390", True),
]


@pytest.mark.parametrize(("seed", "text", "night"), SCENES)
def test_plate_in_a_scene_is_read_back(
    reader: PlateReader, seed: int, text: str, night: bool
) -> None:
    img, (x, y, w, h) = render_scene(np.random.default_rng(seed), text, night=night)
    plates = reader.read(img)
    assert plates, "no plate found"
    best = plates[0]
    assert best.text == label_of(text)
    assert 0.5 <= best.confidence <= 1.0
    bx, by, bw, bh = best.box
    assert bx < x + w
    assert x < bx + bw
    assert by < y + h
    assert y < by + bh


def test_frame_without_plate_gives_nothing(reader: PlateReader) -> None:
    img, _ = render_scene(np.random.default_rng(5), None)
    assert reader.read(img) == []
    assert reader.read(np.zeros((720, 1280, 3), np.uint8)) == []
    assert reader.read(np.full((720, 1280, 3), 200, np.uint8)) == []


def test_grey_frames_are_accepted(reader: PlateReader) -> None:
    img, _ = render_scene(np.random.default_rng(102), "ABC 1234")
    grey = img.mean(axis=2).astype(np.uint8)
    assert isinstance(reader.read(grey), list)


def test_bad_images_raise_a_typed_error(reader: PlateReader) -> None:
    with pytest.raises(PlateImageError) as exc:
        reader.read(np.zeros((0, 0, 3), np.uint8))
    assert exc.value.code == "plate.image_invalid"
    with pytest.raises(PlateImageError):
        reader.read(np.zeros((10, 10, 3), np.float32))  # type: ignore[arg-type]


def test_missing_model_has_a_code(tmp_path: Path) -> None:
    with pytest.raises(PlateModelMissing) as exc:
        PlateReader(tmp_path / "nope.onnx")
    assert exc.value.code == "plate.model_missing"


def test_corrupt_model_has_a_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(PlateModelInvalid) as exc:
        PlateReader(bad)
    assert exc.value.code == "plate.model_invalid"


def test_second_look_votes_by_confidence_and_disagreement_lowers_confidence() -> None:
    from edge.models.plate_reader.reader import combine

    text, conf = combine([("ABC123", 0.9)] * 5)
    assert (text, conf) == ("ABC123", 0.9)
    text, conf = combine([("ABC123", 0.4), ("ABC128", 0.9), ("ABC123", 0.5), ("ABC123", 0.45), ("", 0.99)])
    assert text == "ABC123" and conf == pytest.approx(0.5)
    text, conf = combine([("ABC123", 0.9), ("XYZ", 0.2), ("", 0.99), ("", 0.99), ("", 0.99)])
    assert text == "ABC123" and conf == pytest.approx(2 * 0.9 / 5)
    assert combine([("", 0.99), ("A", 0.3)]) == ("", 0.99)  # nothing plausible: the first read


def test_only_plausible_reads_that_are_not_sure_get_a_second_look() -> None:
    from edge.models.plate_reader.reader import PLAUSIBLE, SURE, _worth_second_look

    assert _worth_second_look("ABC123", 0.6)
    assert not _worth_second_look("ABC123", SURE)  # sure already: read once
    assert not _worth_second_look("ABC123", PLAUSIBLE / 2)  # not a plate by its first read
    assert not _worth_second_look("A", 0.6) and not _worth_second_look("", 0.99)
    # a plate with a bolt read as characters: looked at again however sure, since the shifted
    # crops may leave the bolt out
    assert _worth_second_look("15ZUC9721", 0.99)
    assert not _worth_second_look("ABCDEFGHIJK", 0.6)  # far too long for a plate


def test_a_box_that_read_what_another_read_surely_gets_no_second_look() -> None:
    from edge.models.plate_reader.reader import SURE, second_looks

    unsure = 0.6
    # alone, the unsure read is looked at again
    assert second_looks([("ABC123", unsure)]) == [0]
    # the same text read surely by another box of the frame: the same plate, not again
    assert second_looks([("ABC123", SURE), ("ABC123", unsure)]) == []
    # another text, or the same read only unsurely elsewhere: both still looked at again
    assert second_looks([("ABC123", SURE), ("ABC128", unsure)]) == [1]
    assert second_looks([("ABC123", unsure), ("ABC123", unsure)]) == [0, 1]
    # a sure read too long for a plate (a bolt read as characters) vouches for nothing
    assert second_looks([("15ZUC9721", 0.99), ("15ZUC9721", unsure)]) == [0, 1]


def test_a_box_that_left_out_characters_gives_way_to_the_longer_read() -> None:
    from edge.models.plate_reader.reader import pick

    # the refined box of a plate with two stacked characters reads only the row after them
    assert pick([("1198", 0.998), ("851198", 0.99)]) == ("851198", 0.99)
    assert pick([("0653", 0.545), ("LK0653", 0.527)]) == ("LK0653", 0.527)
    # far less sure than the shorter read: the shorter stands
    assert pick([("M3316", 0.73), ("NLM3316", LONGER_SHARE * 0.73 - 0.01)]) == ("M3316", 0.73)
    # a row broken by a gap or a bar: characters left out at the end, or at both ends
    assert pick([("V267L", 0.681), ("V267LM", 0.579)]) == ("V267LM", 0.579)
    assert pick([("D22", 0.995), ("AD2296", 0.888)]) == ("AD2296", 0.888)
    # not the same characters, or longer than a plate: the more plausible read
    assert pick([("ABC123", 0.9), ("XABC124", 0.8)]) == ("ABC123", 0.9)
    assert pick([("ZUC9721", 0.9), ("15ZUC9721", 0.95)]) == ("ZUC9721", 0.9)
    assert pick([("", 0.99), ("KDR2231", 0.6)]) == ("KDR2231", 0.6)


def test_a_short_read_inside_a_plate_does_not_hide_the_plate() -> None:
    plate = PlateText("VAN3377", 0.98, (669, 294, 179, 124))
    sticker = PlateText("FP", 0.999, (729, 320, 38, 24))  # inside the plate, more confident
    elsewhere = PlateText("KDR2231", 0.99, (100, 300, 150, 90))
    assert distinct([sticker, plate, elsewhere]) == [elsewhere, plate]
    assert distinct([sticker]) == [sticker]  # alone, a short read is still reported
    weaker = PlateText("VAN337", 0.7, (672, 296, 170, 120))
    assert distinct([weaker, plate]) == [plate]  # the same place: the more confident read


def test_a_read_of_the_same_place_with_the_characters_another_left_out_wins() -> None:
    edge = PlateText("60887", 0.963, (412, 483, 219, 121))  # left out a stacked 6
    detector = PlateText("660887", 0.917, (386, 480, 214, 120))
    assert distinct([edge, detector]) == [detector]
    # far less sure, or not holding the other's characters: the more confident read stands
    unsure = PlateText("660887", LONGER_SHARE * 0.963 - 0.01, detector.box)
    assert distinct([edge, unsure]) == [edge]
    assert distinct([edge, PlateText("660881", 0.917, detector.box)]) == [edge]
    # a state's name is not the plate's number, whatever it holds
    part = PlateText("UCKY", 0.95, (440, 290, 90, 32))
    assert distinct([part, PlateText("KENTUCKY", 0.9, (400, 290, 200, 40))]) == [part]


def test_the_state_name_on_a_plate_does_not_hide_its_number() -> None:
    plate = PlateText("VJNE", 0.6, (400, 300, 200, 100))
    state = PlateText("INDIANA", 0.9, (420, 290, 160, 30))  # printed across the plate's top
    assert distinct([state, plate]) == [plate]
    assert distinct([state]) == [state]  # alone it may be a vanity plate


def test_rows_are_read_when_the_edge_search_finds_nothing_and_the_detector_finds_it_alone() -> None:
    from edge.models.plate_reader.locate import LocateParams

    img, box = render_scene(np.random.default_rng(104), "7KXR529")
    no_edges = LocateParams(min_density=1.01)  # no edge blob can be that dense
    plates = PlateReader(locate=no_edges, detect=False).read(img)
    assert [p.text for p in plates][:1] == ["7KXR529"]
    assert _overlap(plates[0].box, box)
    neither = LocateParams(min_density=1.01, row_candidates=0)
    assert PlateReader(locate=neither, detect=False).read(img) == []
    # the learned detector alone
    found = PlateReader(locate=neither).read(img)
    assert [p.text for p in found][:1] == ["7KXR529"]
    assert _overlap(found[0].box, box)


def test_a_state_name_alone_is_no_plate_number_and_sends_the_reader_to_the_rows() -> None:
    state = PlateText("WYOMING", 0.9, (700, 450, 160, 30))
    plate = PlateText("MU3", 0.95, (710, 470, 150, 70))
    assert not has_number([])
    assert not has_number([state])
    assert has_number([state, plate])

    class EdgesFindOnly(PlateReader):
        """The real reader, whose edge candidates read only `first` (a fake of one step)."""

        def __init__(self, first: list[PlateText]) -> None:
            super().__init__(detect=False)  # the rows are the next source
            self.first, self.calls = first, 0

        def _read_groups(
            self, frame: FrameReads, groups: list[list[Box]]
        ) -> tuple[list[PlateText], set[str]]:
            self.calls += 1
            return (self.first, set()) if self.calls == 1 else super()._read_groups(frame, groups)

    img, _box = render_scene(np.random.default_rng(104), "7KXR529")
    got = EdgesFindOnly([state]).read(img)
    assert "7KXR529" in [p.text for p in got] and state in got  # the rows read, the name kept
    other = PlateText("KDR2231", 0.9, (100, 300, 150, 90))
    assert EdgesFindOnly([other]).read(img) == [other]  # a number: no rows


def test_the_edge_search_settles_a_frame_when_two_boxes_read_a_sure_number_alike() -> None:
    from edge.models.plate_reader.reader import SETTLED, _read_alike, settled

    plate = PlateText("7KXR529", SETTLED, (400, 300, 200, 100))
    assert settled([plate], {"7KXR529"})
    assert not settled([plate], set())  # one box's read alone may be a texture's
    assert not settled([PlateText("7KXR529", SETTLED - 0.01, plate.box)], {"7KXR529"})
    assert not settled([PlateText("WYOMING", 0.99, plate.box)], {"WYOMING"})  # a name, no number
    a, b = (400, 300, 200, 100), (420, 310, 160, 80)
    assert _read_alike([a, b, a], [("7KXR529", 0.9), ("7KXR529", 0.8), ("X", 0.5)]) == {"7KXR529"}
    assert _read_alike([a, a], [("7KXR529", 0.9), ("7KXR529", 0.9)]) == set()  # one box twice


def test_the_detector_is_asked_when_the_edge_search_does_not_settle_the_frame() -> None:
    from edge.models.plate_reader.locate import LocateParams

    class CountingDetector:
        """Stands in for `PlateDetector`: always the same boxes, and counts the calls."""

        def __init__(self, boxes: list[tuple[Box, float]]) -> None:
            self.found, self.calls = boxes, 0

        def boxes(self, grey: np.ndarray) -> list[tuple[Box, float]]:
            self.calls += 1
            return self.found

    img, box = render_scene(np.random.default_rng(104), "7KXR529")
    only_rows = PlateReader(locate=LocateParams(min_density=1.01))  # no edge candidate
    fake = CountingDetector([(box, 0.9)])
    only_rows.detector = fake  # type: ignore[assignment]
    assert [p.text for p in only_rows.read(img)][:1] == ["7KXR529"]
    assert fake.calls == 1  # asked although the rows would have found the plate
    nothing = CountingDetector([])
    only_rows.detector = nothing  # type: ignore[assignment]
    assert [p.text for p in only_rows.read(img)][:1] == ["7KXR529"]  # the rows, then
    assert only_rows.read(np.full((720, 1280, 3), 128, np.uint8)) == []
    assert nothing.calls == 2
    # a clear plate the edge search reads alike from two boxes: the detector is not asked
    edges = PlateReader()
    unasked = CountingDetector([(box, 0.9)])
    edges.detector = unasked  # type: ignore[assignment]
    assert [p.text for p in edges.read(img)][:1] == ["7KXR529"]
    assert unasked.calls == 0


def test_a_box_found_twice_is_read_once_and_reads_the_same() -> None:
    from edge.models.plate_reader.locate import LocateParams

    class CountingReader(PlateReader):
        """The real reader, counting the crops its OCR is given."""

        def __init__(self) -> None:
            super().__init__(locate=LocateParams(min_density=1.01))  # no edge candidate
            self.crops = 0

        def _ocr(self, batch: np.ndarray) -> list[tuple[str, float]]:
            self.crops += batch.shape[0]
            return super()._ocr(batch)

    class SameBoxTwice:
        """Stands in for `PlateDetector`: the plate's box as two candidates."""

        def __init__(self, boxes: list[tuple[Box, float]]) -> None:
            self.found = boxes

        def boxes(self, grey: np.ndarray) -> list[tuple[Box, float]]:
            return self.found

    img, box = render_scene(np.random.default_rng(104), "7KXR529")
    reader = CountingReader()
    reader.detector = SameBoxTwice([(box, 0.9)])  # type: ignore[assignment]
    once = reader.read(img)
    one_box = reader.crops
    reader.crops = 0
    reader.detector = SameBoxTwice([(box, 0.9), (box, 0.8)])  # type: ignore[assignment]
    assert reader.read(img) == once and [p.text for p in once][:1] == ["7KXR529"]
    assert reader.crops == one_box  # the second candidate's crops were the first's
    # a box an earlier call for the frame read (the edge search's, then the detector's) is not
    # read again: its reads are taken from `done`
    reader.crops = 0
    frame = FrameReads(np.ascontiguousarray(img[:, :, 1]))
    first = reader._read_groups(frame, [[box]])
    assert reader.crops > 0 and box in frame.done
    reader.crops = 0
    assert reader._read_groups(frame, [[box]]) == first and reader.crops == 0
    reader.crops = 0
    crop = np.ascontiguousarray(img[box[1] : box[1] + box[3], box[0] : box[0] + box[2], 1])  # grey
    assert reader.read_crops([crop, crop]) == reader.read_crops([crop]) * 2
    assert reader.crops == 5 + 5  # the crop given twice: as is and its four zooms, once
