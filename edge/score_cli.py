"""`lanectl score` and `lanectl audit verify`.

`lanectl score [--json] [--refdata FILE] [--model FILE] [--shadow FILE] [--refer-score X]`
reads ONE crossing as JSON on standard input, the shape the daemon stores:

    {
      "crossing_id": "L03-000123",          # any text
      "lane_id": "L03",                      # optional
      "lane_kind": "nexus",                  # nexus | fast | passenger | commercial
      "ts": 1748779200.0,                    # wall-clock seconds (UTC) of the crossing
      "card_ids": ["E2801160...", "..."],    # NEXUS/FAST card EPCs read (24 hex)
      "plate": {"text": "ABCD123", "confidence": 0.93},   # or null
      "documents": [                         # MRZ summaries of documents scanned at the booth
        {"valid": true, "document_number": "AB1234567", "surname": "TREMBLAY",
         "given_names": "MARIE", "birth_date": "1980-01-31", "expiry_date": "2030-01-01",
         "expired": false, "errors": []}
      ],
      "declared_occupants": 2,               # default: max(1, cards, documents)
      "shipment_ref": null,                  # commercial lanes: pre-arrival shipment reference
      "recent_crossings": 0                  # crossings at this lane recently (from the store)
    }

and prints the recommendation, the score, the reasons (English and French) and the versions
of reference data, features, rules and model used. Without `--refdata` the reference data is
empty (every card unknown). Exit status: 0 recommendation printed, 2 bad input or files.

`lanectl audit verify --store FILE [--json] [--head SEQ:HASH]` checks the audit hash chain.
Exit status: 0 chain intact, 1 chain broken, 2 store unreadable.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

from edge.decision.audit import verify_chain
from edge.decision.engine import DecisionEngine
from edge.decision.facts import FactsError, from_dict
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.decision.refdata import RefData
from edge.decision.routing import Recommendation, Thresholds
from edge.errors import LaneEdgeError
from edge.models.scorer import SHIPPED_MODEL, Scorer


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def score_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lanectl score",
        description="Recommend for one crossing read as JSON on stdin (shape: see module docs).",
    )
    p.add_argument("--json", action="store_true", help="print the recommendation as JSON")
    p.add_argument("--refdata", type=Path, help="reference-data SQLite file (default: empty)")
    p.add_argument(
        "--model",
        type=Path,
        default=SHIPPED_MODEL,
        help="risk model .onnx (default: the shipped model)",
    )
    p.add_argument("--shadow", type=Path, help="a second model to score in shadow mode")
    p.add_argument(
        "--refer-score",
        type=float,
        default=Thresholds().refer_score,
        help="risk score at or above which the crossing is referred",
    )
    return p


def _scorer(path: Path) -> Scorer:
    return Scorer(path, schema_version=SCHEMA_VERSION, feature_names=FEATURE_NAMES)


def format_text(rec: Recommendation) -> str:
    score = "unavailable" if rec.score is None else f"{rec.score:.3f}"
    lines = [f"recommendation: {rec.action}", f"score: {score}", "reasons:"]
    for r in rec.reasons:
        extra = f" [{r.detail}]" if r.detail else ""
        lines.append(f"  - {r.code}{extra}")
        lines.append(f"      en: {r.en}")
        lines.append(f"      fr: {r.fr}")
    lines.append("versions:")
    lines += [f"  {k}: {v}" for k, v in sorted(rec.versions.items())]
    if rec.shadow is not None:
        lines.append(f"shadow: {json.dumps(rec.shadow, sort_keys=True)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = score_parser().parse_args(argv)
    try:
        facts = from_dict(json.loads(sys.stdin.read()))
    except json.JSONDecodeError:
        _err("error: standard input is not JSON")
        return 2
    except FactsError as err:
        _err(f"error: {err} {json.dumps(err.fields)}")
        return 2
    if args.refdata is not None and not args.refdata.is_file():
        _err("error: reference-data file not found")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        try:
            refdata = RefData(args.refdata or Path(tmp) / "empty.sqlite")
        except (LaneEdgeError, sqlite3.Error) as err:
            _err(f"error: reference data unreadable: {err}")
            return 2
        try:
            scorer = _scorer(args.model)
            if scorer.fault:
                _err(
                    f"warning: model unavailable ({scorer.fault}); crossing referred")
            shadow = _scorer(args.shadow) if args.shadow else None
            engine = DecisionEngine(
                refdata, scorer, Thresholds(refer_score=args.refer_score), shadow=shadow
            )
            rec = engine.decide(facts)
        finally:
            refdata.close()
    if args.json:
        _out(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2))
    else:
        _out(format_text(rec))
    return 0


def audit_verify_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="lanectl audit verify", description="Check the audit log's hash chain."
    )
    p.add_argument("--store", type=Path, required=True,
                   help="SQLite file holding the audit table (lanectl gives the config's store by default)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--head", help="expected head SEQ:HASH (as last reported to headquarters)")
    args = p.parse_args(argv)
    expected: tuple[int, str] | None = None
    if args.head:
        seq, _, digest = args.head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            _err("error: --head must be SEQ:HASH")
            return 2
        expected = (int(seq), digest)
    if not args.store.is_file():
        _err("error: store not found")
        return 2
    try:
        conn = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
        try:
            result = verify_chain(conn, expected)
        finally:
            conn.close()
    except sqlite3.Error as err:
        _err(f"error: store unreadable: {err}")
        return 2
    out: dict[str, Any] = result.to_dict()
    if args.json:
        _out(json.dumps(out))
    elif result.ok:
        _out(f"audit chain OK: {result.entries} entries, head {result.head_seq}:{result.head_hash}")
    else:
        _out(
            f"audit chain BROKEN at seq {result.bad_seq}: {result.problem}"
            f" (verified up to {result.head_seq})"
        )
    return 0 if result.ok else 1
