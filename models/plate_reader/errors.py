"""Typed errors of the plate reader (stable codes; no plate text in messages)."""

from __future__ import annotations

from edge.errors import LaneEdgeError


class PlateError(LaneEdgeError):
    """Root of plate-reader failures."""

    code = "plate.error"


class PlateModelMissing(PlateError):
    """The OCR model file does not exist."""

    code = "plate.model_missing"


class PlateModelInvalid(PlateError):
    """The OCR model file exists but onnxruntime cannot load or run it."""

    code = "plate.model_invalid"


class PlateImageError(PlateError):
    """An image could not be read or is not a BGR/grey picture."""

    code = "plate.image_invalid"
