"""Reading reference-data updates from files (JSON lines or CSV).

A JSON-lines file may start with a header line `{"_meta": {"dataset": "roster", "kind":
"snapshot" | "delta", "version": "...", "from_version": "..."}}`; the other lines are records.
A CSV file has a header row of field names; its metadata comes from the caller. In a CSV
roster, `plates` is `;`-separated. Records stream from the file: a 2,000,000-member roster is
never held in memory at once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from edge.decision.refdata import ApplyResult, Change, RefData
from edge.decision.refdata_schema import RefDataError


def _jsonl_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as err:
                raise RefDataError("bad JSON line in reference file", line=lineno) from err
            if not isinstance(rec, dict):
                raise RefDataError("reference record is not an object", line=lineno)
            if "_meta" in rec:
                continue
            yield rec


def _jsonl_meta(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        first = fh.readline()
    try:
        head = json.loads(first) if first.strip() else {}
    except json.JSONDecodeError:
        return {}
    meta = head.get("_meta") if isinstance(head, dict) else None
    return meta if isinstance(meta, dict) else {}


def _csv_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def change_from_file(
    path: str | Path,
    *,
    dataset: str | None = None,
    kind: str | None = None,
    version: str | None = None,
    from_version: str | None = None,
) -> Change:
    """Describe a file as a `Change`; arguments override the JSON-lines header."""
    p = Path(path)
    if not p.is_file():
        raise RefDataError("reference file not found")
    is_csv = p.suffix.lower() == ".csv"
    meta = {} if is_csv else _jsonl_meta(p)
    ds = dataset or meta.get("dataset")
    ver = version or meta.get("version")
    if not ds or not ver:
        raise RefDataError("reference file needs a data set name and a version")
    return Change(
        dataset=str(ds),
        kind=str(kind or meta.get("kind") or "snapshot"),
        version=str(ver),
        from_version=from_version or meta.get("from_version"),
        records=_csv_records(p) if is_csv else _jsonl_records(p),
    )


def load_files(refdata: RefData, *changes: Change) -> ApplyResult:
    """Apply the files' changes all together (one transaction)."""
    return refdata.apply(list(changes))


def write_jsonl(path: str | Path, records: Any, meta: dict[str, Any] | None = None) -> int:
    """Write records as JSON lines (with an optional `_meta` header); returns the count."""
    n = 0
    with Path(path).open("w", encoding="utf-8") as fh:
        if meta is not None:
            fh.write(json.dumps({"_meta": meta}) + "\n")
        for rec in records:
            fh.write(json.dumps(rec, separators=(",", ":")) + "\n")
            n += 1
    return n
