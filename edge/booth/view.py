"""The booth's view of a crossing: what the officer reads, built from the lane's snapshot.

Pure functions on JSON dicts. The crossing snapshot comes from another layer (the correlator's
`CrossingUpdated.snapshot`) and may lack parts (no plate yet, no recommendation yet, documents
as the MRZ parser's dataclass turned into JSON in one of two shapes); everything here is
tolerant of missing keys and never raises on a shape it does not know.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from edge.lane.crossing import best_plate

ACTIONS = ("release", "refer", "redirect")

# Recommendation actions of edge.decision.routing -> the officer's button that agrees with them.
SUGGESTED: dict[str, str] = {
    "proceed_nexus": "release",
    "proceed_fast": "release",
    "release_recommended": "release",
    "release": "release",
    "refer": "refer",
    "redirect_commercial": "redirect",
    "redirect": "redirect",
}

OPEN_STATES = ("approaching", "at_booth")
DONE_STATES = ("decided", "closed")


def crop_data_url(jpeg: bytes | None) -> str | None:
    if not jpeg:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def suggested_action(recommendation: Mapping[str, Any] | None) -> str | None:
    if not recommendation:
        return None
    return SUGGESTED.get(str(recommendation.get("action", "")))


def is_against(recommendation: Mapping[str, Any] | None, action: str) -> bool:
    """True when the officer's action differs from what the lane recommends."""
    suggested = suggested_action(recommendation)
    return suggested is not None and suggested != action


def number(value: Any) -> float | None:
    """A finite number from JSON, or None (bools and text are not numbers here)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any] | None:
    return dict(value) if isinstance(value, Mapping) else None


def _plate(p: Any) -> dict[str, Any] | None:
    if not isinstance(p, Mapping) or not isinstance(p.get("text"), str) or not p["text"]:
        return None
    out = dict(p)
    out["confidence"] = number(p.get("confidence")) or 0.0
    return out


def shown_plate(snapshot: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plate the page shows: the crossing's (`edge.lane.crossing.best_plate`, as the
    recommendation used), or a summary's single `plate`."""
    plates = snapshot.get("plates")
    if isinstance(plates, list):
        best = best_plate([c for c in (_plate(p) for p in plates) if c is not None])
        if best is not None:
            return dict(best)
    return _plate(snapshot.get("plate"))


def _date(value: Any) -> str | None:
    """An ISO date from either an ISO string or the MRZ parser's MrzDate as a dict."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        y, m, d = value.get("year"), value.get("month"), value.get("day")
        year = f"{y:04d}" if isinstance(y, int) else "????"
        month = f"{m:02d}" if isinstance(m, int) else "??"
        day = f"{d:02d}" if isinstance(d, int) else "??"
        return f"{year}-{month}-{day}"
    return None


def _checks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, Mapping):  # to_json_dict shape: {"name": passed}
        return [{"name": str(k), "passed": bool(v)} for k, v in value.items()]
    if isinstance(value, list):  # dataclass shape: [{"name", "passed", "rule", ...}]
        return [{"name": str(c.get("name", "")), "passed": bool(c.get("passed"))}
                for c in value if isinstance(c, Mapping)]
    return []


def _codes(value: Any) -> list[str]:
    out: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item.get("code"):
                out.append(str(item["code"]))
            elif isinstance(item, str):
                out.append(item)
    return out


def document_view(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One scanned document: who, validity, expiry, each check digit and error codes."""
    doc = entry.get("document", entry)
    if not isinstance(doc, Mapping):
        doc = {}
    errors = _codes(doc.get("errors"))
    valid = doc.get("valid")
    if valid is None:
        valid = not errors
    return {
        "kind": "document",
        "surname": str(doc.get("surname") or ""),
        "given_names": str(doc.get("given_names") or ""),
        "document_number": str(doc.get("document_number") or ""),
        "document_code": str(doc.get("document_code") or ""),
        "valid": bool(valid),
        "expired": doc.get("expired"),
        "expiry": _date(doc.get("expiry_date")),
        "checks": _checks(doc.get("checks")),
        "errors": errors,
        "warnings": _codes(doc.get("warnings")),
        "ts": entry.get("ts"),
    }


def _with_member(card: Mapping[str, Any], members: Mapping[str, Any]) -> Mapping[str, Any]:
    """The card with the roster facts the lane attached to its recommendation, if any."""
    member = members.get(str(card.get("epc") or ""))
    if isinstance(member, Mapping) and not isinstance(card.get("member"), Mapping):
        return {**card, "member": member}
    return card


