"""What a crossing's snapshot says to the decision layer and to headquarters.

Plain functions on the correlator's snapshot dicts (no I/O): the decision layer's facts
(`facts_from_snapshot`, documented in edge/decision/README.md) and the crossing as it may leave
the lane (`public_snapshot`: no raw MRZ lines, no images).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from edge.decision.facts import CrossingFacts, from_dict
from edge.lane.crossing import best_plate


def _best_plate(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    best = best_plate(snapshot.get("plates") or [])
    if best is None:
        return None
    return {"text": best["text"], "confidence": float(best.get("confidence", 0.0))}


def _document_facts(doc: Mapping[str, Any]) -> dict[str, Any]:
    codes = [e.get("code", str(e)) if isinstance(e, Mapping) else str(e)
             for e in doc.get("errors") or []]
    return {
        "valid": bool(doc.get("valid", False)),
        "document_number": doc.get("document_number") or "",
        "surname": doc.get("surname") or "",
        "given_names": doc.get("given_names") or "",
        "birth_date": doc.get("birth_date") or "",
        "expiry_date": doc.get("expiry_date") or "",
        "expired": bool(doc.get("expired", False)),
        "errors": codes,
    }


def facts_from_snapshot(snapshot: Mapping[str, Any], lane_kind: str, recent: int = 0,
                        shipment_ref: str | None = None) -> CrossingFacts:
    """The decision layer's view of a crossing (documented in edge/decision/README.md)."""
    docs = [_document_facts(d.get("document") or {}) for d in snapshot.get("documents") or []]
    body: dict[str, Any] = {
        "crossing_id": snapshot["id"],
        "lane_id": snapshot["lane"],
        "lane_kind": lane_kind,
        "ts": float(snapshot.get("opened_ts") or time.time()),
        "card_ids": [c["epc"] for c in snapshot.get("cards") or []],
        "plate": _best_plate(snapshot),
        "documents": docs,
        "recent_crossings": recent,
        "shipment_ref": shipment_ref,
    }
    if snapshot.get("occupants_declared") is not None:
        body["declared_occupants"] = int(snapshot["occupants_declared"])
    return from_dict(body)


def public_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """What leaves the lane for a crossing: no raw MRZ lines, no images."""
    out = dict(snapshot)
    out["documents"] = [{k: v for k, v in d.items() if k != "raw_lines"}
                        for d in snapshot.get("documents") or []]
    return out
