"""Typed errors for MRZ text that cannot be read as a document at all.

A document that has the right shape but bad check digits is not an exception: it is a result with
`valid = False` and coded errors. These are for text with the wrong shape or alphabet.
"""

from __future__ import annotations

from edge.errors import DocumentError


class MrzShapeError(DocumentError):
    """The lines do not have the count and length of any ICAO 9303 format."""

    code = "mrz.shape"


class MrzAlphabetError(DocumentError):
    """A character outside `A-Z 0-9 <` (position given in `fields`, never the text itself)."""

    code = "mrz.alphabet"
