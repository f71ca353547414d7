"""Shared fixtures for the plate tests: one reader (shipped model) per session."""

import cv2
import pytest

from edge.models.plate_reader import PlateReader, default_model_path


@pytest.fixture(scope="session")
def reader() -> PlateReader:
    if not default_model_path().is_file():
        pytest.fail("shipped model models/plates/plate_ocr.onnx is missing")
    cv2.setNumThreads(1)
    return PlateReader()


# TEMPORARY (lead, mid-merge): the renderer gained scene distractors (body lettering, badges)
# after the shipped OCR model v1 was trained; these read-back tests wait for the retrained model
# on feat/plates. Remove this hook when it lands.
_PENDING_MODEL = ("test_json_lines_one_per_image", "test_text_output",
                  "test_plate_in_a_scene_is_read_back", "test_frame_without_plate_gives_nothing")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.name.split("[")[0] in _PENDING_MODEL:
            item.add_marker(pytest.mark.xfail(reason="awaiting retrained plate model", strict=False))
