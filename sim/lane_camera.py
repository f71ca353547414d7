"""The lane's plate camera, when this checkout has the camera simulator and driver.

Guarded: `camera_missing()` says why there is no camera (the report prints "not simulated:
camera (...)"); nothing here imports OpenCV or the camera modules unless they are present.
The camera shows each vehicle's plate while it passes the RFID reader, on the wall clock of the
run (`epoch` = simulated second 0), for at least `MIN_SHOWN_WALL_S` so the driver sees enough
frames even in a compressed run.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from edge.lane.crossing import best_plate, plate_key
from edge.sim.traffic import LaneTraffic

MIN_SHOWN_WALL_S = 1.5
CAMERA_SIM = "edge.sim.camera_server"


def camera_missing() -> str | None:
    """None when the lane can have a simulated camera, else the reason it cannot."""
    if importlib.util.find_spec(CAMERA_SIM) is None:
        return "module missing"
    from edge.drivers.registry import REGISTRY

    if ("camera", "opencv") not in REGISTRY:
        return "no camera driver registered"
    return None


def scene_items(lane: LaneTraffic, speed: float) -> list[tuple[float, str, bool, float]]:
    """(start, text, night, shown) per vehicle, in wall seconds after the run's epoch."""
    return [(t / speed, text, False, MIN_SHOWN_WALL_S) for t, _pos, text in lane.plates]


def camera_fps(speed: float) -> float:
    """Frames per wall second. Compressing time shortens the gaps between vehicles but not the
    camera's own latency (frames to a confident vote), so a fast run needs a faster camera:
    10 fps up to 4x, then more, capped at 25 (what one core reads comfortably)."""
    return min(25.0, 10.0 * max(1.0, speed / 4.0))


def start_camera(lane: LaneTraffic, speed: float) -> Any:
    """An MJPEG camera on a free loopback port, showing the lane's plates (epoch set later)."""
    import importlib

    module = importlib.import_module(CAMERA_SIM)
    return module.MjpegCameraServer(scene_items(lane, speed), fps=camera_fps(speed)).start()


def camera_device(url: str, speed: float = 1.0) -> str:
    """The daemon's camera section: sampling at the camera's rate, and a vehicle ends after the
    same number of frames without its plate (15) whatever the rate."""
    fps = camera_fps(speed)
    return (f'[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\nurl = "{url}"\n'
            f"[devices.options]\nsample_fps = {fps:g}\nvehicle_gap_s = {round(15.0 / fps, 3):g}\n")


def _plate_text(crossing: dict[str, Any]) -> str | None:
    best = best_plate(crossing.get("plates") or [])
    return None if best is None else str(best.get("text") or "")


def plate_accuracy(pairs: list[tuple[str, dict[str, Any] | None]]) -> dict[str, Any]:
    """(true plate, matched crossing) per vehicle -> exact / wrong / unread counts, and how many
    wrong ones are another vehicle's plate (a plate joined to the wrong crossing)."""
    exact = wrong = unread = foreign = 0
    misses: list[dict[str, Any]] = []
    truths = {plate_key(t) for t, _ in pairs}
    for truth, crossing in pairs:
        read = _plate_text(crossing) if crossing is not None else None
        if read is None:
            unread += 1
        elif plate_key(read) == plate_key(truth):
            exact += 1
            continue
        else:
            wrong += 1
            foreign += plate_key(read) in truths  # another vehicle's plate: joined the wrong car
        plates = (crossing or {}).get("plates") or []
        misses.append({"truth": truth, "read": read,
                       "plates": [{k: p.get(k) for k in ("text", "confidence", "reads")}
                                  for p in plates]})
    total = exact + wrong + unread
    return {"vehicles": total, "exact": exact, "wrong": wrong, "unread": unread,
            "on_another_vehicle": foreign,
            "exact_pct": None if total == 0 else round(100.0 * exact / total, 2),
            "misses": misses}
