"""Packaging: one top-level name in the wheel, commands with useful --help, licences."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_holds_only_edge_at_top_level(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("lane_edge-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"edge"}
    for sub in ("drivers", "models", "sync", "sim"):
        assert f"edge/{sub}/__init__.py" in names
    assert "edge/examples/lane.toml" in names


@pytest.mark.parametrize(
    ("module", "words"),
    [
        ("edge.daemon.cli", ["run", "--config"]),
        ("edge.lanectl.main", ["status", "config", "Exit codes"]),
        ("edge.sim.cli", ["demo"]),
    ],
)
def test_commands_have_useful_help(module: str, words: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for w in words:
        assert w in out.stdout


def test_console_scripts_are_declared() -> None:
    eps = {
        e.name: e.value
        for e in metadata.entry_points(group="console_scripts")
        if e.name in ("lane-edge", "lanectl", "lane-sim")
    }
    assert eps == {
        "lane-edge": "edge.daemon.cli:main",
        "lanectl": "edge.lanectl.main:main",
        "lane-sim": "edge.sim.cli:main",
    }


COPYLEFT = re.compile(r"\b(A?GPL|GNU (Affero )?General Public)", re.I)
LESSER = re.compile(r"LGPL|Lesser", re.I)


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    parts = [meta.get("License-Expression") or "", meta.get("License") or ""]
    parts += [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
    return " | ".join(p for p in parts if p)[:300]


def _runtime_closure(name: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        n = re.split(r"[ ;<>=!\[~(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if n in seen:
            continue
        try:
            dist = metadata.distribution(n)
        except metadata.PackageNotFoundError:
            continue
        seen[n] = _licence(dist)
        for req in dist.requires or []:
            if "extra ==" not in req:
                todo.append(req)
    return seen


def test_no_gpl_at_run_time() -> None:
    closure = _runtime_closure("lane-edge")
    assert {"pyserial", "paho-mqtt", "numpy", "onnxruntime", "sqlite-utils"} <= set(closure)
    bad = {n: lic for n, lic in closure.items() if COPYLEFT.search(lic) and not LESSER.search(lic)}
    assert not bad, f"copyleft runtime dependencies: {bad}"
    assert "Apache-2.0" in _licence(metadata.distribution("lane-edge"))
