"""Pure ICAO 9303 document logic: parse machine-readable zones, build them, check digits.

No I/O here; the scanner drivers, the CLI and the booth page all go through `parse_mrz`.
"""

from edge.documents.errors import MrzAlphabetError, MrzShapeError
from edge.documents.formats import MrzFormat
from edge.documents.parse import parse_mrz, split_lines
from edge.documents.result import Check, Issue, MrzDate, MrzDocument, Repair

__all__ = [
    "Check",
    "Issue",
    "MrzAlphabetError",
    "MrzDate",
    "MrzDocument",
    "MrzFormat",
    "MrzShapeError",
    "Repair",
    "parse_mrz",
    "split_lines",
]
