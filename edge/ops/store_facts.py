"""Facts read from files, for lanectl with the daemon down and for the daemon's own answers.

Everything here opens the store or the reference data read-only and never raises for a missing
or unreadable file: it says so in the result instead (a status command must always answer).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.models.installed import ModelDir, ModelDirError

DRAIN_WINDOWS_S = (60, 900)
REFDATA_NAME = "refdata.sqlite"


def _models_dir() -> Path:
    """Where the `edge.models` package is installed (drivers/models are remapped by setup.py)."""
    import importlib.util

    spec = importlib.util.find_spec("edge.models")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else Path(__file__).resolve().parent.parent / "models"


MODELS_DIR = _models_dir()
_CARD_SHA = re.compile(r"sha256\W+([0-9a-f]{64})")
# A card's title: "# Model card: lane risk model ..." or "# plate_ocr.onnx — licence-plate ..."
_CARD_TITLE = re.compile(r"^#\s*(?:Model card:\s*)?(.+)$", re.M)


def _ro(path: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def outbox_stats(store: str | Path, now: float | None = None) -> dict[str, Any]:
    """Backlog by state, age of the oldest unconfirmed event, and drain rates (per minute)."""
    now = time.time() if now is None else now
    if not Path(store).exists():
        return {"error": "no store file"}
    try:
        conn = _ro(store)
    except sqlite3.Error:
        return {"error": "unreadable"}
    try:
        rows = conn.execute("SELECT state, COUNT(*), MIN(created) FROM outbox GROUP BY state").fetchall()
        by_state = {r[0]: r[1] for r in rows}
        oldest = min((r[2] for r in rows if r[0] != "confirmed" and r[2] is not None), default=None)
        rates: dict[str, float] = {}
        for window in DRAIN_WINDOWS_S:
            n = conn.execute("SELECT COUNT(*) FROM outbox WHERE confirmed_at >= ?",
                             (now - window,)).fetchone()[0]
            rates[f"drain_per_min_{window // 60}m"] = round(n * 60 / window, 2)
        personal = conn.execute("SELECT COUNT(*) FROM outbox WHERE personal = 1").fetchone()[0]
    except sqlite3.Error:
        return {"error": "unreadable"}
    finally:
        conn.close()
    backlog = by_state.get("pending", 0) + by_state.get("sent", 0)
    rate = rates[f"drain_per_min_{DRAIN_WINDOWS_S[-1] // 60}m"]
    return {"pending": by_state.get("pending", 0), "sent": by_state.get("sent", 0),
            "confirmed": by_state.get("confirmed", 0), "backlog": backlog,
            "oldest_unconfirmed_age_s": None if oldest is None else round(now - oldest, 1),
            **rates, "personal_rows": personal,
            "eta_s": round(backlog / rate * 60) if rate > 0 and backlog else None}


def refdata_path(cfg: Config) -> Path:
    """The reference data file: models.refdata_path, else `refdata.sqlite` beside the store."""
    if cfg.models.refdata_path:
        return Path(cfg.models.refdata_path)
    return Path(cfg.store.path).with_name(REFDATA_NAME)


def refdata_info(path: str | Path) -> dict[str, Any]:
    """Version, time applied and row count of each reference data set."""
    from edge.decision.refdata_schema import DATASETS

    if not Path(path).exists():
        return {"path": str(path), "error": "no reference data file"}
    out: dict[str, Any] = {"path": str(path), "datasets": {}}
    try:
        conn = _ro(path)
    except sqlite3.Error:
        return {"path": str(path), "error": "unreadable"}
    try:
        applied = {r[0]: (r[1], r[2], r[3]) for r in
                   conn.execute("SELECT name, version, applied_at, kind FROM datasets")}
        for name, ds in DATASETS.items():
            count = conn.execute(f"SELECT COUNT(*) FROM {ds.table}").fetchone()[0]  # noqa: S608
            version, at, kind = applied.get(name, ("none", None, None))
            out["datasets"][name] = {"version": version, "applied_at": at, "last_change": kind,
                                     "count": count}
    except sqlite3.Error as err:
        out["error"] = f"unreadable: {err.__class__.__name__}"
    finally:
        conn.close()
    return out


def _card_of(path: Path) -> tuple[Path, str] | None:
    """A shipped model's card and its text: the card in its folder whose title names the file (a
    folder may hold several: DETECTOR_CARD.md for plate_detector.onnx), else the folder's
    MODEL_CARD.md."""
    texts = {card: card.read_text(encoding="utf-8", errors="replace")
             for card in sorted(path.parent.glob("*CARD*.md"))}
    for card, text in texts.items():
        title = _CARD_TITLE.search(text)
        if title and path.name in title.group(1):
            return card, text
    default = path.parent / "MODEL_CARD.md"
    return (default, texts[default]) if default in texts else None


def model_files(root: Path = MODELS_DIR) -> list[dict[str, Any]]:
    """Every shipped .onnx with its sha256, its card's title and the sha256 the card gives it."""
    out = []
    for path in sorted(root.rglob("*.onnx")):
        found = _card_of(path)
        expected = title = None
        if found is not None:
            card, text = found
            for line in text.splitlines():
                if path.name in line and (m := _CARD_SHA.search(line)):
                    expected = m.group(1)
            if expected is None and (m := _CARD_SHA.search(text)):
                expected = m.group(1)
            if t := _CARD_TITLE.search(text):
                title = f"{card.name}: " + t.group(1).strip().replace("`", "")
        actual = file_sha256(path)
        out.append({"name": str(path.relative_to(root)), "path": str(path), "size": path.stat().st_size,
                    "sha256": actual, "card": title, "card_sha256": expected,
                    "matches_card": None if expected is None else expected == actual})
    return out


def disk_use(cfg: Config) -> dict[str, Any]:
    """Free space where the store lives, and the store's own size (with WAL)."""
    store = Path(cfg.store.path)
    folder = store.parent if store.parent.exists() else Path("/")
    usage = shutil.disk_usage(folder)
    size = 0
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            size += os.path.getsize(f"{store}{suffix}")
    return {"path": str(folder), "total_bytes": usage.total, "free_bytes": usage.free,
            "used_pct": round(100 * (usage.total - usage.free) / usage.total, 1) if usage.total else None,
            "store_bytes": size}


def config_hash(path: str | Path) -> str | None:
    try:
        return file_sha256(path)[:12]
    except OSError:
        return None


def versions(cfg: Config, config_path: str | Path | None) -> dict[str, Any]:
    """Software, model, reference data sets and config, as a technician asks for them."""
    import edge

    out: dict[str, Any] = {"software": edge.__version__}
    model = Path(cfg.models.risk_model) if cfg.models.risk_model else MODELS_DIR / "risk" / "risk.onnx"
    try:
        out["model"] = f"{model.stem}@{file_sha256(model)[:12]}"
    except OSError:
        out["model"] = "missing"
    try:  # a model accepted from headquarters replaces the configured one
        pointer = ModelDir(cfg.accepted_models_dir).read_pointer() or {}
    except ModelDirError:
        pointer = {"current": None}
        out["model"] += " (accepted model pointer unreadable)"
    accepted = pointer.get("current")
    if isinstance(accepted, dict) and {"name", "version", "sha256"} <= set(accepted):
        out["model"] = f"{accepted['name']}-{accepted['version']}@{str(accepted['sha256'])[:12]} (hq)"
    info = refdata_info(refdata_path(cfg))
    for name in ("roster", "registry", "lookouts", "manifests"):
        out[name] = info.get("datasets", {}).get(name, {}).get("version", "none")
    out["config"] = config_hash(config_path) if config_path else None
    return out
