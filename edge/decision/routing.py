"""Lane routing: from a resolved crossing and its risk score to a recommendation with reasons.

Pure functions on frozen data. Rules act on facts (card status, lookouts, eligibility); the
score adds a referral above its threshold and explains itself with model reasons. A missing
score (model fault) always refers with `model_unavailable`: nothing here can release or wave a
vehicle through without a working model.

Lane kinds and their outcomes:
- `nexus`: `proceed_nexus` or `refer`.
- `fast`: `proceed_fast`, `redirect_commercial` (not eligible), or `refer` (lookout, high
  score, model fault).
- `passenger`, `commercial`: `release_recommended` or `refer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from edge.decision.features import FEATURE_NAMES, plate_registered
from edge.decision.reasons import SCORE_PREFIX, Reason, reason
from edge.decision.views import CrossingView

RULES_VERSION = "rules/1"
ACTIONS = ("proceed_nexus", "proceed_fast", "redirect_commercial", "release_recommended", "refer")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tunable limits (the daemon maps its config onto this)."""

    refer_score: float = 0.5
    plate_min_confidence: float = 0.6
    max_model_reasons: int = 3
    min_contribution: float = 0.05
    model_timeout_ms: float = 50.0


@dataclass(frozen=True, slots=True)
class Recommendation:
    """What the lane recommends and why; JSON-serialisable via `to_dict`."""

    action: str
    score: float | None
    reasons: tuple[Reason, ...]
    versions: dict[str, str]
    crossing_id: str = ""
    lane_kind: str = ""
    traveller_scores: tuple[float, ...] = ()
    shadow: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "crossing_id": self.crossing_id,
            "lane_kind": self.lane_kind,
            "action": self.action,
            "score": None if self.score is None else round(self.score, 6),
            "traveller_scores": [round(s, 6) for s in self.traveller_scores],
            "reasons": [r.to_dict() for r in self.reasons],
            "versions": dict(self.versions),
            "shadow": self.shadow,
        }


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """The live model's output for routing: crossing score and aggregate-row contributions;
    or the fault that made it unavailable."""

    score: float | None
    contrib: npt.NDArray[np.float32] | None
    traveller_scores: tuple[float, ...] = ()
    fault: str | None = None


def _add(out: list[Reason], code: str, detail: str | None = None) -> None:
    if all(r.code != code for r in out):
        out.append(reason(code, detail=detail))


def lookout_reasons(view: CrossingView) -> list[Reason]:
    out: list[Reason] = []
    docs = sorted({h.reason_code for t in view.travellers for h in t.document_hits})
    names = sorted({h.reason_code for t in view.travellers for h in t.name_hits})
    plates = sorted({h.reason_code for h in view.plate_hits})
    if docs:
        _add(out, "lookout_document", ",".join(docs))
    if names:
        _add(out, "lookout_name", ",".join(names))
    if plates:
        _add(out, "lookout_plate", ",".join(plates))
    return out


def card_reasons(view: CrossingView, programme: str) -> list[Reason]:
    """Why the vehicle is not eligible for a trusted-traveller lane of `programme`."""
    out: list[Reason] = []
    cards = 0
    for t in view.travellers:
        if t.card_id is None:
            _add(out, "occupant_without_card")
            continue
        cards += 1
        m = t.member
        if m is None:
            _add(out, "card_unknown")
            continue
        if m.status in ("suspended", "revoked"):
            _add(out, f"card_{m.status}")
        if m.expiry is not None and m.expiry < view.day:
            _add(out, "card_expired")
        if m.programme != programme:
            _add(out, "card_wrong_programme")
    if cards == 0 or view.facts.declared_occupants > cards:
        _add(out, "occupant_without_card")
    if unidentified(view):
        _add(out, "occupant_unidentified")
    return out


def unidentified(view: CrossingView) -> bool:
    """More occupants declared (by the officer, or by default) than cards and documents show."""
    return view.facts.declared_occupants > len(view.travellers) or not view.travellers


def document_reasons(view: CrossingView) -> list[Reason]:
    out: list[Reason] = []
    for t in view.travellers:
        d = t.document
        if d is None:
            continue
        if not d.valid:
            _add(out, "document_invalid", ",".join(d.errors) or None)
        if d.expired or (d.expiry_date is not None and d.expiry_date < view.day):
            _add(out, "document_expired")
        m = t.member
        if m is not None and m.birth_date and d.birth_date and m.birth_date != d.birth_date:
            _add(out, "identity_mismatch")
    return out


def manifest_reasons(view: CrossingView, thr: Thresholds) -> list[Reason]:
    """Manifest and trader findings (mirrors the c_manifest_* / c_*_trusted features)."""
    from edge.decision.features import crossing_features, index_of

    c = crossing_features(view, thr.plate_min_confidence)
    out: list[Reason] = []
    for code in (
        "manifest_missing",
        "manifest_mismatch",
        "manifest_outside_window",
        "carrier_not_trusted",
        "importer_not_trusted",
    ):
        if c[index_of("c_" + code)] > 0:
            _add(out, code)
    return out


def model_reasons(s: ScoreInput, thr: Thresholds) -> list[Reason]:
    """The features that raised the score most, strongest first; or `score_low`."""
    if s.contrib is None:
        return []
    order = np.argsort(-s.contrib, kind="stable")
    out = [
        reason(SCORE_PREFIX + FEATURE_NAMES[i], source="model", contribution=float(s.contrib[i]))
        for i in order[: thr.max_model_reasons]
        if s.contrib[i] >= thr.min_contribution
    ]
    return out or [reason("score_low", source="model")]


def route(
    view: CrossingView, s: ScoreInput, thr: Thresholds, versions: dict[str, str]
) -> Recommendation:
    """The recommendation for one crossing."""
    lane = view.facts.lane_kind
    refer = lookout_reasons(view)
    if s.score is None:
        _add(refer, "model_unavailable", s.fault or "model.missing")
    elif s.score >= thr.refer_score:
        _add(refer, "risk_score_high")
    ineligible: list[Reason] = []
    if lane == "nexus":
        refer += card_reasons(view, "NEXUS") + document_reasons(view)
        plate = view.facts.plate
        if plate is None or plate.confidence < thr.plate_min_confidence:
            _add(refer, "plate_unread")
        elif not plate_registered(view):
            _add(refer, "plate_not_registered")
        ok_action, ok_reason = "proceed_nexus", "eligible_nexus"
    elif lane == "fast":
        ineligible = card_reasons(view, "FAST") + manifest_reasons(view, thr)
        refer += [r for r in document_reasons(view) if r.code == "identity_mismatch"]
        ok_action, ok_reason = "proceed_fast", "eligible_fast"
    else:
        refer += document_reasons(view)
        if unidentified(view):
            _add(refer, "occupant_unidentified")
        if lane == "commercial":
            refer += [
                r
                for r in manifest_reasons(view, thr)
                if r.code in ("manifest_missing", "manifest_mismatch")
            ]
        ok_action, ok_reason = "release_recommended", "no_concerns"
    if refer:
        action, rules = "refer", refer + [r for r in ineligible if r not in refer]
    elif ineligible:
        action, rules = "redirect_commercial", ineligible
    else:
        action, rules = ok_action, [reason(ok_reason)]
    return Recommendation(
        action=action,
        score=s.score,
        reasons=tuple(rules + model_reasons(s, thr)),
        versions=versions,
        crossing_id=view.facts.crossing_id,
        lane_kind=lane,
        traveller_scores=s.traveller_scores,
    )
