"""Glyph outlines from TrueType fonts, rasterised with OpenCV (no PIL, no FreeType binding)."""

from edge.sim.plate_fonts.truetype import Font, find_fonts

__all__ = ["Font", "find_fonts"]
