"""Signed downlink envelopes: seal (headquarters) and verify + assemble (lane). Pure, no I/O.

One MQTT message carries one chunk: `{"h": header, "sig": hex, "chunk": i, "data": base64}`.
The header names the data set, scope (`{port}/{lane}` or `{port}/all`), kind, version, key id,
expiry, total size, sha256 and chunk count; the Ed25519 signature covers the header, and through
the sha256 the whole payload. Every chunk repeats header and signature, so each chunk is checked
on arrival (a forged chunk is refused before it takes memory) and the assembled payload is
checked against the signed size and hash before anything is applied.

Ed25519 comes from the `cryptography` package (Apache-2.0 or BSD licence).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge.errors import SyncError

ENVELOPE_VERSION = 1
SIGNING_CONTEXT = b"lane-edge/v1 envelope\n"
DEFAULT_CHUNK = 256 * 1024


class Reason(enum.StrEnum):
    MALFORMED = "malformed"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"
    WRONG_SCOPE = "wrong_scope"
    REPLAYED = "replayed"
    EXPIRED = "expired"
    OVERSIZED = "oversized"
    HASH_MISMATCH = "hash_mismatch"
    INCOMPLETE = "incomplete"
    NO_APPLIER = "no_applier"
    APPLY_FAILED = "apply_failed"
    # raised by the model and config appliers (model_apply.py, config_apply.py)
    MODEL_HASH_MISMATCH = "model_hash_mismatch"
    MODEL_METADATA_MISMATCH = "model_metadata_mismatch"
    MODEL_SCHEMA_MISMATCH = "model_schema_mismatch"
    MODEL_CORRUPT = "model_corrupt"
    CONFIG_NOT_ALLOWED = "config_not_allowed"
    CONFIG_INVALID = "config_invalid"


class Refused(SyncError):
    """A downlink refused; `reason` is what is reported up to headquarters."""

    code = "sync.refused"

    def __init__(self, reason: Reason, message: str, **fields: Any) -> None:
        super().__init__(message, code=f"sync.refused.{reason}", reason=str(reason), **fields)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Header:
    dataset: str
    scope: str
    kind: str
    version: int
    key_id: str
    issued: float
    expires: float
    size: int
    sha256: str
    chunks: int

    def canonical(self) -> bytes:
        body = {"v": ENVELOPE_VERSION, "dataset": self.dataset, "scope": self.scope, "kind": self.kind,
                "version": self.version, "key_id": self.key_id, "issued": self.issued,
                "expires": self.expires, "size": self.size, "sha256": self.sha256, "chunks": self.chunks}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Chunk:
    header: Header
    index: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Limits:
    max_size: int = 256 * 1024 * 1024
    per_dataset: Mapping[str, int] = field(default_factory=lambda: {"command": 64 * 1024})
    max_chunks: int = 4096

    def size_for(self, dataset: str) -> int:
        return self.per_dataset.get(dataset, self.max_size)


# ------------------------------------------------------------------ headquarters side


def seal(payload: bytes, *, dataset: str, scope: str, version: int, key_id: str,
         key: Ed25519PrivateKey, issued: float, ttl_s: float = 86400.0, kind: str = "delta",
         chunk_size: int = DEFAULT_CHUNK) -> list[bytes]:
    """Sign a payload and cut it into MQTT messages (one per chunk, in order)."""
    chunks = max(1, math.ceil(len(payload) / chunk_size))
    header = Header(dataset, scope, kind, version, key_id, issued, issued + ttl_s, len(payload),
                    hashlib.sha256(payload).hexdigest(), chunks)
    sig = key.sign(SIGNING_CONTEXT + header.canonical()).hex()
    h = json.loads(header.canonical())
    return [json.dumps({"h": h, "sig": sig, "chunk": i,
                        "data": base64.b64encode(payload[i * chunk_size:(i + 1) * chunk_size]).decode()},
                       separators=(",", ":")).encode() for i in range(chunks)]


def load_public_keys(trusted: Mapping[str, str]) -> dict[str, Ed25519PublicKey]:
    """Config `mqtt.trusted_keys` (key id -> 64 hex digits) into key objects."""
    out: dict[str, Ed25519PublicKey] = {}
    for key_id, hexkey in trusted.items():
        try:
            out[key_id] = Ed25519PublicKey.from_public_bytes(bytes.fromhex(hexkey))
        except ValueError as err:
            raise SyncError(f"trusted key {key_id!r} is not a 32-byte hex Ed25519 key",
                            code="sync.bad_trusted_key", key_id=key_id) from err
    return out


# ------------------------------------------------------------------ lane side


def _header(h: Any) -> Header:
    if not isinstance(h, dict) or h.get("v") != ENVELOPE_VERSION:
        raise Refused(Reason.MALFORMED, "envelope header missing or of an unknown version")
    try:
        header = Header(str(h["dataset"]), str(h["scope"]), str(h["kind"]), h["version"],
                        str(h["key_id"]), float(h["issued"]), float(h["expires"]), h["size"],
                        str(h["sha256"]), h["chunks"])
    except (KeyError, TypeError, ValueError) as err:
        raise Refused(Reason.MALFORMED, f"envelope header field missing or wrong: {err}") from err
    for name in ("version", "size", "chunks"):
        value = getattr(header, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise Refused(Reason.MALFORMED, f"envelope header {name} must be a non-negative integer")
    if header.chunks < 1 or len(header.sha256) != 64:
        raise Refused(Reason.MALFORMED, "envelope header has no chunks or a bad sha256")
    return header


def open_chunk(raw: bytes, *, scope: str, dataset: str, keys: Mapping[str, Ed25519PublicKey],
               now: float, applied_version: int | None, limits: Limits | None = None) -> Chunk:
    """Check one message: form, signature, scope, version, expiry and size; raise `Refused`."""
    lim = limits or Limits()
    try:
        msg = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise Refused(Reason.MALFORMED, "downlink is not JSON") from err
    if not isinstance(msg, dict):
        raise Refused(Reason.MALFORMED, "downlink is not a JSON object")
    header = _header(msg.get("h"))
    sig = msg.get("sig")
    if not sig:
        raise Refused(Reason.UNSIGNED, "downlink carries no signature", dataset=header.dataset)
    key = keys.get(header.key_id)
    if key is None:
        raise Refused(Reason.UNKNOWN_KEY, "downlink signed with a key not in mqtt.trusted_keys",
                      key_id=header.key_id)
    try:
        key.verify(bytes.fromhex(str(sig)), SIGNING_CONTEXT + header.canonical())
    except (InvalidSignature, ValueError) as err:
        raise Refused(Reason.BAD_SIGNATURE, "downlink signature does not verify",
                      key_id=header.key_id) from err
    # Signed from here on: the header's word can be trusted.
    if header.dataset != dataset or header.scope != scope:
        raise Refused(Reason.WRONG_SCOPE, "envelope addressed to another data set or lane",
                      dataset=header.dataset, scope=header.scope)
    if applied_version is not None and header.version <= applied_version:
        raise Refused(Reason.REPLAYED, "version not newer than the one applied",
                      version=header.version, applied=applied_version)
    if header.expires < now:
        raise Refused(Reason.EXPIRED, "envelope expired", version=header.version)
    if header.size > lim.size_for(dataset) or header.chunks > lim.max_chunks:
        raise Refused(Reason.OVERSIZED, "declared size over the limit", size=header.size)
    index = msg.get("chunk")
    if not isinstance(index, int) or not 0 <= index < header.chunks:
        raise Refused(Reason.MALFORMED, "chunk index out of range", version=header.version)
    try:
        data = base64.b64decode(str(msg.get("data", "")), validate=True)
    except (binascii.Error, ValueError) as err:
        raise Refused(Reason.MALFORMED, "chunk data is not base64") from err
    if len(data) > header.size:
        raise Refused(Reason.OVERSIZED, "chunk larger than the declared size", size=header.size)
    return Chunk(header, index, data)


@dataclass
class Assembly:
    """The chunks of one envelope seen so far; `add` returns the payload once whole and checked."""

    header: Header
    started: float
    parts: dict[int, bytes] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return sum(len(p) for p in self.parts.values())

    def add(self, chunk: Chunk) -> bytes | None:
        self.parts[chunk.index] = chunk.data
        if self.received > self.header.size:
            raise Refused(Reason.OVERSIZED, "chunks add up to more than the declared size",
                          version=self.header.version)
        if len(self.parts) < self.header.chunks:
            return None
        payload = b"".join(self.parts[i] for i in range(self.header.chunks))
        if len(payload) != self.header.size or hashlib.sha256(payload).hexdigest() != self.header.sha256:
            raise Refused(Reason.HASH_MISMATCH, "assembled payload does not match the signed hash",
                          version=self.header.version)
        return payload
