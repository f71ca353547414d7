"""Plate lettering: TrueType outlines and stroke-drawn plate gothics, rasterised with OpenCV
(no PIL, no FreeType binding)."""

from typing import Any, Protocol

import numpy.typing as npt

from edge.sim.plate_fonts.stroke import StrokeFont, stroke_fonts
from edge.sim.plate_fonts.truetype import Font, find_fonts


class Face(Protocol):
    """What the plate renderer needs of a typeface."""

    name: str

    def render_text(self, text: str, height_px: int, tracking: float = ...) -> npt.NDArray[Any]: ...


__all__ = ["Face", "Font", "StrokeFont", "find_fonts", "stroke_fonts"]
