"""Prometheus text for `/metrics`: `edge.metrics.render(status)` when the daemon has it, plus the
booth's own figures (live pages, events, decisions)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.booth.live import LiveFeed
    from edge.booth.state import BoothState


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def builtin(status: dict[str, Any]) -> str:
    """A minimal export of the daemon's status (used when edge.metrics is not there)."""
    lines = ["# HELP lane_edge_up 1 while the daemon answers", "# TYPE lane_edge_up gauge",
             "lane_edge_up 1"]
    if "uptime_s" in status:
        lines += ["# TYPE lane_edge_uptime_seconds gauge",
                  f"lane_edge_uptime_seconds {float(status['uptime_s'])}"]
    devices = status.get("devices") or {}
    if devices:
        lines.append("# TYPE lane_edge_device_open gauge")
        for name, dev in sorted(devices.items()):
            up = 1 if dev.get("state") == "open" else 0
            lines.append(f'lane_edge_device_open{{device="{_label(name)}",'
                         f'kind="{_label(str(dev.get("kind", "")))}"}} {up}')
    outbox = status.get("outbox") or {}
    if "backlog" in outbox:
        lines += ["# TYPE lane_edge_outbox_backlog gauge",
                  f"lane_edge_outbox_backlog {int(outbox['backlog'])}"]
    return "\n".join(lines) + "\n"


def render_metrics(status: dict[str, Any], state: BoothState, feed: LiveFeed) -> str:
    try:
        mod = importlib.import_module("edge.metrics")
        text = str(mod.render(status))
    except ImportError:
        text = builtin(status)
    if text and not text.endswith("\n"):
        text += "\n"
    counts = feed.counters.snapshot()
    open_ = sum(1 for s in state.crossings.values() if s.get("state") in ("approaching", "at_booth"))
    return text + "\n".join([
        "# HELP lane_edge_booth_clients booth pages connected to the live feed",
        "# TYPE lane_edge_booth_clients gauge",
        f"lane_edge_booth_clients {len(feed.clients)}",
        "# TYPE lane_edge_booth_events_total counter",
        f"lane_edge_booth_events_total {counts.get('events', 0)}",
        "# TYPE lane_edge_booth_slow_clients_dropped_total counter",
        f"lane_edge_booth_slow_clients_dropped_total {counts.get('slow_clients_dropped', 0)}",
        "# TYPE lane_edge_booth_open_crossings gauge",
        f"lane_edge_booth_open_crossings {open_}",
    ]) + "\n"
