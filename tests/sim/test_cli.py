"""`lane-sim` commands: config is a valid daemon config; scenarios are listed; help works."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from edge.config import check_config
from edge.sim.cli import build_parser, main


@pytest.mark.parametrize("scenario", ["rush-hour", "fast-commercial", "quiet-night"])
def test_config_is_a_valid_daemon_config(scenario: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--scenario", scenario, "--workdir", str(tmp_path), "--speed", "20"]) == 0
    text = capsys.readouterr().out
    cfg, problems = check_config(tomllib.loads(text), "lane-sim config")
    assert cfg is not None, problems
    assert [p for p in problems if p.severity == "error"] == []
    assert cfg.thresholds.vehicle_gap_s == pytest.approx(0.15)  # 3 s of lane time at 20x
    assert {d.kind for d in cfg.devices} == {"rfid", "mrz_scanner"}
    assert cfg.store.path.startswith(str(tmp_path))


def test_config_of_a_lane_that_does_not_exist(tmp_path: Path) -> None:
    assert main(["config", "--scenario", "rush-hour", "--workdir", str(tmp_path), "--lane", "3"]) == 2


def test_scenarios_are_listed_with_what_they_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name in ("quiet-night", "rush-hour", "fast-commercial", "outage-day", "hostile-input"):
        assert f"{name}:" in out
    assert out.count("    - ") >= 10


@pytest.mark.parametrize("command", ["run", "config", "demo", "scenarios"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    assert "usage: lane-sim" in capsys.readouterr().out
