"""Downlink -> risk model: the `model` data set's payload, and the route to whoever installs it.

Payload: one line of JSON metadata, a newline, then the ONNX file's bytes as they are (no
base64 inside the envelope's own base64):

    {"name": "risk-lr", "version": "2", "sha256": "<hex of the .onnx>", "schema": "risk-features/1"}

The envelope's signature covers the whole payload; the metadata's sha256 names the model file
itself (as its model card does), and the lane checks the file against it before anything else.
What to do with a checked model (load, swap, persist, audit) belongs to the daemon
(`edge.daemon.model_updates.ModelUpdater`), which this module only routes to.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from edge.sync.apply import Appliers, Update
from edge.sync.envelope import Reason, Refused

DATASET = "model"
_HEX64 = re.compile(r"[0-9a-f]{64}")
FIELDS = ("name", "version", "sha256", "schema")


@dataclass(frozen=True, slots=True)
class ModelMeta:
    """What headquarters says the model file is."""

    name: str
    version: str
    sha256: str
    schema: str


def encode(meta: ModelMeta, onnx_bytes: bytes) -> bytes:
    """Headquarters' side (simulator, tests): the payload `decode` reads."""
    head = {"name": meta.name, "version": meta.version, "sha256": meta.sha256, "schema": meta.schema}
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + onnx_bytes


def encode_file(onnx_bytes: bytes, *, name: str, version: str, schema: str) -> bytes:
    """`encode` with the sha256 computed from the file."""
    return encode(ModelMeta(name, version, hashlib.sha256(onnx_bytes).hexdigest(), schema), onnx_bytes)


def decode(payload: bytes) -> tuple[ModelMeta, bytes]:
    """Metadata and model bytes; raises `Refused(malformed)`. The installer checks the sha256."""
    head, sep, data = payload.partition(b"\n")
    if not sep:
        raise Refused(Reason.MALFORMED, "model update has no metadata line")
    try:
        meta = json.loads(head)
    except (ValueError, UnicodeDecodeError) as err:
        raise Refused(Reason.MALFORMED, "model metadata is not JSON") from err
    if not isinstance(meta, dict) or set(meta) != set(FIELDS):
        raise Refused(Reason.MALFORMED, f"model metadata must have exactly {', '.join(FIELDS)}")
    if not all(isinstance(meta[f], str) and meta[f] for f in FIELDS):
        raise Refused(Reason.MALFORMED, "model metadata fields must be non-empty strings")
    if not _HEX64.fullmatch(meta["sha256"]):
        raise Refused(Reason.MALFORMED, "model metadata sha256 is not 64 lower-case hex digits")
    return ModelMeta(meta["name"], meta["version"], meta["sha256"], meta["schema"]), data


def register_model(appliers: Appliers,
                   install: Callable[[ModelMeta, bytes, Update], Awaitable[None]]) -> None:
    """Route the `model` data set: decode and check the payload, then hand it to `install`."""

    async def apply(update: Update) -> None:
        meta, data = decode(update.payload)
        await install(meta, data, update)

    appliers.register(DATASET, apply)
