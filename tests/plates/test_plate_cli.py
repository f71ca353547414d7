"""`lanectl plate read IMAGE... [--json]`."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge.lanectl.main import main as lanectl
from edge.plate_cli import main
from edge.sim.plate_render import render_scene


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("plates")
    car, _ = render_scene(np.random.default_rng(102), "ABC 1234")
    empty, _ = render_scene(np.random.default_rng(5), None)
    cv2.imwrite(str(d / "car.jpg"), car, [cv2.IMWRITE_JPEG_QUALITY, 95])
    cv2.imwrite(str(d / "empty.png"), empty)
    return d / "car.jpg", d / "empty.png"


def test_json_lines_one_per_image(
    images: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    car, empty = images
    assert main(["read", str(car), str(empty), "--json"]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert [o["image"] for o in lines] == [str(car), str(empty)]
    (plate,) = lines[0]["plates"]
    assert plate["text"] == "ABC1234"
    assert 0.5 <= plate["confidence"] <= 1.0
    assert len(plate["box"]) == 4
    assert lines[1]["plates"] == []


def test_through_lanectl_as_the_technician_types_it(
    images: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """`lanectl plate read IMAGE --json`: lanectl hands over the words after `plate read` (the
    module's tests above call it directly, and this way was broken from 1e26856 on unseen)."""
    car, _empty = images
    assert lanectl(["plate", "read", str(car), "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert [p["text"] for p in json.loads(line)["plates"]] == ["ABC1234"]
    assert lanectl(["plate", "read", "--help"]) == 0
    assert "lanectl plate read" in capsys.readouterr().out


def test_a_folder_is_read_image_by_image(
    images: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A camera's saved frames are a folder: its images in name order, other files left out (it
    was 'image cannot be read', exit 1)."""
    car, empty = images
    (car.parent / "notes.txt").write_text("not an image")
    assert main(["read", str(car.parent), "--json"]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines()]
    assert [o["image"] for o in lines] == [str(car), str(empty)]
    assert [p["text"] for p in lines[0]["plates"]] == ["ABC1234"]


def test_text_output(images: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    car, empty = images
    assert main(["read", str(car), str(empty)]) == 0
    out = capsys.readouterr().out
    assert "ABC1234" in out
    assert f"{empty}: no plate" in out


def test_unreadable_image_is_reported_with_a_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 truncated")
    assert main(["read", str(bad), "--json"]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert obj["plates"] == []
    assert obj["error"]["code"] == "plate.image_invalid"


def test_missing_model_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "x.jpg", "--model", str(tmp_path / "none.onnx")]) == 2
    assert "plate.model_missing" in capsys.readouterr().err
    assert main(["read", "x.jpg", "--detector", str(tmp_path / "none.onnx")]) == 2
    err = capsys.readouterr().err
    assert "plate.model_missing" in err and "detector" in err


def test_help_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["read", "--help"]) == 0
    assert "--json" in capsys.readouterr().out
    assert main([]) == 2
