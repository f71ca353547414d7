"""One crossing in, one recommendation out: snapshot, resolve, features, score, route.

The engine reads reference data through one snapshot (so the versions recorded are exactly the
data used), scores every traveller plus the crossing's aggregate row (element-wise max, what
the model was trained on), and routes. A shadow model, if set, scores the same rows; it never
acts, and agreement with the live model (same side of the referral threshold) is counted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edge.decision.facts import CrossingFacts
from edge.decision.features import SCHEMA_VERSION, feature_matrix
from edge.decision.refdata import RefData
from edge.decision.routing import RULES_VERSION, Recommendation, ScoreInput, Thresholds, route
from edge.decision.views import resolve
from edge.models.scorer import ModelUnavailableError, Scorer


@dataclass
class ShadowStats:
    """Live vs shadow outcomes since start (only crossings where both scored count)."""

    agree: int = 0
    disagree: int = 0
    shadow_faults: int = 0
    live_faults: int = 0

    def to_dict(self) -> dict[str, Any]:
        total = self.agree + self.disagree
        return {
            "agree": self.agree,
            "disagree": self.disagree,
            "agreement": None if total == 0 else round(self.agree / total, 4),
            "shadow_faults": self.shadow_faults,
            "live_faults": self.live_faults,
        }


class DecisionEngine:
    """Recommendations for crossings, from local reference data and the live model."""

    def __init__(
        self, refdata: RefData, scorer: Scorer, thresholds: Thresholds, shadow: Scorer | None = None
    ) -> None:
        self.refdata = refdata
        self.scorer = scorer
        self.shadow = shadow
        self.thresholds = thresholds
        self.shadow_stats = ShadowStats()
        self._lock = threading.Lock()

    def decide(self, facts: CrossingFacts) -> Recommendation:
        thr = self.thresholds
        with self.refdata.snapshot() as snap:
            view = resolve(snap, facts)
        x = feature_matrix(view, thr.plate_min_confidence)
        rows = np.vstack([x, x.max(axis=0, keepdims=True)])
        versions = {f"refdata.{k}": v for k, v in view.versions}
        versions.update(
            {"model": self.scorer.version, "features": SCHEMA_VERSION, "rules": RULES_VERSION}
        )
        try:
            res = self.scorer.score(rows)
            s = ScoreInput(res.scores[-1], res.contrib[-1], res.scores[:-1])
        except ModelUnavailableError as err:
            s = ScoreInput(None, None, fault=str(err.fields.get("fault", err.code)))
        rec = route(view, s, thr, versions)
        if self.shadow is not None:
            rec = replace(rec, shadow=self._shadow(rows, s.score))
        return rec

    def _shadow(self, rows: np.ndarray[Any, Any], live: float | None) -> dict[str, Any]:
        assert self.shadow is not None
        out: dict[str, Any] = {"model": self.shadow.version}
        try:
            score = self.shadow.score(rows).scores[-1]
        except ModelUnavailableError as err:
            with self._lock:
                self.shadow_stats.shadow_faults += 1
            out["fault"] = str(err.fields.get("fault", err.code))
            return out
        out["score"] = round(score, 6)
        with self._lock:
            if live is None:
                self.shadow_stats.live_faults += 1
            else:
                agrees = (score >= self.thresholds.refer_score) == (
                    live >= self.thresholds.refer_score
                )
                out["agrees"] = agrees
                if agrees:
                    self.shadow_stats.agree += 1
                else:
                    self.shadow_stats.disagree += 1
        return out
