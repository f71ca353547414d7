"""Downlink: verify each chunk, assemble, apply whole through a registered applier, or refuse.

Appliers are keyed by data-set name (`roster`, `lookouts`, `registry`, `manifests`, `model`,
`config`, `command`, ...) and receive the complete verified payload in one call; each applier
makes its own apply atomic (the reference data applies a whole update in one SQLite
transaction). The applied (version, sha256) per data set is kept in the store's `kv` table,
so a replay is refused after a restart too; a redelivery of the very update just applied
(QoS 1 may deliver twice) is dropped silently. Every refusal goes up through the outbox
as a `downlink_refused` event with its reason.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edge.store.writer import Store, enqueue_outbox, kv_get, kv_set
from edge.sync.envelope import Assembly, Header, Limits, Reason, Refused, open_chunk
from edge.sync.mqtt_client import Message
from edge.sync.topics import LaneTopics
from edge.sync.uplink import committed

log = logging.getLogger(__name__)

REFUSED_KIND = "downlink_refused"
REFUSED_TOPIC = "downlink/refused"


@dataclass(frozen=True, slots=True)
class Update:
    """A verified, whole downlink update, handed to the data set's applier."""

    dataset: str
    kind: str
    version: int
    payload: bytes
    key_id: str
    scope: str


Applier = Callable[[Update], Awaitable[None] | None]


class Appliers:
    """Data-set name -> applier; the decision layer and the command handler register here."""

    def __init__(self) -> None:
        self._by_name: dict[str, Applier] = {}

    def register(self, dataset: str, fn: Applier) -> None:
        self._by_name[dataset] = fn

    def get(self, dataset: str) -> Applier | None:
        return self._by_name.get(dataset)

    def names(self) -> list[str]:
        return sorted(self._by_name)


class Downlink:
    def __init__(self, store: Store, topics: LaneTopics, keys: Mapping[str, Ed25519PublicKey],
                 appliers: Appliers, *, limits: Limits | None = None, assembly_timeout_s: float = 600.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.topics = topics
        self.keys = keys
        self.appliers = appliers
        self.limits = limits or Limits()
        self.assembly_timeout_s = assembly_timeout_s
        self.clock = clock
        self.applied: dict[str, tuple[int, str]] = {}
        self.refusals: Counter[str] = Counter()
        self.last_refusal: dict[str, Any] | None = None
        self.applied_count = 0
        self.duplicates = 0
        self._assemblies: dict[tuple[str, int, str], Assembly] = {}
        self._reported: OrderedDict[tuple[str, str, str], None] = OrderedDict()

    async def load(self) -> None:
        """Read the applied versions back from the store (after a restart)."""
        def read(db: Any) -> dict[str, tuple[int, str]]:
            rows = db.conn.execute("SELECT key FROM kv WHERE key LIKE 'sync.applied.%'").fetchall()
            return {k[len("sync.applied."):]: tuple(kv_get(db, k)) for (k,) in rows}
        self.applied = await committed(self.store, read)

    async def handle(self, msg: Message) -> None:
        where = self.topics.downlink_of(msg.topic)
        if where is None:
            return
        scope, dataset = where
        self._sweep()
        header: Header | None = None
        try:
            applied = self.applied.get(dataset)
            chunk = open_chunk(msg.payload, scope=scope, dataset=dataset, keys=self.keys, now=self.clock(),
                               applied_version=applied[0] if applied else None, limits=self.limits)
            header = chunk.header
            key = (dataset, header.version, header.sha256)
            asm = self._assemblies.get(key)
            if asm is None:
                asm = self._assemblies[key] = Assembly(header, self.clock())
            try:
                payload = asm.add(chunk)
            except Refused:
                self._assemblies.pop(key, None)
                raise
            if payload is None:
                return
            self._assemblies.pop(key, None)
            await self._apply(Update(dataset, header.kind, header.version, payload, header.key_id, scope))
        except Refused as err:
            if err.reason is Reason.REPLAYED and self._is_redelivery(msg, dataset):
                self.duplicates += 1
                return
            await self._refuse(err, dataset=dataset, topic=msg.topic, header=header)

    def _is_redelivery(self, msg: Message, dataset: str) -> bool:
        applied = self.applied.get(dataset)
        try:
            h = json.loads(msg.payload)["h"]
            return applied is not None and (h["version"], h["sha256"]) == applied
        except (ValueError, KeyError, TypeError):
            return False

    async def _apply(self, update: Update) -> None:
        fn = self.appliers.get(update.dataset)
        if fn is None:
            raise Refused(Reason.NO_APPLIER, "no applier registered for this data set",
                          dataset=update.dataset)
        try:
            result = fn(update)
            if inspect.isawaitable(result):
                await result
        except Refused:
            raise
        except Exception as err:
            raise Refused(Reason.APPLY_FAILED, f"applier failed: {type(err).__name__}",
                          dataset=update.dataset) from err
        digest = hashlib.sha256(update.payload).hexdigest()
        self.applied[update.dataset] = (update.version, digest)
        key, value = f"sync.applied.{update.dataset}", [update.version, digest]
        await committed(self.store, lambda db: kv_set(db, key, value))
        self.applied_count += 1
        log.info("downlink %s v%d applied (%d bytes)", update.dataset, update.version, len(update.payload))

    async def _refuse(self, err: Refused, *, dataset: str, topic: str, header: Header | None) -> None:
        reason = str(err.reason)
        self.refusals[reason] += 1
        version = err.fields.get("version", header.version if header else None)
        body = {"dataset": dataset, "reason": reason, "version": version, "topic": topic,
                "key_id": err.fields.get("key_id", header.key_id if header else None), "detail": err.message}
        self.last_refusal = {**body, "at": self.clock()}
        once = (dataset, str(version), reason)
        if once in self._reported:
            return
        self._reported[once] = None
        while len(self._reported) > 1000:
            self._reported.popitem(last=False)
        log.warning("downlink %s refused: %s (%s)", dataset, reason, err.message)
        now = self.clock()
        await committed(self.store, lambda db: enqueue_outbox(db, kind=REFUSED_KIND, topic=REFUSED_TOPIC,
                                                              payload=body, now=now))

    def _sweep(self) -> None:
        now = self.clock()
        for key, asm in list(self._assemblies.items()):
            if now - asm.started > self.assembly_timeout_s or asm.header.expires < now:
                del self._assemblies[key]
                self.refusals[str(Reason.INCOMPLETE)] += 1
                log.warning("downlink %s v%d dropped incomplete (%d of %d chunks)", key[0], key[1],
                            len(asm.parts), asm.header.chunks)

    def status(self) -> dict[str, Any]:
        return {"applied": {k: v[0] for k, v in self.applied.items()}, "applied_count": self.applied_count,
                "duplicates": self.duplicates, "refusals": dict(self.refusals),
                "last_refusal": self.last_refusal, "assembling": len(self._assemblies),
                "appliers": self.appliers.names()}
