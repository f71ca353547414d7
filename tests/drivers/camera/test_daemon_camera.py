"""The real daemon with a camera from lane.toml: the simulated camera's plate is stored."""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import lane_config
from tests.drivers.camera.conftest import readable_seed


def camera_device(name: str, url: str, options: str = "") -> str:
    return (f'\n[[devices]]\nname = "{name}"\nkind = "camera"\ndriver = "opencv"\nurl = "{url}"\n'
            f"[devices.options]\nsample_fps = 10.0\nvehicle_gap_s = 1.0\n{options}")


def stored_plates(db: Path) -> list[dict]:
    conn = sqlite3.connect(db)
    try:
        return [json.loads(p) for (p,) in
                conn.execute("SELECT payload FROM reads WHERE kind = 'plate' ORDER BY id")]
    finally:
        conn.close()


def test_daemon_stores_the_plate_of_a_simulated_camera(tmp_path: Path, daemon_factory,
                                                       camera_server) -> None:
    schedule = [(0.3, "B52FJK", False, 2.5)]
    # an empty lane until the daemon watches (the schedule starts an hour from now)
    srv = camera_server(schedule, fps=10.0, seed=readable_seed(schedule), epoch=time.time() + 3600)
    d = daemon_factory(lane_config(tmp_path, camera_device("cam1", srv.url)))
    d.wait_ready(timeout=30)
    d.wait_for(lambda s: s["devices"]["cam1"]["state"] == "open", timeout=20, what="camera open")
    srv.epoch = time.time()  # the car drives in now that the daemon is watching
    st = d.wait_for(lambda s: s["devices"]["cam1"]["counters"].get("vehicles") == 1, timeout=20,
                    what="one vehicle")
    assert st["devices"]["cam1"]["counters"]["plate_reads"] >= 3
    assert d.terminate()[0] == 0
    (plate,) = stored_plates(tmp_path / "lane.sqlite")
    assert plate["text"] == "B52FJK" and not plate["low_confidence"]
    crop = cv2.imdecode(np.frombuffer(base64.b64decode(plate["crop_jpeg_b64"]), np.uint8),
                        cv2.IMREAD_COLOR)
    assert crop is not None and len(plate["box"]) == 4
