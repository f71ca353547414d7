"""Two small characters stacked before a plate's row: found beside the row, and the plate read
again drawn in one line."""

import numpy as np
import pytest

from edge.models.plate_reader import PlateReader
from edge.models.plate_reader.locate import Row
from edge.models.plate_reader.stacked import in_line, stacked_pair
from edge.sim import plate_render
from edge.sim.plate_render import label_of, random_plate_text, render_scene

# a row of four characters 40 px tall, from x = 100
ROW = tuple((100 + 25 * i, 50, 10, 40) for i in range(4))
UPPER, LOWER = (84, 51, 8, 18), (84, 71, 8, 18)


def _row(*small: tuple[int, int, int, int]) -> Row:
    return Row(ROW, tuple(small))


def test_a_pair_stacked_before_the_row_is_found_upper_first() -> None:
    assert stacked_pair(_row(LOWER, UPPER)) == (UPPER, LOWER)


@pytest.mark.parametrize(
    "small",
    [
        (UPPER,),  # one small shape: a bolt or a sticker's digit
        (UPPER, (84, 71, 8, 9)),  # the lower one stops half-way down the row
        (UPPER, (150, 71, 8, 18)),  # not before the row
        ((20, 51, 8, 18), (20, 71, 8, 18)),  # too far before it
        (UPPER, (60, 71, 8, 18)),  # not one above the other
    ],
)
def test_shapes_that_are_not_a_stacked_pair_are_not_taken_for_one(small: tuple) -> None:
    assert stacked_pair(_row(*small)) is None


def test_the_line_puts_the_pair_before_the_row_at_its_height() -> None:
    grey = np.full((200, 300), 200, np.uint8)
    for x, y, w, h in (*ROW, UPPER, LOWER):
        grey[y : y + h, x : x + w] = 20
    line = in_line(grey, _row(UPPER, LOWER), (UPPER, LOWER))
    assert line.dtype == np.uint8
    # the row's height with the margins above and below
    assert line.shape[0] == 40 + 2 * round(0.45 * 40)
    ink = (line < 100).any(axis=0)
    runs = np.flatnonzero(np.diff(ink.astype(int)) == 1)
    assert len(runs) == 6  # two pair characters, then the row's four, left to right
    assert (line[:, : runs[0]] == 200).all()  # on the plate's own background


def test_a_stacked_plate_the_row_alone_misreads_is_read_in_one_line(
    reader: PlateReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plate_render, "STACKED_SHARE", 1.0)
    rng = np.random.default_rng(66)
    text = label_of(random_plate_text(rng))
    img, _box = render_scene(rng, text)
    assert text == "660APK"
    # the test starts from a plate the reader misses without the line
    without = PlateReader(unstack=False).read(img)
    assert text not in [p.text for p in without]
    assert text in [p.text for p in reader.read(img)]
