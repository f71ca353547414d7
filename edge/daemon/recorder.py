"""Writes device reads to the store as they arrive (the daemon's memory of what it saw).

Reads of personal data (documents) are flagged `personal` so retention can purge them; device
health goes to the outbox too, because headquarters watches every lane's devices.
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

import sqlite_utils

from edge.events import BadRead, DeviceStateChanged, DocumentScanned, Event, LineRead, PlateRead
from edge.store.writer import Store, enqueue_outbox, insert_read

RECORDED: tuple[type[Event], ...] = (LineRead, BadRead, DeviceStateChanged, PlateRead, DocumentScanned)


def read_payload(event: Event) -> tuple[str, dict[str, Any], bool]:
    """(kind, JSON payload, personal) for a read event."""
    if isinstance(event, DocumentScanned):
        doc = event.document
        body = doc.to_json_dict() if hasattr(doc, "to_json_dict") else {"document": str(doc)}
        return "document", body, True
    if isinstance(event, PlateRead):
        body = {"text": event.text, "confidence": event.confidence, "box": list(event.box),
                "low_confidence": event.low_confidence}
        if event.crop_jpeg:
            body["crop_jpeg_b64"] = base64.b64encode(event.crop_jpeg).decode()
        return "plate", body, True
    if isinstance(event, LineRead):
        return "line", {"text": event.text}, False
    body = {k: v for k, v in dataclasses.asdict(event).items() if k not in ("ts", "device")}
    return type(event).__name__, body, False


class Recorder:
    def __init__(self, store: Store, lane_topic: str) -> None:
        self.store = store
        self.topic = lane_topic

    def handle(self, event: Event) -> None:
        # Fire-and-forget into the single writer: ordering is kept by its queue, and close()
        # drains it, so nothing accepted is lost on shutdown.
        self.store.submit(lambda db: self._write(db, event))

    def _write(self, db: sqlite_utils.Database, event: Event) -> None:
        if isinstance(event, BadRead):
            db.conn.execute(
                "INSERT INTO bad_reads(ts, device, code, detail, size) VALUES (?,?,?,?,?)",
                (event.ts, event.device, event.code, event.detail[:200], event.size),
            )
        elif isinstance(event, DeviceStateChanged):
            db.conn.execute(
                "INSERT INTO device_events(ts, device, state, error_code, error) VALUES (?,?,?,?,?)",
                (event.ts, event.device, str(event.state), event.error_code, event.error),
            )
            enqueue_outbox(db, kind="device_state", topic="health/device", now=event.ts,
                           payload={"device": event.device, "state": str(event.state),
                                    "error_code": event.error_code, "at": event.ts})
        else:
            kind, payload, personal = read_payload(event)
            device = getattr(event, "device", "")
            insert_read(db, ts=event.ts, device=device, kind=kind, payload=payload,
                        personal=personal)
