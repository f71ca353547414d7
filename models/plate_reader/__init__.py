"""Licence-plate recognition at the edge: localise, OCR (ONNX), vote across frames.

reader = PlateReader()            # loads and warms edge/models/plates/plate_ocr.onnx
plates = reader.read(frame_bgr)   # [PlateText(text, confidence, box)]
best = vote(reads_of_one_vehicle) # PlateVote(text, confidence, low_confidence)
"""

from edge.models.plate_reader.errors import (
    PlateError,
    PlateImageError,
    PlateModelInvalid,
    PlateModelMissing,
)
from edge.models.plate_reader.locate import LocateParams
from edge.models.plate_reader.reader import PlateReader, default_model_path
from edge.models.plate_reader.vote import PlateText, PlateVote, vote

__all__ = [
    "LocateParams",
    "PlateError",
    "PlateImageError",
    "PlateModelInvalid",
    "PlateModelMissing",
    "PlateReader",
    "PlateText",
    "PlateVote",
    "default_model_path",
    "vote",
]
