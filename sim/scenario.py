"""Scenarios: a TOML file naming the population, the traffic, the devices and the faults of a run.

`sim/scenarios/<name>.toml` holds each shipped scenario; `load_scenario` also takes a path.
Unknown keys are errors (a typo must not silently change a run). Times are simulated seconds
from the start of the run; `speed` compresses them into wall time.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.errors import ConfigError
from edge.sim.population import PopulationConfig
from edge.sim.traffic import RushHour, TrafficSpec

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
FAULT_KINDS = ("unplug", "garbage", "clock_jump", "slow_link", "camera_drop", "broker_outage")
DEVICES = ("rfid", "mrz", "camera", "broker")
# Headquarters' reference-data updates during a run: two that change the truth, three hostile
UPDATE_ACTIONS = ("lookout_add", "member_revoke", "unknown_key", "bad_signature", "malformed")


class ScenarioError(ConfigError):
    code = "sim.scenario"


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault on the schedule. `count`: garbage frames; `jump_s`: reader clock offset."""

    at_s: float
    kind: str
    device: str = "rfid"
    lane: int = 1
    duration_s: float = 0.0
    count: int = 0
    jump_s: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class RefdataUpdate:
    """One update headquarters sends at `at_s` (simulated) to every lane.

    `lookout_add`: a document lookout (`reason_code`) on a traveller who arrives later;
    `member_revoke`: a card holder who arrives later is revoked; `unknown_key` and
    `bad_signature`: a lookout delta signed with a key the lanes do not trust, or with a
    signature that does not verify (must be refused, the truth does not change); `malformed`:
    a downlink that is not an envelope at all.
    """

    at_s: float
    action: str
    reason_code: str = "LO-WANTED"

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Devices:
    rfid: str = "serial"  # serial or llrp
    mrz_framing: str = "crlf"
    mrz_baud: int = 9600
    camera: bool = True  # used when the camera simulator exists
    headquarters: bool = True  # used when the sync and headquarters simulators exist


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    exercises: tuple[str, ...]
    duration_s: float
    speed: float
    lanes: int
    seed: int
    population: PopulationConfig
    traffic: TrafficSpec
    devices: Devices
    faults: tuple[Fault, ...] = field(default=())
    refdata_updates: tuple[RefdataUpdate, ...] = field(default=())


def available() -> list[str]:
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def _fields(cls: Any, data: dict[str, Any], where: str) -> dict[str, Any]:
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ScenarioError(f"unknown key(s) in {where}: {', '.join(sorted(unknown))}",
                            keys=sorted(unknown))
    return data


def _traffic(data: dict[str, Any]) -> TrafficSpec:
    data = dict(_fields(TrafficSpec, data, "[traffic]"))
    rush = tuple(RushHour(float(r["start_s"]), float(r["end_s"]), float(r["factor"]))
                 for r in data.pop("rush", []))
    for key in ("lane_kinds", "occupants", "spacing_s", "pass_s"):
        if key in data:
            data[key] = tuple(data[key])
    kinds = data.get("lane_kinds", ("nexus",))
    bad = [k for k in kinds if k not in ("nexus", "fast", "passenger", "commercial")]
    if bad:
        raise ScenarioError(f"unknown lane kind(s): {bad}")
    return TrafficSpec(rush=rush, **data)


def parse_scenario(data: dict[str, Any], name: str) -> Scenario:
    top = {"name", "description", "exercises", "duration_s", "speed", "lanes", "seed",
           "population", "traffic", "devices", "faults", "refdata_updates"}
    unknown = set(data) - top
    if unknown:
        raise ScenarioError(f"unknown key(s) in scenario {name}: {', '.join(sorted(unknown))}")
    faults = []
    for i, f in enumerate(data.get("faults", [])):
        fault = Fault(**_fields(Fault, f, f"[[faults]] #{i + 1}"))
        if fault.kind not in FAULT_KINDS or fault.device not in DEVICES:
            raise ScenarioError(f"fault #{i + 1}: kind must be one of {FAULT_KINDS}, device one "
                                f"of {DEVICES}")
        faults.append(fault)
    updates = []
    for i, u in enumerate(data.get("refdata_updates", [])):
        try:
            update = RefdataUpdate(**_fields(RefdataUpdate, u, f"[[refdata_updates]] #{i + 1}"))
        except TypeError as err:
            raise ScenarioError(f"refdata update #{i + 1}: {err}") from err
        if update.action not in UPDATE_ACTIONS:
            raise ScenarioError(f"refdata update #{i + 1}: action must be one of {UPDATE_ACTIONS}")
        updates.append(dataclasses.replace(update, at_s=float(update.at_s)))
    try:
        return Scenario(
            name=str(data.get("name", name)),
            description=str(data.get("description", "")).strip(),
            exercises=tuple(data.get("exercises", ())),
            duration_s=float(data.get("duration_s", 600)),
            speed=float(data.get("speed", 10)),
            lanes=int(data.get("lanes", 1)),
            seed=int(data.get("seed", 1)),
            population=PopulationConfig(**_fields(PopulationConfig, data.get("population", {}),
                                                  "[population]")),
            traffic=_traffic(data.get("traffic", {})),
            devices=Devices(**_fields(Devices, data.get("devices", {}), "[devices]")),
            faults=tuple(sorted(faults, key=lambda f: f.at_s)),
            refdata_updates=tuple(sorted(updates, key=lambda u: u.at_s)),
        )
    except TypeError as err:
        raise ScenarioError(f"scenario {name}: {err}") from err


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        raise ScenarioError(f"no scenario {name_or_path!r} (shipped: {', '.join(available())})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"scenario {path.name} is not valid TOML: {err}") from err
    return parse_scenario(data, path.stem)


def with_overrides(sc: Scenario, **kw: Any) -> Scenario:
    """The scenario with command-line overrides (None values are ignored)."""
    changes = {k: v for k, v in kw.items() if v is not None}
    if "seed" in changes:
        changes["population"] = dataclasses.replace(sc.population, seed=changes["seed"])
    return dataclasses.replace(sc, **changes)
