"""Camera options and sources, as `lanectl config check` sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import ConfigInvalid, DeviceConfig, read_problems
from edge.drivers.camera.options import (
    CameraOptions,
    Source,
    load_options,
    resolve_source,
    with_credentials,
)
from tests.conftest import lane_config


@pytest.mark.parametrize(("path", "url", "expected"), [
    ("0", None, Source("device", 0)),
    ("/dev/video2", None, Source("device", "/dev/video2")),
    ("/srv/replay.avi", None, Source("file", "/srv/replay.avi")),
    (None, "rtsp://cam.lane:554/h264", Source("network", "rtsp://cam.lane:554/h264")),
    (None, "http://10.0.0.7/video.mjpg", Source("network", "http://10.0.0.7/video.mjpg")),
    (None, "file:///srv/replay.avi", Source("file", "/srv/replay.avi")),
    ("/ignored", "https://cam/x.mjpg", Source("network", "https://cam/x.mjpg")),
])
def test_sources(path: str | None, url: str | None, expected: Source) -> None:
    assert resolve_source(path, url) == expected


def test_label_hides_credentials() -> None:
    src = resolve_source(None, "rtsp://admin:secret@10.1.2.3:554/stream1")
    assert src.label == "rtsp://10.1.2.3:554/stream1"
    assert "secret" not in src.label


def test_no_source_and_bad_scheme_are_errors() -> None:
    with pytest.raises(ValueError, match="path"):
        resolve_source(None, None)
    with pytest.raises(ValueError, match="scheme"):
        resolve_source(None, "gopher://cam")


def _dev(**options: object) -> DeviceConfig:
    return DeviceConfig(name="cam1", kind="camera", driver="opencv", url="rtsp://cam/1",
                        options=options)


def test_options_parse_with_defaults() -> None:
    opts, src = load_options(_dev(sample_fps=5, roi=[0, 200, 1280, 520], loop=True))
    assert opts == CameraOptions(sample_fps=5.0, roi=(0, 200, 1280, 520), loop=True)
    assert src.kind == "network"


def test_every_bad_option_is_reported() -> None:
    with pytest.raises(ConfigInvalid) as err:
        load_options(_dev(sample_fps=-1, roi=[1, 2, 3], reader_threads=0, colour="yes"))
    keys = {p.key for p in err.value.problems}
    assert {"devices.cam1.options.sample_fps", "devices.cam1.options.roi",
            "devices.cam1.options.reader_threads", "devices.cam1.options.colour"} <= keys


def test_config_check_knows_the_camera_driver(tmp_path: Path) -> None:
    good = lane_config(tmp_path, '\n[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\n'
                                 'url = "rtsp://10.0.0.7/stream1"\n[devices.options]\nsample_fps = 8\n')
    assert [p for p in read_problems(good) if p.severity == "error"] == []
    bad = lane_config(tmp_path, '\n[[devices]]\nname = "cam1"\nkind = "camera"\ndriver = "opencv"\n'
                                '[devices.options]\nsample_fps = "fast"\n')
    problems = {(p.key, p.code) for p in read_problems(bad)}
    assert ("devices[0].path", "config.missing") in problems
    assert ("devices[0].options.sample_fps", "config.type") in problems


def test_credentials_come_from_a_file_not_the_url() -> None:
    url = with_credentials("rtsp://10.1.2.3:554/stream1", "lane", "p@ss:w/rd")
    assert url == "rtsp://lane:p%40ss%3Aw%2Frd@10.1.2.3:554/stream1"
    assert with_credentials("http://admin@cam/x.mjpg", "", "pw") == "http://admin:pw@cam/x.mjpg"
    with pytest.raises(ConfigInvalid):
        load_options(_dev(password_file=""))


def test_camera_with_password_file_opens_with_credentials(tmp_path: Path) -> None:
    from edge.drivers.camera.capture import open_source
    from edge.drivers.camera.errors import CameraOpenFailed

    opts, src = load_options(_dev(password_file=str(tmp_path / "missing")))
    with pytest.raises(CameraOpenFailed, match="password file"):
        open_source(src, opts)
