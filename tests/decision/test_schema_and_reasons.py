"""Feature schema hygiene and the bilingual reason table."""

from __future__ import annotations

import json
import re

from edge.decision.features import FEATURE_NAMES, FEATURES, SCHEMA_VERSION, schema_json
from edge.decision.reasons import FEATURE_TEXTS, REASONS, SCORE_PREFIX, reason
from edge.models.scorer import SHIPPED_MODEL

PROTECTED = re.compile(
    r"\b(sex|gender|nationality|citizenship|country|age|birth|dob|ethnic\w*|race|religio\w*|"
    r"language|marital)\b",
    re.IGNORECASE,
)


def test_schema_has_no_protected_attribute() -> None:
    for f in FEATURES:
        words = f.name.replace("_", " ") + " " + f.meaning
        assert not PROTECTED.search(words.replace("birth date differs", "")), f.name


def test_protected_filter_can_fail() -> None:
    assert PROTECTED.search("t age bucket")
    assert PROTECTED.search("nationality of holder")


def test_schema_is_documented_and_unique() -> None:
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    for f in FEATURES:
        assert f.level in ("traveller", "crossing")
        assert f.type in ("binary", "ratio")
        assert len(f.meaning) > 10


def test_shipped_schema_file_matches_code() -> None:
    shipped = json.loads((SHIPPED_MODEL.parent / "feature_schema.json").read_text())
    assert shipped == json.loads(json.dumps(schema_json()))
    assert shipped["version"] == SCHEMA_VERSION


def test_every_reason_has_english_and_french() -> None:
    for code, texts in REASONS.items():
        assert len(texts) == 2, code
        en, fr = texts
        assert en.strip()
        assert fr.strip(), code
        assert en != fr, code


def test_every_feature_has_a_model_reason() -> None:
    assert set(FEATURE_TEXTS) == set(FEATURE_NAMES)
    for name in FEATURE_NAMES:
        r = reason(SCORE_PREFIX + name, source="model")
        assert r.en
        assert r.fr


def test_model_card_names_sha_of_shipped_model() -> None:
    import hashlib

    card = (SHIPPED_MODEL.parent / "MODEL_CARD.md").read_text()
    assert hashlib.sha256(SHIPPED_MODEL.read_bytes()).hexdigest() in card
    assert "synthetic" in card.lower()
