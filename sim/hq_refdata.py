"""Reference data into the lanes of a run: signed by the simulated headquarters, or pre-loaded.

With headquarters simulated (mosquitto present, daemons started by the run), `HqRefdata`
holds headquarters' Ed25519 signing key (its public half goes into every lane's
`[mqtt.trusted_keys]`), publishes the four snapshots to each lane, waits until each daemon
reports them applied (`components.sync.downlink.applied` in its status), then publishes the
scenario's updates at their time; hostile ones are signed with a key no lane trusts, carry a
signature that does not verify, or are no envelope at all. Without headquarters,
`FileRefdata` writes the snapshots into the reference-data file before the daemon starts and
applies the updates that change data straight to that file (hostile ones are not simulated).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from edge.errors import LaneEdgeError
from edge.sim.lane_hq import HqRig
from edge.sim.refdata_plan import DATASETS, SNAPSHOT_VERSION, PlannedUpdate

PORT = "SIM-0001"
KEY_ID = "hq-sim"
STRANGER_ID = "hq-stranger"  # a key id no lane trusts
MALFORMED = b'{"h": "this is not an envelope"'
PUBLISH_RETRY_S = 30.0  # a broker outage may hold an update back this long (wall)

Status = Callable[[], dict[str, Any] | None]


class RefdataNotApplied(LaneEdgeError):
    """A lane did not apply headquarters' reference data in time: traffic would be judged
    against data the lane does not have."""

    code = "sim.refdata_not_applied"


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def encode(records: Sequence[Mapping[str, Any]], from_version: int | None) -> bytes:
    """The sync layer's reference-data payload (`edge.sync.refdata_apply.encode`)."""
    from edge.sync.refdata_apply import encode as sync_encode

    return sync_encode(records, None if from_version is None else str(from_version))


def sync_status(status: dict[str, Any] | None) -> dict[str, Any]:
    return ((status or {}).get("components") or {}).get("sync") or {}


