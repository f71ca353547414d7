"""The risk model's feature schema and the pure computation of feature vectors.

One vector per traveller: the traveller's own features followed by the crossing's. Every
feature is 0 when nothing is wrong and grows with the risk indicator it names, so a positive
contribution to the score reads directly as a reason. The schema is versioned: a model
declares the schema it was trained on and the scorer refuses a model whose schema differs.

No protected attribute (sex, nationality, age, ethnicity, religion, ...) is a feature, and no
feature is derived from one; `tests/decision/test_features.py` enforces the list below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge.decision.matching import plate_key
from edge.decision.views import CrossingView, TravellerView

SCHEMA_VERSION = "risk-features/1"
MAX_RECENT = 60


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One column of the model input: name, level (traveller|crossing), type, meaning."""

    name: str
    level: str
    type: str
    meaning: str


def _t(name: str, kind: str, meaning: str) -> FeatureSpec:
    return FeatureSpec(name, "traveller", kind, meaning)


def _c(name: str, kind: str, meaning: str) -> FeatureSpec:
    return FeatureSpec(name, "crossing", kind, meaning)


FEATURES: tuple[FeatureSpec, ...] = (
    _t("t_no_card", "binary", "traveller identified by a document only, no card read"),
    _t("t_card_unknown", "binary", "card read but not in the local roster"),
    _t("t_card_suspended", "binary", "card holder's membership is suspended"),
    _t("t_card_revoked", "binary", "card holder's membership is revoked"),
    _t("t_card_expired", "binary", "card membership expired on the crossing day"),
    _t("t_card_wrong_programme", "binary", "card programme does not fit the lane (FAST vs NEXUS)"),
    _t("t_doc_invalid", "binary", "scanned document failed its MRZ checks"),
    _t("t_doc_expired", "binary", "scanned document expired on the crossing day"),
    _t("t_doc_errors", "ratio", "number of MRZ error codes on the document, /5, capped at 1"),
    _t("t_lookout_document", "binary", "document number matches an active lookout"),
    _t("t_lookout_name", "binary", "holder's name (tolerant match) matches an active lookout"),
    _t("t_identity_mismatch", "binary", "document birth date differs from the card member's"),
    _c("c_unidentified", "ratio", "declared occupants without card or document, /4, capped at 1"),
    _c("c_plate_unread", "binary", "no plate read, or read below the confidence threshold"),
    _c(
        "c_plate_not_registered",
        "binary",
        "plate read but registered to no card member in the vehicle (cards present only)",
    ),
    _c("c_lookout_plate", "binary", "plate matches an active lookout"),
    _c(
        "c_recent_crossings",
        "ratio",
        "crossings at this lane in the recent window, log-scaled to [0, 1] (cap 60)",
    ),
    _c("c_manifest_missing", "binary", "commercial lanes: no pre-arrival manifest for the truck"),
    _c(
        "c_manifest_mismatch",
        "binary",
        "commercial lanes: manifest driver card or plate differs from what was read",
    ),
    _c("c_manifest_outside_window", "binary", "commercial lanes: arrival outside the window"),
    _c(
        "c_carrier_not_trusted",
        "binary",
        "commercial lanes: manifest carrier not an active trusted trader",
    ),
    _c(
        "c_importer_not_trusted",
        "binary",
        "commercial lanes: manifest importer not an active trusted trader",
    ),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
N_FEATURES = len(FEATURES)
_INDEX = {n: i for i, n in enumerate(FEATURE_NAMES)}
COMMERCIAL = ("fast", "commercial")


def schema_json() -> dict[str, object]:
    """The schema as shipped next to a model (feature_schema.json)."""
    return {
        "version": SCHEMA_VERSION,
        "input": "features",
        "dtype": "float32",
        "features": [
            {"index": i, "name": f.name, "level": f.level, "type": f.type, "meaning": f.meaning}
            for i, f in enumerate(FEATURES)
        ],
    }


def _traveller(view: CrossingView, t: TravellerView, out: npt.NDArray[np.float32]) -> None:
    lane = view.facts.lane_kind
    m = t.member
    if t.card_id is None:
        out[_INDEX["t_no_card"]] = 1.0
    elif m is None:
        out[_INDEX["t_card_unknown"]] = 1.0
    else:
        out[_INDEX["t_card_suspended"]] = float(m.status == "suspended")
        out[_INDEX["t_card_revoked"]] = float(m.status == "revoked")
        out[_INDEX["t_card_expired"]] = float(m.expiry is not None and m.expiry < view.day)
        wrong = (lane == "nexus" and m.programme != "NEXUS") or (
            lane == "fast" and m.programme != "FAST"
        )
        out[_INDEX["t_card_wrong_programme"]] = float(wrong)
    d = t.document
    if d is not None:
        out[_INDEX["t_doc_invalid"]] = float(not d.valid)
        expired = d.expired or (d.expiry_date is not None and d.expiry_date < view.day)
        out[_INDEX["t_doc_expired"]] = float(expired)
        out[_INDEX["t_doc_errors"]] = min(1.0, len(d.errors) / 5.0)
        out[_INDEX["t_lookout_document"]] = float(bool(t.document_hits))
        out[_INDEX["t_lookout_name"]] = float(bool(t.name_hits))
        if m is not None and m.birth_date and d.birth_date:
            out[_INDEX["t_identity_mismatch"]] = float(m.birth_date != d.birth_date)


def plate_registered(view: CrossingView) -> bool:
    """Is the plate read registered to a card member present in the vehicle?"""
    plate = view.facts.plate
    if plate is None:
        return False
    key = plate_key(plate.text)
    return any(t.member is not None and key in t.member.plates for t in view.travellers)


def crossing_features(view: CrossingView, plate_min_confidence: float) -> npt.NDArray[np.float32]:
    """The crossing-level part of every traveller's vector."""
    f = view.facts
    out = np.zeros(N_FEATURES, dtype=np.float32)
    identified = len(view.travellers)
    out[_INDEX["c_unidentified"]] = min(1.0, max(0, f.declared_occupants - identified) / 4.0)
    unread = f.plate is None or f.plate.confidence < plate_min_confidence
    out[_INDEX["c_plate_unread"]] = float(unread)
    has_members = any(t.member is not None for t in view.travellers)
    if not unread and has_members:
        out[_INDEX["c_plate_not_registered"]] = float(not plate_registered(view))
    out[_INDEX["c_lookout_plate"]] = float(bool(view.plate_hits))
    out[_INDEX["c_recent_crossings"]] = math.log1p(min(f.recent_crossings, MAX_RECENT)) / (
        math.log1p(MAX_RECENT)
    )
    if f.lane_kind in COMMERCIAL:
        mf = view.manifest
        out[_INDEX["c_manifest_missing"]] = float(mf is None)
        if mf is not None:
            driver_bad = mf.driver_card is not None and mf.driver_card not in f.card_ids
            plate_bad = (
                mf.plate is not None
                and f.plate is not None
                and not unread
                and plate_key(f.plate.text) != mf.plate
            )
            out[_INDEX["c_manifest_mismatch"]] = float(driver_bad or plate_bad)
            outside = (mf.window_start is not None and f.ts < mf.window_start - 3_600) or (
                mf.window_end is not None and f.ts > mf.window_end + 3_600
            )
            out[_INDEX["c_manifest_outside_window"]] = float(outside)
            out[_INDEX["c_carrier_not_trusted"]] = float(
                view.carrier is None or not view.carrier.trusted_on(view.day)
            )
            out[_INDEX["c_importer_not_trusted"]] = float(
                view.importer is None or not view.importer.trusted_on(view.day)
            )
    return out


def feature_matrix(view: CrossingView, plate_min_confidence: float) -> npt.NDArray[np.float32]:
    """Rows = travellers (at least one row, for an empty vehicle), columns = `FEATURES`."""
    base = crossing_features(view, plate_min_confidence)
    rows = max(1, len(view.travellers))
    x = np.tile(base, (rows, 1))
    for i, t in enumerate(view.travellers):
        _traveller(view, t, x[i])
    return x


def index_of(name: str) -> int:
    return _INDEX[name]
