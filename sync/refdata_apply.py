"""Downlink -> reference data: roster, registry, lookouts and manifests updates applied to `RefData`.

Payload of these data sets (JSON Lines, so a 2,000,000-member roster is never one giant JSON
value): the first line is `{"from_version": "<version in force>" | null}` (null for a snapshot),
every further line is one record as the decision layer's `Change` expects it (delta records may
carry `"op": "delete"`). The envelope's integer version becomes the data set's version string.
The apply runs in a worker thread (RefData has its own write lock and one transaction per apply),
so the event loop stays responsive during a big snapshot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from edge.decision.refdata import Change
from edge.decision.refdata_schema import DATASETS
from edge.sync.apply import Appliers, Update
from edge.sync.envelope import Reason, Refused


class AppliesChanges(Protocol):
    def apply(self, changes: Sequence[Change]) -> Any: ...


def decode(update: Update) -> Change:
    lines = update.payload.split(b"\n")
    try:
        head = json.loads(lines[0]) if lines and lines[0].strip() else {}
    except ValueError as err:
        raise Refused(Reason.MALFORMED, "first line of a reference-data update is not JSON") from err
    if not isinstance(head, dict):
        raise Refused(Reason.MALFORMED, "first line of a reference-data update is not an object")
    from_version = head.get("from_version")

    def records() -> Iterator[Mapping[str, Any]]:
        for line in lines[1:]:
            if line.strip():
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("a reference-data record is not an object")
                yield rec

    return Change(dataset=update.dataset, kind=update.kind, version=str(update.version), records=records(),
                  from_version=None if from_version is None else str(from_version))


def encode(records: Sequence[Mapping[str, Any]], from_version: str | None = None) -> bytes:
    """Headquarters' side (simulator, tests): the payload `decode` reads."""
    head = json.dumps({"from_version": from_version}, separators=(",", ":"))
    return "\n".join([head, *(json.dumps(r, separators=(",", ":")) for r in records)]).encode()


def register_refdata(appliers: Appliers, refdata: AppliesChanges) -> None:
    """Route every reference data set's downlink to `refdata.apply`, off the event loop."""

    async def apply(update: Update) -> None:
        change = decode(update)
        await asyncio.to_thread(refdata.apply, [change])

    for name in DATASETS:
        appliers.register(name, apply)