class HqRefdata:
    """Headquarters' reference data for the lanes of one run; counts what it published."""

    path = "headquarters"

    def __init__(self, rig: HqRig, lanes: Sequence[str]) -> None:
        self.rig = rig
        self.lanes = tuple(lanes)
        self.key = Ed25519PrivateKey.generate()
        self.stranger = Ed25519PrivateKey.generate()
        self.published: Counter[str] = Counter()  # lane -> updates published
        self.injected: dict[str, Counter[str]] = {lane: Counter() for lane in self.lanes}
        # the lane reports a refusal up once per (data set, version, reason), and a refused
        # envelope's version is unknown to it: one uplink per (data set, reason)
        self.reported: dict[str, set[tuple[str, str]]] = {lane: set() for lane in self.lanes}
        self.failed: list[dict[str, Any]] = []

    def trusted_keys(self) -> dict[str, str]:
        return {KEY_ID: public_hex(self.key)}

    # ------------------------------------------------------------------ publishing
    def _publish(self, lane: str, dataset: str, messages: list[bytes],
                 stop: Callable[[], bool] = lambda: False) -> bool:
        """Publish (retrying through a broker outage); True when the broker took every chunk."""
        deadline = time.monotonic() + PUBLISH_RETRY_S
        while True:
            try:
                self.rig.call(self.rig.hq.publish_down(PORT, lane, dataset, messages), 15.0)
            except (LaneEdgeError, TimeoutError, OSError) as err:  # LinkDown, PublishFailed: retry
                if time.monotonic() > deadline or stop():
                    self.failed.append({"lane": lane, "dataset": dataset,
                                        "error": type(err).__name__})
                    return False
                time.sleep(0.5)
                continue
            self.published[lane] += 1
            return True

    def _sealed(self, lane: str, dataset: str, payload: bytes, *, version: int, kind: str,
                key: Ed25519PrivateKey | None = None, key_id: str = KEY_ID) -> list[bytes]:
        from edge.sync.envelope import seal

        return seal(payload, dataset=dataset, scope=f"{PORT}/{lane}", version=version,
                    key_id=key_id, key=key or self.key, issued=time.time(), ttl_s=3600.0,
                    kind=kind)

    def send_snapshots(self, records: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        for lane in self.lanes:
            for dataset in DATASETS:
                payload = encode(records[dataset], None)
                self._publish(lane, dataset, self._sealed(
                    lane, dataset, payload, version=SNAPSHOT_VERSION, kind="snapshot"))

    def send_update(self, plan: PlannedUpdate, stop: Callable[[], bool]) -> dict[str, Any]:
        """Publish one planned update to every lane; what was done, for the run's log."""
        payload = encode(plan.records, plan.from_version)
        sent = 0
        for lane in self.lanes:
            if plan.action == "malformed":
                messages = [MALFORMED]
            elif plan.action == "unknown_key":
                messages = self._sealed(lane, plan.dataset, payload, version=plan.version,
                                        kind="delta", key=self.stranger, key_id=STRANGER_ID)
            else:
                messages = self._sealed(lane, plan.dataset, payload, version=plan.version,
                                        kind="delta")
                if plan.action == "bad_signature":
                    messages = [_tamper(m) for m in messages]
            if self._publish(lane, plan.dataset, messages, stop):
                sent += 1
                if plan.refusal:
                    self.injected[lane][plan.refusal] += 1
                    self.reported[lane].add((plan.dataset, plan.refusal))
        return {"published": sent == len(self.lanes), "lanes": sent}

    # ------------------------------------------------------------------ waiting
    def wait_applied(self, statuses: Mapping[str, Status], versions: Mapping[str, int],
                     timeout: float, stop: Callable[[], bool] = lambda: False) -> float:
        """Until every lane's daemon reports `versions` applied; seconds waited, or raise."""
        start = time.monotonic()
        pending = dict(statuses)
        last: dict[str, dict[str, Any]] = {}
        while pending and not stop():
            for lane, status in list(pending.items()):
                down = sync_status(status()).get("downlink") or {}
                last[lane] = down
                applied = down.get("applied") or {}
                if all(int(applied.get(d, 0)) >= v for d, v in versions.items()):
                    del pending[lane]
            if pending and time.monotonic() - start > timeout:
                lane = sorted(pending)[0]
                down = last.get(lane, {})
                raise RefdataNotApplied(
                    f"lane {lane} did not apply headquarters' reference data within "
                    f"{timeout:.0f} s: applied {down.get('applied')}, wanted {dict(versions)}; "
                    f"refusals {down.get('refusals')} (last: {down.get('last_refusal')})",
                    lane=lane, wanted=dict(versions), applied=down.get("applied"))
            if pending:
                time.sleep(0.1)
        return time.monotonic() - start

    def wait_connected(self, statuses: Mapping[str, Status], timeout: float,
                       stop: Callable[[], bool] = lambda: False) -> None:
        """Until every lane's sync link is up (its downlink subscriptions are in place)."""
        deadline = time.monotonic() + timeout
        for lane, status in statuses.items():
            while not stop():
                st = status()
                if st is not None and "sync" not in (st.get("components") or {}):
                    raise RefdataNotApplied(f"lane {lane}'s daemon runs no sync component: "
                                            "headquarters cannot reach it", lane=lane)
                link = sync_status(st).get("link") or {}
                if link.get("state") == "connected":
                    break
                if time.monotonic() > deadline:
                    raise RefdataNotApplied(
                        f"lane {lane}'s sync link is not connected to the simulated broker "
                        f"after {timeout:.0f} s (state {link.get('state')!r}, last error "
                        f"{link.get('last_error')!r}); no reference data can reach it", lane=lane)
                time.sleep(0.1)

    def lane_report(self, lane: str, status: dict[str, Any] | None,
                    hq: Mapping[str, Any] | None) -> dict[str, Any]:
        """Published / applied / refused for one lane, and whether refusals equal injection."""
        down = sync_status(status).get("downlink") or {}
        refused = {str(k): int(v) for k, v in (down.get("refusals") or {}).items()}
        injected = dict(sorted(self.injected.get(lane, Counter()).items()))
        at_hq = {str(k): int(v) for k, v in ((hq or {}).get("refusal_reasons") or {}).items()}
        reported = dict(sorted(Counter(r for _, r in self.reported.get(lane, set())).items()))
        return {"path": self.path, "published": self.published[lane],
                "applied": int(down.get("applied_count") or 0),
                "refused": sum(refused.values()), "refused_by_reason": refused,
                "refusals_injected": injected, "refusals_at_hq": at_hq,
                "refusals_expected_at_hq": reported,
                "refusals_as_injected": refused == injected and at_hq == reported,
                "versions": down.get("applied"), "publish_failed": [
                    f for f in self.failed if f["lane"] == lane]}


def _tamper(raw: bytes) -> bytes:
    """The same chunk with one bit of its signature flipped: it must not verify."""
    msg = json.loads(raw)
    sig = bytearray.fromhex(msg["sig"])
    sig[0] ^= 0x01
    msg["sig"] = sig.hex()
    return json.dumps(msg, separators=(",", ":")).encode()


class FileRefdata:
    """No headquarters: the reference-data file is written before the daemon starts."""

    path = "preloaded"

    def __init__(self, target: Path) -> None:
        self.target = target
        self.applied = 0

    def load(self, records: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, int]:
        from edge.decision.refdata import Change, RefData

        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.target}{suffix}").unlink(missing_ok=True)
        ref = RefData(self.target)
        try:
            ref.apply([Change(dataset=d, kind="snapshot", version=str(SNAPSHOT_VERSION),
                              records=records[d]) for d in DATASETS])
            return {d: ref.count(d) for d in DATASETS}
        finally:
            ref.close()

    def apply(self, plan: PlannedUpdate) -> dict[str, Any]:
        """An update that changes data goes straight into the file the daemon reads."""
        if not plan.applies:
            return {"published": False, "note": "not simulated: headquarters (hostile updates "
                    "need the sync layer)"}
        from edge.decision.refdata import Change, RefData

        ref = RefData(self.target)
        try:
            ref.apply([Change(dataset=plan.dataset, kind="delta", version=str(plan.version),
                              records=plan.records, from_version=str(plan.from_version))])
        finally:
            ref.close()
        self.applied += 1
        return {"published": False, "applied_to_file": True}

    def lane_report(self, _lane: str, _status: dict[str, Any] | None,
                    _hq: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"path": self.path, "published": 0, "applied": self.applied, "refused": 0,
                "note": "reference data pre-loaded into the file (headquarters not simulated); "
                        "updates that change data applied to the file at their time"}
