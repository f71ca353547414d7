"""Headquarters' model and config changes without a broker: no audit entry, no change."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from lane_daemon import model_bytes, write_config

from edge.config import Config, load_config
from edge.daemon.model_updates import ModelUpdater
from edge.decision.features import FEATURE_NAMES, SCHEMA_VERSION
from edge.errors import StoreError
from edge.models.installed import ModelDir
from edge.models.scorer import SHIPPED_MODEL, Scorer
from edge.ops.remote_config import ConfigUpdater
from edge.store import Store
from edge.sync.apply import Update
from edge.sync.model_apply import ModelMeta


async def test_a_model_change_that_cannot_be_audited_is_not_made(tmp_path: Path) -> None:
    scorer = Scorer(SHIPPED_MODEL, schema_version=SCHEMA_VERSION, feature_names=FEATURE_NAMES,
                    timeout_ms=200)
    shipped = scorer.describe()["sha256"]
    folder = ModelDir(tmp_path / "models")
    data = model_bytes(version="2")
    sha = hashlib.sha256(data).hexdigest()
    meta = ModelMeta(name="risk-test", version="2", sha256=sha, schema=SCHEMA_VERSION)
    update = Update("model", "snapshot", 7, b"", "hq1", "lane")
    closed = Store(tmp_path / "lane.sqlite")  # never opened: every write fails, as on a full disk
    updater = ModelUpdater(scorer, folder, closed, source="shipped")

    with pytest.raises(StoreError):
        await updater.install(meta, data, update)
    assert scorer.describe()["sha256"] == shipped  # still scoring with the old model
    assert folder.current() is None  # and a restart would not pick the new one up
    assert updater.installs == 0

    store = Store(tmp_path / "lane.sqlite")  # the same update again, once the store works
    store.open()
    try:
        updater.store = store
        await updater.install(meta, data, update)
    finally:
        store.close()
    assert scorer.describe()["sha256"] == sha
    current = folder.current()
    assert current is not None and current.version == "2"
    with sqlite3.connect(tmp_path / "lane.sqlite") as conn:
        kinds = [k for (k,) in conn.execute("SELECT kind FROM audit ORDER BY seq")]
    assert kinds == ["model_change"]


class _App:
    """What the config updater touches of the daemon's App."""

    def __init__(self, cfg: Config, store: Store) -> None:
        self.cfg, self.store, self.mode, self.ops = cfg, store, cfg.lane.mode, None
        self.events: list[object] = []

    def publish(self, event: object) -> None:
        self.events.append(event)


async def test_a_config_change_that_cannot_be_audited_is_not_made(tmp_path: Path) -> None:
    path = write_config(tmp_path, 1883, {"hq1": "00" * 32})
    cfg = load_config(path)
    app = _App(cfg, Store(cfg.store.path))  # never opened: the audit write fails
    updater = ConfigUpdater(app, path)
    update = Update("config", "snapshot", 3, b"", "hq1", "lane")
    change = {"thresholds": {"refer_score": 0.9}}

    with pytest.raises(StoreError):
        await updater.apply(change, update)
    assert app.cfg.thresholds.refer_score == cfg.thresholds.refer_score != 0.9
    assert not updater.overlay_file.exists() and updater.applied == 0 and app.events == []

    app.store = Store(cfg.store.path)
    app.store.open()
    try:
        await updater.apply(change, update)
    finally:
        app.store.close()
    assert app.cfg.thresholds.refer_score == 0.9 and updater.overlay_file.exists()
    with sqlite3.connect(cfg.store.path) as conn:
        rows = conn.execute("SELECT kind, body FROM audit ORDER BY seq").fetchall()
    assert [k for k, _ in rows] == ["config_change"]
    assert "thresholds.refer_score: 0.5 -> 0.9" in rows[0][1]
