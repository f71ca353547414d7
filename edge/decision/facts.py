"""What the lane knows about one crossing, as handed to the decision layer.

`CrossingFacts` is the crossing as the daemon stores it (and as `lanectl score` reads it on stdin):
readings only, no reference data. `from_dict` validates the JSON shape once, into frozen types.
Documents carry the summary of a parsed MRZ; no nationality or sex is carried on purpose (they
are protected attributes and the decision layer must not see them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from edge.decision.matching import document_key
from edge.errors import DecisionError

LANE_KINDS = ("nexus", "fast", "passenger", "commercial")


class FactsError(DecisionError):
    """The crossing description does not have the documented shape."""

    code = "decision.facts"


@dataclass(frozen=True, slots=True)
class PlateRead:
    """The licence plate as the camera read it; `confidence` in [0, 1]."""

    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """Summary of one parsed MRZ (ICAO 9303) document scanned at the booth.

    Dates are ISO `YYYY-MM-DD` strings (or None when unreadable); `errors` holds the stable error
    codes the MRZ parser reported (failed check digits, repairs, ...).
    """

    valid: bool
    document_number: str
    surname: str = ""
    given_names: str = ""
    birth_date: str | None = None
    expiry_date: str | None = None
    expired: bool = False
    errors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CrossingFacts:
    """One vehicle at one lane: cards read, plate, documents scanned, declarations."""

    crossing_id: str
    lane_kind: str
    ts: float
    card_ids: tuple[str, ...] = ()
    plate: PlateRead | None = None
    documents: tuple[DocumentFacts, ...] = ()
    declared_occupants: int = 1
    shipment_ref: str | None = None
    recent_crossings: int = 0
    lane_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "crossing_id": self.crossing_id,
            "lane_id": self.lane_id,
            "lane_kind": self.lane_kind,
            "ts": self.ts,
            "card_ids": list(self.card_ids),
            "plate": None
            if self.plate is None
            else {"text": self.plate.text, "confidence": self.plate.confidence},
            "documents": [
                {
                    "valid": d.valid,
                    "document_number": d.document_number,
                    "surname": d.surname,
                    "given_names": d.given_names,
                    "birth_date": d.birth_date,
                    "expiry_date": d.expiry_date,
                    "expired": d.expired,
                    "errors": list(d.errors),
                }
                for d in self.documents
            ],
            "declared_occupants": self.declared_occupants,
            "shipment_ref": self.shipment_ref,
            "recent_crossings": self.recent_crossings,
        }


def _get(m: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any) -> Any:
    value = m.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise FactsError("field has the wrong type", field=key)
    if not isinstance(value, kind):
        raise FactsError("field has the wrong type", field=key)
    return value


def _document(m: Any, index: int) -> DocumentFacts:
    if not isinstance(m, Mapping):
        raise FactsError("document is not an object", field=f"documents[{index}]")
    errors = _get(m, "errors", list, [])
    if not all(isinstance(e, str) for e in errors):
        raise FactsError("errors must be strings", field=f"documents[{index}].errors")
    return DocumentFacts(
        valid=bool(_get(m, "valid", bool, False)),
        document_number=str(_get(m, "document_number", str, "")),
        surname=str(_get(m, "surname", str, "")),
        given_names=str(_get(m, "given_names", str, "")),
        birth_date=_get(m, "birth_date", str, None),
        expiry_date=_get(m, "expiry_date", str, None),
        expired=bool(_get(m, "expired", bool, False)),
        errors=tuple(errors),
    )


def _distinct(docs: list[DocumentFacts]) -> tuple[DocumentFacts, ...]:
    """One document per folded number, the last scan winning: an officer who scans a passport
    again (a misread, a second look) has not found another occupant."""
    by_key: dict[str, DocumentFacts] = {}
    out: list[DocumentFacts | str] = []
    for d in docs:
        key = document_key(d.document_number)
        if not key:
            out.append(d)
            continue
        if key not in by_key:
            out.append(key)
        by_key[key] = d
    return tuple(by_key[x] if isinstance(x, str) else x for x in out)


def from_dict(m: Any) -> CrossingFacts:
    """Validate the documented JSON shape (see edge/decision/README.md) into `CrossingFacts`."""
    if not isinstance(m, Mapping):
        raise FactsError("crossing is not a JSON object")
    known = {
        "crossing_id",
        "lane_id",
        "lane_kind",
        "ts",
        "card_ids",
        "plate",
        "documents",
        "declared_occupants",
        "shipment_ref",
        "recent_crossings",
    }
    unknown = sorted(set(m) - known)
    if unknown:
        raise FactsError("unknown fields in crossing", fields=unknown)
    kind = _get(m, "lane_kind", str, None)
    if kind not in LANE_KINDS:
        raise FactsError("lane_kind must be one of nexus, fast, passenger, commercial")
    cards = _get(m, "card_ids", list, [])
    if not all(isinstance(c, str) for c in cards):
        raise FactsError("card_ids must be strings", field="card_ids")
    plate_m = m.get("plate")
    plate: PlateRead | None = None
    if plate_m is not None:
        if not isinstance(plate_m, Mapping):
            raise FactsError("plate is not an object", field="plate")
        plate = PlateRead(
            text=str(_get(plate_m, "text", str, "")),
            confidence=float(_get(plate_m, "confidence", (int, float), 0.0)),
        )
    docs = _distinct([_document(d, i) for i, d in enumerate(_get(m, "documents", list, []))])
    declared = _get(m, "declared_occupants", int, None)
    seen = len(set(c.upper() for c in cards))
    if declared is None:
        declared = max(1, seen, len(docs))
    if declared < 0:
        raise FactsError("declared_occupants must be >= 0", field="declared_occupants")
    recent = _get(m, "recent_crossings", int, 0)
    return CrossingFacts(
        crossing_id=str(_get(m, "crossing_id", str, "")),
        lane_id=str(_get(m, "lane_id", str, "")),
        lane_kind=kind,
        ts=float(_get(m, "ts", (int, float), 0.0)),
        card_ids=tuple(dict.fromkeys(c.upper() for c in cards)),
        plate=plate,
        documents=docs,
        declared_occupants=declared,
        shipment_ref=_get(m, "shipment_ref", str, None),
        recent_crossings=max(0, recent),
    )
