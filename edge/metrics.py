"""Prometheus text exposition (format 0.0.4) of the daemon's status dict.

Written by hand rather than with `prometheus_client`: the daemon already keeps its own counters
(`edge.counters`) and a status dict that `lanectl status` shows, so exposing them is a pure
function of that dict, with no second registry to keep in step and no runtime dependency. The
tests parse the output with prometheus_client's own parser when it is installed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "lane_edge"
DEVICE_STATES = ("starting", "open", "disconnected", "failing", "failed", "stopped")
_NAME_BAD = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(text: str) -> str:
    name = _NAME_BAD.sub("_", text).strip("_") or "unnamed"
    return f"_{name}" if name[0].isdigit() else name


def _escape(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(float(value)) if isinstance(value, float) else str(value)
    return None


class _Exposition:
    def __init__(self) -> None:
        self.families: dict[str, tuple[str, str, list[str]]] = {}

    def add(self, name: str, kind: str, help_text: str, value: Any,
            labels: Mapping[str, Any] | None = None) -> None:
        num = _number(value)
        if num is None:
            return
        full = f"{PREFIX}_{name}"
        fam = self.families.setdefault(full, (kind, help_text, []))
        sample = full + ("_total" if kind == "counter" else "")
        if labels:
            inner = ",".join(f'{metric_name(k)}="{_escape(v)}"' for k, v in labels.items())
            sample += "{" + inner + "}"
        fam[2].append(f"{sample} {num}")

    def text(self) -> str:
        lines: list[str] = []
        for full, (kind, help_text, samples) in self.families.items():
            lines.append(f"# HELP {full} {help_text}")
            lines.append(f"# TYPE {full} {kind}")
            lines += samples
        return "\n".join(lines) + "\n"


def _leaves(prefix: str, obj: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            yield from _leaves(f"{prefix}.{k}" if prefix else str(k), v)
    elif _number(obj) is not None:
        yield prefix, obj


def render(status: Mapping[str, Any]) -> str:
    """The status dict of `App.status()` as Prometheus text; unknown parts are skipped."""
    m = _Exposition()
    lane = status.get("lane", {})
    m.add("info", "gauge", "Build and lane of this daemon (always 1)", 1,
          {"version": status.get("version", ""), "port": lane.get("port", ""),
           "lane": lane.get("id", ""), "kind": lane.get("kind", ""), "mode": lane.get("mode", "")})
    m.add("lane_open", "gauge", "1 when the lane is open", lane.get("mode") == "open")
    m.add("ready", "gauge", "1 once the daemon said READY", status.get("ready"))
    m.add("uptime_seconds", "gauge", "Seconds since the daemon started", status.get("uptime_s"))
    for name, d in status.get("devices", {}).items():
        for state in DEVICE_STATES:
            m.add("device_state", "gauge", "1 for the state each device is in",
                  d.get("state") == state, {"device": name, "state": state})
    for name, d in status.get("devices", {}).items():
        m.add("device_restarts", "counter", "Driver restarts after a failure", d.get("restarts"),
              {"device": name})
    for name, d in status.get("devices", {}).items():
        m.add("device_failures", "counter", "Driver failures", d.get("failures"), {"device": name})
    for name, d in status.get("devices", {}).items():
        m.add("device_reads", "counter", "Typed reads the device gave the lane (lines, tags, plates, "
              "documents)", d.get("reads"), {"device": name})
    for name, d in status.get("devices", {}).items():
        m.add("device_bad_reads", "counter", "Device input that could not be read (typed errors, "
              "corrupt frames)", d.get("bad_reads"), {"device": name})
    for name, d in status.get("devices", {}).items():
        m.add("device_last_read_timestamp_seconds", "gauge", "Wall-clock time of the last read",
              d.get("last_read"), {"device": name})
    for name, d in status.get("devices", {}).items():
        for counter, value in sorted(d.get("counters", {}).items()):
            m.add("device_events", "counter", "Per-device counters (reads, bad frames, ...)", value,
                  {"device": name, "counter": counter})
    for etype, value in sorted(status.get("events", {}).items()):
        m.add("bus_events", "counter", "Events published on the bus by type", value, {"type": etype})
    store = status.get("store", {})
    m.add("store_size_bytes", "gauge", "Store file size with WAL", store.get("size_bytes"))
    m.add("store_queued_writes", "gauge", "Writes waiting for the store writer", store.get("queued_writes"))
    m.add("store_transactions", "counter", "Store transactions committed", store.get("transactions"))
    ob = status.get("outbox", {})
    for state in ("pending", "sent", "confirmed"):
        m.add("outbox_messages", "gauge", "Outbox messages by state", ob.get(state), {"state": state})
    m.add("outbox_backlog", "gauge", "Messages not yet confirmed by headquarters", ob.get("backlog"))
    m.add("outbox_oldest_unconfirmed_age_seconds", "gauge", "Age of the oldest unconfirmed message",
          ob.get("oldest_unconfirmed_age_s"))
    for key, value in ob.items():
        if key.startswith("drain_per_min_"):
            m.add("outbox_drain_per_minute", "gauge", "Messages confirmed per minute",
                  value, {"window": key.removeprefix("drain_per_min_")})
    for comp, info in status.get("components", {}).items():
        for key, value in _leaves("", info):
            m.add("component_value", "gauge", "Numeric values reported by each component", value,
                  {"component": comp, "key": key})
    return m.text()
