"""What a technician's screen may show of an event: personal data masked unless asked for.

Names, document numbers and birth dates never leave the daemon through `tail` unless the
technician passed `--show-personal` (which the daemon audits). Masking is a whitelist for
documents (only shape and validity), a prefix for plates (a PlateRead's text, and each plate in
a crossing's snapshot), and the log redaction filter for free text (MRZ-like runs and long
digit runs), so a generic line device that carries MRZ text is masked too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from edge.daemon.logs import redact
from edge.events import DocumentScanned, Event, PlateRead

# Keys whose values are personal wherever they appear (events of other layers included).
PERSONAL_KEYS = frozenset({
    "surname", "given_names", "names", "name", "full_name", "document_number", "number",
    "birth_date", "date_of_birth", "dob", "personal_number", "optional_data", "raw_lines",
    "mrz", "mrz_lines", "lines", "crop_jpeg", "crop_jpeg_b64", "image",
})
# Keys whose value is a plate read or a list of them (a crossing's snapshot, a booth view): their
# "text" is masked as a PlateRead's is, wherever the event carries it.
PLATE_KEYS = frozenset({"plate", "plates"})
# What may be shown of a scanned document without --show-personal.
SAFE_DOCUMENT_KEYS = ("format", "document_type", "valid", "expired", "errors", "warnings")
MASK = "***"


def mask_plate(text: str) -> str:
    return (text[:1] + MASK) if text else ""


def _plain(value: Any, show_personal: bool, key: str = "") -> Any:
    """A JSON-friendly copy of `value`, masking personal keys and free text."""
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if not show_personal and key in PERSONAL_KEYS and value not in (None, "", [], ()):
        return MASK
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        plate = not show_personal and key in PLATE_KEYS
        return {str(k): mask_plate(v) if plate and k == "text" and isinstance(v, str)
                else _plain(v, show_personal, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, show_personal, key) for v in value]
    if isinstance(value, str):
        if show_personal:
            return value
        return mask_plate(value) if key in PLATE_KEYS else redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _plain(str(value), show_personal, key)


def _document(doc: Any, show_personal: bool) -> Any:
    body = doc.to_json_dict() if hasattr(doc, "to_json_dict") else doc
    if show_personal:
        return _plain(body, True)
    if isinstance(body, dict):
        return {k: _plain(body[k], False, k) for k in SAFE_DOCUMENT_KEYS if k in body}
    if dataclasses.is_dataclass(body) and not isinstance(body, type):
        return {k: _plain(getattr(body, k), False, k) for k in SAFE_DOCUMENT_KEYS if hasattr(body, k)}
    return MASK


def event_view(event: Event, *, show_personal: bool = False) -> dict[str, Any]:
    """The event as a JSON object for `tail`: {"type": ..., "ts": ..., fields...}."""
    out: dict[str, Any] = {"type": type(event).__name__, "ts": event.ts}
    for f in dataclasses.fields(event):
        if f.name == "ts":
            continue
        value = getattr(event, f.name)
        if isinstance(event, DocumentScanned) and f.name == "document":
            out["document"] = _document(value, show_personal)
        elif isinstance(event, PlateRead) and f.name == "text":
            out["text"] = value if show_personal else mask_plate(value)
        else:
            out[f.name] = _plain(value, show_personal, f.name)
    return out
