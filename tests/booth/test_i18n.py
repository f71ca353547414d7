"""Every reason code and every error code the page can show has an English and a French text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from edge.booth.api import STATIC
from edge.booth.errors import ERROR_CODES


def table() -> dict[str, Any]:
    text = (STATIC / "i18n.js").read_text(encoding="utf-8")
    m = re.search(r"/\*I18N-BEGIN\*/(.*)/\*I18N-END\*/", text, re.S)
    assert m, "i18n.js lost its JSON markers"
    return json.loads(m.group(1))


def both(entry: Any) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("en"), str) and entry["en"].strip() != ""
            and isinstance(entry.get("fr"), str) and entry["fr"].strip() != "")


def reason_codes() -> set[str]:
    try:
        from edge.decision.reasons import REASONS
    except ImportError:
        pytest.skip("edge.decision is not installed")
    return set(REASONS)


def test_every_booth_error_code_has_both_texts() -> None:
    errors = table()["errors"]
    missing = sorted(c for c in ERROR_CODES if not both(errors.get(c)))
    assert not missing, f"error codes without English and French texts: {missing}"


def test_every_decision_reason_has_both_texts() -> None:
    reasons = table()["reasons"]
    missing = sorted(c for c in reason_codes() if not both(reasons.get(c)))
    assert not missing, f"reason codes without English and French texts: {missing}"


def test_every_mrz_document_code_has_both_texts() -> None:
    try:
        from edge.documents.codes import ERRORS, WARNINGS
    except ImportError:
        pytest.skip("edge.documents is not installed")
    docs = table()["documents"]
    missing = sorted(c for c in {**ERRORS, **WARNINGS} if not both(docs.get(c)))
    assert not missing, f"MRZ codes without English and French texts: {missing}"


def test_ui_texts_complete_and_used_keys_exist() -> None:
    ui = table()["ui"]
    assert all(both(v) for v in ui.values()), [k for k, v in ui.items() if not both(v)]
    js = (STATIC / "booth.js").read_text(encoding="utf-8")
    used = set(re.findall(r'\bt\("([a-z_]+)"\s*[,)]', js))
    for prefix, names in (("light_", ("mrz", "rfid", "camera", "sync", "ok", "down", "starting",
                                      "absent", "unknown")),
                          ("rec_", ("release", "refer", "redirect")),
                          ("act_", ("release", "refer", "redirect"))):
        used |= {prefix + n for n in names}
    assert not sorted(used - set(ui)), "texts used by booth.js but missing in i18n.js"


def test_page_error_codes_are_known() -> None:
    """booth.js only names error codes that the table has (e.g. its own booth.network)."""
    js = (STATIC / "booth.js").read_text(encoding="utf-8")
    errors = table()["errors"]
    for code in re.findall(r'errorText\("([a-z_.]+)"\)', js):
        assert both(errors.get(code)), code
