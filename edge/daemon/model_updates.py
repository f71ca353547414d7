"""Risk models from headquarters: check, keep on disk, swap the live scorer, audit.

The order is what keeps the lane safe: the file is checked against its sha256 and declared
schema, then loaded beside the live model through the scorer's own checks (inputs, outputs,
feature schema, one probe run); only then is it written (versioned, atomic) and the pointer
moved, and last the scorer swaps sessions in one assignment. Any failure before the swap
leaves the old model scoring and raises `Refused` with a model reason, which the downlink
reports to headquarters. Every change and every refusal goes into the audit log; the change's
entry is written before the pointer moves, so no model serves without one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from edge.config import Config
from edge.decision import audit
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.models.installed import InstalledModel, ModelDir, ModelDirError
from edge.models.scorer import SHIPPED_MODEL, ModelUnavailableError, Scorer
from edge.store.writer import Store
from edge.sync.apply import Update
from edge.sync.envelope import Reason, Refused
from edge.sync.model_apply import ModelMeta

log = logging.getLogger(__name__)

_FAULT_REASON = {"model.schema_mismatch": Reason.MODEL_SCHEMA_MISMATCH}


class ModelUpdater:
    """Installs `model` downlinks into `model_dir` and the live `scorer`."""

    def __init__(self, scorer: Scorer, model_dir: ModelDir, store: Store, *, source: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.scorer = scorer
        self.model_dir = model_dir
        self.store = store
        self.source = source  # where the model in service came from: hq, config or shipped
        self.clock = clock
        self.installed: InstalledModel | None = None
        self.installs = 0
        self.last_refusal: dict[str, Any] | None = None

    def info(self) -> dict[str, Any]:
        """What status shows: the model in service (name, version, sha256) and its origin."""
        d = self.scorer.describe()
        out: dict[str, Any] = {"name": d["name"], "model_version": d["model_version"],
                               "sha256": d["sha256"], "version": d["version"], "source": self.source,
                               "fault": d["fault"], "installs": self.installs}
        if self.installed is not None:
            out.update(installed_at=self.installed.installed_at,
                       update_version=self.installed.update_version)
        if self.last_refusal is not None:
            out["last_refusal"] = self.last_refusal
        return out

    async def install(self, meta: ModelMeta, data: bytes, update: Update) -> None:
        try:
            await self._install(meta, data, update)
        except Refused as err:
            body = {"reason": str(err.reason), "update_version": update.version,
                    "name": meta.name, "version": meta.version, "sha256": meta.sha256}
            self.last_refusal = {**body, "at": self.clock()}
            await self._audit("model_refused", body, update)
            raise

    async def _install(self, meta: ModelMeta, data: bytes, update: Update) -> None:
        if hashlib.sha256(data).hexdigest() != meta.sha256:
            raise Refused(Reason.MODEL_HASH_MISMATCH, "model file does not match its sha256",
                          version=update.version)
        if meta.schema != self.scorer.schema_version:
            raise Refused(Reason.MODEL_SCHEMA_MISMATCH,
                          f"model declares feature schema {meta.schema!r}, the lane computes "
                          f"{self.scorer.schema_version!r}", version=update.version)
        if self.scorer.ready and self.scorer.describe()["sha256"] == meta.sha256:
            log.info("model %s-%s already in service", meta.name, meta.version)
            return  # re-delivered after a crash between the swap and the downlink's record
        try:
            prepared = await asyncio.to_thread(self.scorer.prepare, data)
        except ModelUnavailableError as err:
            fault = str(err.fields.get("fault", err.code))
            raise Refused(_FAULT_REASON.get(fault, Reason.MODEL_CORRUPT),
                          f"model refused by the scorer: {fault}", version=update.version) from err
        declared = (prepared.meta.get("model_name"), prepared.meta.get("model_version"))
        if declared != (meta.name, meta.version):
            raise Refused(Reason.MODEL_METADATA_MISMATCH,
                          "model file's own name/version differ from the update's metadata",
                          version=update.version)
        previous = self._previous()
        path = await asyncio.to_thread(self.model_dir.write_model, meta.name, meta.version, data)
        installed = InstalledModel(file=path.name, name=meta.name, version=meta.version,
                                   sha256=meta.sha256, schema=meta.schema, installed_at=self.clock(),
                                   update_version=update.version, key_id=update.key_id)
        # a change that cannot be audited is not made: the audit entry is written before the
        # pointer moves (a failed write leaves the old model scoring; headquarters sees the
        # update refused as apply_failed and may send it again)
        await self._audit("model_change", {"from": previous, "to": installed.to_dict()}, update)
        await asyncio.to_thread(self.model_dir.commit, installed, previous)
        before = self.scorer.version
        self.scorer.adopt(prepared, path)  # one assignment: from here on new scores use it
        self.installed, self.source = installed, "hq"
        self.installs += 1
        log.warning("risk model changed by headquarters: %s -> %s", before, self.scorer.version)

    def _previous(self) -> dict[str, Any]:
        if self.installed is not None:
            return self.installed.to_dict()
        d = self.scorer.describe()
        return {"path": d["path"], "version": d["version"], "sha256": d["sha256"], "source": self.source}

    async def _audit(self, kind: str, body: dict[str, Any], update: Update) -> None:
        now = self.clock()
        full = {**body, "update": {"version": update.version, "key_id": update.key_id,
                                   "scope": update.scope}}

        def write(db: sqlite_utils.Database) -> None:
            audit.append(db.conn, kind, full, actor=f"hq:{update.key_id}", ts=now)

        await self.store.write(write)


def live_scorer(cfg: Config, store: Store, timeout_ms: float) -> tuple[Scorer, ModelUpdater]:
    """The last model accepted from headquarters if there is a good one, else the configured one."""
    folder = ModelDir(cfg.accepted_models_dir)
    configured = Path(cfg.models.risk_model) if cfg.models.risk_model else SHIPPED_MODEL
    try:
        accepted = folder.current()
    except ModelDirError as err:
        log.error("model accepted from headquarters unusable (%s): using %s", err.code, configured.name)
        accepted = None
    if accepted is not None:
        scorer = Scorer(folder.path_of(accepted), schema_version=SCHEMA_VERSION,
                        feature_names=FEATURE_NAMES, timeout_ms=timeout_ms)
        if scorer.ready:
            updater = ModelUpdater(scorer, folder, store, source="hq")
            updater.installed = accepted
            return scorer, updater
        log.error("model accepted from headquarters fails to load (%s): using %s", scorer.fault,
                  configured.name)
    scorer = Scorer(configured, schema_version=SCHEMA_VERSION, feature_names=FEATURE_NAMES,
                    timeout_ms=timeout_ms)
    source = "config" if cfg.models.risk_model else "shipped"
    return scorer, ModelUpdater(scorer, folder, store, source=source)
