"""Settings headquarters may change remotely, kept as an overlay over the lane's own config file.

Headquarters sets decision policy, not the box: the referral threshold, how sure a plate read
must be, how long a score may take, whether the lane is open, and how long data is kept. It
never touches devices, paths, keys, the broker, the booth or the store, and it never changes
the lane's correlation calibration (antennas, RSSI, timings), which is measured on site.
Every remote setting is live (`edge.ops.reload` applies it without a restart).

The overlay is a JSON file beside the store (`hq-config.json`): the lane's state folder is
writable by the daemon, its config folder is not (systemd `ProtectSystem=strict`), and a
daemon that could rewrite its own config could rewrite its trusted keys. `load_config` merges
the overlay over the file, so the daemon starts on the last accepted settings, and checks it
against this whitelist again every time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.atomic_file import write_atomic
from edge.config import Config, ConfigProblem, check_config
from edge.errors import ConfigError

OVERLAY_NAME = "hq-config.json"


@dataclass(frozen=True, slots=True)
class RemoteSetting:
    """One setting headquarters may change, with the values it may take."""

    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        if self.choices:
            return None if value in self.choices else f"must be one of {', '.join(self.choices)}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None  # a wrong type is reported by the config's own validation
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return f"must be between {self.low} and {self.high}"
        return None


REMOTE_SETTINGS: Mapping[str, RemoteSetting] = {
    "thresholds.refer_score": RemoteSetting(0.0, 1.0),
    "thresholds.plate_min_confidence": RemoteSetting(0.0, 1.0),
    "thresholds.model_timeout_ms": RemoteSetting(1.0, 1000.0),
    "lane.mode": RemoteSetting(choices=("open", "closed")),
    "retention.personal_hours": RemoteSetting(1.0, 24.0 * 365),
    "retention.diagnostics_days": RemoteSetting(1.0, 365.0),
}


def overlay_path(store_path: str | Path) -> Path:
    return Path(store_path).parent / OVERLAY_NAME


def flatten(settings: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Nested tables -> dotted keys (`{"lane": {"mode": "open"}}` -> `{"lane.mode": "open"}`)."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        dotted = f"{where}.{key}" if where else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, dotted))
        else:
            out[dotted] = value
    return out


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        *tables, leaf = dotted.split(".")
        node = out
        for t in tables:
            node = node.setdefault(t, {})
        node[leaf] = value
    return out


def not_allowed(settings: Mapping[str, Any]) -> list[str]:
    """Dotted keys of `settings` outside the whitelist (sorted)."""
    return sorted(k for k in flatten(settings) if k not in REMOTE_SETTINGS)


def out_of_range(settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, problem) for whitelisted keys whose value is outside what headquarters may set."""
    out = []
    for key, value in flatten(settings).items():
        rule = REMOTE_SETTINGS.get(key)
        problem = rule.problem(value) if rule else None
        if problem:
            out.append((key, problem))
    return out


def merge(base: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """`base` (a parsed config document) with `settings` laid over it, table by table."""
    out = dict(base)
    for key, value in settings.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read_overlay(path: Path) -> dict[str, Any] | None:
    """The overlay document (`settings`, `version`, `key_id`, `applied_at`), or None; raises
    OSError, ValueError (not JSON) or ConfigError (no settings table)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("settings"), dict):
        raise ConfigError(f"{path.name} has no settings table", code="config.overlay")
    return doc


def write_overlay(path: Path, doc: Mapping[str, Any]) -> None:
    write_atomic(path, json.dumps(doc, indent=1, sort_keys=True).encode())


def check_overlay(data: Mapping[str, Any], settings: Mapping[str, Any], source: str = OVERLAY_NAME
                  ) -> tuple[Config | None, list[ConfigProblem]]:
    """The config file's document with `settings` over it, validated by the config's own rules
    (unknown keys, types) plus the whitelist and its ranges; (None, problems) when invalid."""
    problems = [ConfigProblem(f"{source}:{k}", "not a setting headquarters may change",
                              "config.not_remote") for k in not_allowed(settings)]
    problems += [ConfigProblem(f"{source}:{k}", msg, "config.range") for k, msg in out_of_range(settings)]
    cfg, more = check_config(merge(data, settings), source)
    problems += more
    if cfg is None or any(p.severity == "error" for p in problems):
        return None, problems
    return cfg, problems


def with_overlay(data: Mapping[str, Any], cfg: Config) -> tuple[Config | None, list[ConfigProblem]]:
    """`cfg` (valid, from `data`) with the overlay beside its store laid over it, if there is one."""
    path = overlay_path(cfg.store.path)
    try:
        doc = read_overlay(path)
    except (OSError, ValueError, ConfigError) as err:
        return None, [ConfigProblem(str(path), f"unreadable: {err}", "config.overlay")]
    if doc is None:
        return cfg, []
    return check_overlay(data, doc["settings"], path.name)