def card_view(card: Mapping[str, Any]) -> dict[str, Any]:
    """One card read: the member's status when a layer supplies it (`status` or `member`), else
    only the read itself; which card a card_* reason is about is not said per card."""
    raw_member = card.get("member")
    member: Mapping[str, Any] = raw_member if isinstance(raw_member, Mapping) else {}
    status = card.get("status") or member.get("status")
    return {
        "kind": "card",
        "card_id": str(card.get("epc") or card.get("card_id") or ""),
        "programme": card.get("programme") or member.get("programme"),
        "status": status,
        "expiry": card.get("expiry") or member.get("expiry"),
        "surname": str(member.get("surname") or ""),
        "given_names": str(member.get("given_names") or ""),
        "reads": card.get("count"),
        "rssi": card.get("best_rssi"),
    }


def lookout_hits(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = []
    raw = snapshot.get("lookout_hits")
    if isinstance(raw, list):
        hits += [dict(h) for h in raw if isinstance(h, Mapping)]
    rec = snapshot.get("recommendation")
    if isinstance(rec, Mapping):
        for r in _list(rec.get("reasons")):
            if isinstance(r, Mapping) and str(r.get("code", "")).startswith("lookout_"):
                if all(h.get("code") != r.get("code") for h in hits):
                    hits.append({"code": r["code"], "detail": r.get("detail"),
                                 "en": r.get("en"), "fr": r.get("fr")})
    return hits


def waiting_since(snapshot: Mapping[str, Any]) -> float | None:
    """When the vehicle reached the booth (or was first read, while still approaching)."""
    since = number(snapshot.get("state_since"))
    if snapshot.get("state") == "at_booth" and since:
        return since
    return number(snapshot.get("opened_ts")) or number(snapshot.get("ts"))


def crossing_view(snapshot: Mapping[str, Any], crop: str | None = None) -> dict[str, Any]:
    """The whole crossing as the booth page renders it."""
    rec = snapshot.get("recommendation")
    rec = dict(rec) if isinstance(rec, Mapping) else None
    reasons = [r for r in _list((rec or {}).get("reasons")) if isinstance(r, Mapping)]
    rec_raw = snapshot.get("recommendation")
    members_raw = rec_raw.get("members") if isinstance(rec_raw, Mapping) else None
    members: Mapping[str, Any] = members_raw if isinstance(members_raw, Mapping) else {}
    cards = [card_view(_with_member(c, members)) for c in _list(snapshot.get("cards"))
             if isinstance(c, Mapping)]
    docs = [document_view(d) for d in _list(snapshot.get("documents")) if isinstance(d, Mapping)]
    plate = shown_plate(snapshot)
    if plate is not None:
        plate["crop"] = crop
    return {
        "id": str(snapshot.get("id") or snapshot.get("crossing_id") or ""),
        "lane": snapshot.get("lane"),
        "state": snapshot.get("state", "approaching"),
        "opened_ts": snapshot.get("opened_ts"),
        "waiting_since": waiting_since(snapshot),
        "walk_up": bool(snapshot.get("walk_up")),
        "plate": plate,
        "occupants": cards + docs,
        "occupants_declared": snapshot.get("occupants_declared"),
        "lookout_hits": lookout_hits(snapshot),
        "recommendation": None if rec is None else {
            "action": rec.get("action"),
            "suggested": suggested_action(rec),
            "score": rec.get("score"),
            "reasons": [dict(r) for r in reasons],
            "versions": _map(rec.get("versions")) or {},
        },
        "decision": _map(snapshot.get("decision")),
    }


def crossing_summary(view: Mapping[str, Any]) -> dict[str, Any]:
    """A short line for lists (approaching, recent): no crops, no documents' details."""
    plate = view.get("plate") or {}
    rec = view.get("recommendation") or {}
    decision = view.get("decision") or {}
    return {
        "id": view.get("id"),
        "state": view.get("state"),
        "plate": plate.get("text"),
        "occupants": len(view.get("occupants") or []),
        "lookout": bool(view.get("lookout_hits")),
        "suggested": rec.get("suggested"),
        "decision": decision.get("action") or decision.get("outcome"),
        "waiting_since": view.get("waiting_since"),
    }
