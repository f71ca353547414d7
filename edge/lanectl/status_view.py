"""`lanectl status`: the daemon's components (sync, lane, booth, ops) in a technician's words.

The control channel answers each component's own status dict (what `--json` prints). Here each
known component gets one or two lines that say what matters on site (is headquarters reached,
is the booth page served, is the model scoring), and `attention` what needs someone. A component
this file does not know is still shown, as its JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from edge.lanectl.render import ago


def _sync(info: dict[str, Any], now: float) -> list[str]:
    link = info.get("link")
    if not isinstance(link, dict):
        return [f"state {info.get('state', '?')}"]
    where = f"{link['host']}:{link['port']} (MQTT {link['protocol']}, {'TLS' if link['tls'] else 'no TLS'})"
    if link["state"] == "connected":
        head = f"connected to {where}"
    else:
        err = f"; last error: {link['last_error']}" if link.get("last_error") else ""
        head = f"{link['state'].upper()}: not connected to {where}, {link['failures']} failed attempt(s){err}"
    up = info.get("uplink", {})
    acked = info.get("last_ack_at")
    lines = [head, f"uplink: {up.get('acked', 0)} acknowledged, {link.get('inflight', 0)} in flight, "
                   f"{up.get('refused', 0)} refused by the broker; last acknowledgement "
                   f"{ago(now - acked) if acked else 'never'}"]
    down = info.get("downlink", {})
    applied = down.get("applied") or {}
    refusals = down.get("refusals") or {}
    got = ", ".join(f"{k} v{v}" for k, v in sorted(applied.items())) or "nothing applied"
    refused = f"; refused {sum(refusals.values())} ({', '.join(sorted(refusals))})" if refusals else ""
    lines.append(f"downlink: {got}{refused}")
    return lines


def _lane(info: dict[str, Any], _now: float) -> list[str]:
    counts = ", ".join(f"{info.get(k, 0)} {k}" for k in
                       ("crossings", "vehicles", "plates", "documents", "recommendations", "decisions"))
    model = info.get("model") or "-"
    fault = info.get("model_fault")
    return [counts, f"model {model}" + (f" FAULT {fault}: every traveller is referred" if fault else "")
            + f"; {info.get('active_crossings', 0)} crossing(s) open"]


def _booth(info: dict[str, Any], _now: float) -> list[str]:
    if info.get("bind_error"):
        return [f"NOT SERVED on {info['bind']}:{info['port']}: {info['bind_error']}"]
    token = ", token required" if info.get("token_required") else ""
    return [f"http://{info['bind']}:{info['port']}/ ({info.get('live_clients', 0)} live page(s){token})"]


def _ops(info: dict[str, Any], now: float) -> list[str]:
    ret = info.get("retention") or {}
    last = ret.get("last")
    at = last.get("at") if isinstance(last, dict) else None
    line = f"retention: {ret.get('runs', 0)} run(s)" + (f", last {ago(now - at)}" if at else "")
    hq = info.get("hq_config")
    if isinstance(hq, dict):
        line += f"; headquarters' config overlays applied: {hq.get('applied', 0)}"
    return [line]


VIEWS: dict[str, Callable[[dict[str, Any], float], list[str]]] = {
    "sync": _sync, "lane": _lane, "booth": _booth, "ops": _ops}


def component_lines(components: dict[str, Any], now: float) -> list[str]:
    """`name  line` for each component (continuation lines indented under the first)."""
    out: list[str] = []
    for name, info in components.items():
        view = VIEWS.get(name)
        try:
            lines = view(info, now) if view is not None and isinstance(info, dict) else []
        except (KeyError, TypeError, AttributeError):  # a daemon of another version: show it raw
            lines = []
        lines = lines or [json.dumps(info, default=str)]
        out.append(f"{name:<6} {lines[0]}")
        out += [f"{'':<6} {ln}" for ln in lines[1:]]
    if "sync" not in components:  # the daemon adds it when mqtt.enabled
        out.append("sync   off (mqtt.enabled = false): events wait in the outbox")
    return out


# A refused update stays worth a look for a day; a replayed one is an old message seen again.
REFUSAL_NOTICE_S = 86400.0


def component_attention(components: dict[str, Any], now: float) -> list[str]:
    """What in the components needs someone: headquarters unreachable, an update refused in the
    last day, the booth page not served, the risk model faulted."""
    out = []
    sync = components.get("sync") or {}
    link = sync.get("link") if isinstance(sync, dict) else None
    if isinstance(link, dict) and link.get("state") not in ("connected", "connecting", "starting"):
        out.append(f"headquarters' broker {link.get('host')}:{link.get('port')} not connected "
                   f"({link.get('last_error') or link.get('state')}): events wait in the outbox")
    last = (sync.get("downlink") or {}).get("last_refusal") if isinstance(sync, dict) else None
    if isinstance(last, dict) and last.get("reason") != "replayed" \
            and now - float(last.get("at") or 0) < REFUSAL_NOTICE_S:
        out.append(f"an update from headquarters was refused: {last.get('dataset')} v{last.get('version')} "
                   f"({last.get('reason')})")
    booth = components.get("booth") or {}
    if isinstance(booth, dict) and booth.get("bind_error"):
        out.append(f"booth page not served: {booth['bind_error']}")
    lane = components.get("lane") or {}
    if isinstance(lane, dict) and lane.get("model_fault"):
        out.append(f"risk model fault {lane['model_fault']}: every traveller is referred")
    return out


# A camera whose reader drops more than this share of the frames it samples cannot keep up
# (counted over at least DROP_MIN_SAMPLED frames, so that a slow start alone does not count).
DROP_SHARE, DROP_MIN_SAMPLED = 0.1, 100


def device_attention(devices: dict[str, Any]) -> list[str]:
    """What a device's counters say needs someone while its state is fine: a camera whose plate
    reader cannot keep up with the frames it samples (frames dropped, plates read less often)."""
    out = []
    for name, d in devices.items():
        c = d.get("counters") or {}
        sampled, dropped = int(c.get("sampled", 0)), int(c.get("dropped", 0))
        if d.get("kind") == "camera" and sampled >= DROP_MIN_SAMPLED and dropped > DROP_SHARE * sampled:
            out.append(f"camera {name}: the plate reader dropped {dropped} of {sampled} sampled frames "
                       f"({100 * dropped / sampled:.0f}%): this box cannot keep up; lower sample_fps or "
                       "set a roi (lanectl diag camera NAME --plates)")
    return out
