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

