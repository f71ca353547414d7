"""The structural JPEG check: complete frames pass, any cut or garbage is caught."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.camera.errors import CorruptFrame
from edge.drivers.camera.frames import Frame, decode, reduction_for
from edge.drivers.camera.jpeg import JpegProblem, inspect_jpeg

_IMG = np.random.default_rng(1).integers(0, 255, (72, 128, 3), dtype=np.uint8)
JPEG = cv2.imencode(".jpg", _IMG)[1].tobytes()


def test_complete_jpeg_gives_its_size() -> None:
    info = inspect_jpeg(JPEG)
    assert (info.width, info.height) == (128, 72)


def test_padding_after_eoi_is_tolerated() -> None:
    assert inspect_jpeg(JPEG + b"\x00" * 16).width == 128


@pytest.mark.parametrize(("data", "code"), [
    (b"", "jpeg.no_soi"),
    (b"\x00NOT-A-JPEG" * 64, "jpeg.no_soi"),
    (JPEG[: len(JPEG) // 2], "jpeg.truncated"),
    (JPEG[:300] + b"\xff\xd9", "jpeg.bad_segment"),
])
def test_broken_frames_are_named(data: bytes, code: str) -> None:
    with pytest.raises(JpegProblem) as err:
        inspect_jpeg(data)
    assert err.value.code == code


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(JPEG) - 1))
def test_every_cut_is_caught(cut: int) -> None:
    with pytest.raises(JpegProblem):
        inspect_jpeg(JPEG[:cut])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_raises_only_jpeg_problem(data: bytes) -> None:
    try:
        inspect_jpeg(b"\xff\xd8" + data)
    except JpegProblem:
        pass


def test_decode_reduces_wide_frames_and_rejects_garbage() -> None:
    big = cv2.imencode(".jpg", cv2.resize(_IMG, (2560, 1440)))[1].tobytes()
    img = decode(Frame(1, 0.0, 0.0, 2560, 1440, jpeg=big), max_width=1280)
    assert img.shape == (720, 1280, 3)
    assert reduction_for(3840, 1280) == 2 and reduction_for(1280, 1280) == 1
    assert reduction_for(5120, 1280) == 4 and reduction_for(640, 0) == 1
    with pytest.raises(CorruptFrame):
        decode(Frame(2, 0.0, 0.0, 10, 10, jpeg=b"\xff\xd8garbage\xff\xd9"), max_width=1280)
