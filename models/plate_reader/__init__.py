"""Licence-plate recognition at the edge: localise, OCR (ONNX), vote across frames.

reader = PlateReader()            # loads and warms edge/models/plates/plate_ocr.onnx and
                                  # plate_detector.onnx (detect=False: the OCR only)
plates = reader.read(frame_bgr)   # [PlateText(text, confidence, box)]
best = vote(reads_of_one_vehicle) # PlateVote(text, confidence, low_confidence)
"""

from edge.models.plate_reader.detect import PlateDetector, default_detector_path
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
    "PlateDetector",
    "PlateError",
    "PlateImageError",
    "PlateModelInvalid",
    "PlateModelMissing",
    "PlateReader",
    "PlateText",
    "PlateVote",
    "default_detector_path",
    "default_model_path",
    "vote",
]
