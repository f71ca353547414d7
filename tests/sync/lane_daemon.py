"""A lane daemon in-process for the model and config downlink tests: config file, App, lane, ops.

The real `App` with the real `LaneService` (decision engine, onnxruntime scorer), the real
`SyncComponent` (added by the App because mqtt is enabled) and the ops layer with a config
file on disk, as `lane-edge run --config FILE` wires them; no devices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper
from sync_harness import LANE, PORT

from edge.config import load_config
from edge.daemon.app import App, AppOptions
from edge.daemon.lane_service import LaneService
from edge.decision.facts import from_dict
from edge.decision.features import FEATURE_NAMES, N_FEATURES, SCHEMA_VERSION
from edge.decision.routing import Recommendation
from edge.ops.handlers import register_ops


def write_config(tmp: Path, broker_port: int, keys: dict[str, str]) -> Path:
    trusted = "\n".join(f'{k} = "{v}"' for k, v in keys.items())
    text = f"""
[lane]
port = "{PORT}"
id = "{LANE}"
kind = "nexus"

[store]
path = "{tmp / 'lane.sqlite'}"

[mqtt]
enabled = true
host = "127.0.0.1"
port = {broker_port}

[mqtt.trusted_keys]
{trusted}

[retention]
personal_hours = 72.0
"""
    path = tmp / "lane.toml"
    path.write_text(text)
    return path


class LaneDaemon:
    """`lane-edge run` minus signals and devices."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self.app = App(load_config(config_path), AppOptions(components=[LaneService()]))
        register_ops(self.app, config_path)

    @property
    def lane(self) -> LaneService:
        comp = next(c for c in self.app.components if c.name == "lane")
        assert isinstance(comp, LaneService)
        return comp

    @property
    def sync(self) -> Any:
        return next(c for c in self.app.components if c.name == "sync")

    async def start(self) -> None:
        await self.app.start()
        await self.sync.link.wait_connected(10)

    async def stop(self) -> None:
        await self.app.stop()

    def recommend(self) -> Recommendation:
        """A NEXUS crossing with one unknown card, through the lane's own engine."""
        assert self.lane.engine is not None
        facts = from_dict({"crossing_id": "C1", "lane_kind": "nexus", "ts": 1.7e9,
                           "card_ids": ["N0000001"]})
        return self.lane.engine.decide(facts)


def model_bytes(*, name: str = "risk-test", version: str = "2", bias: float = -5.0,
                schema: str = SCHEMA_VERSION, n: int = N_FEATURES, input_name: str = "features") -> bytes:
    """A tiny logistic model with the scorer's contract (or a broken one, by the arguments)."""
    w = [0.1] * n
    graph = helper.make_graph(
        [helper.make_node("MatMul", [input_name, "W"], ["z0"]),
         helper.make_node("Add", ["z0", "B"], ["z"]),
         helper.make_node("Sigmoid", ["z"], ["risk"]),
         helper.make_node("Mul", [input_name, "Wr"], ["contrib"])],
        "t",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", n])],
        [helper.make_tensor_value_info("risk", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("contrib", TensorProto.FLOAT, ["N", n])],
        [helper.make_tensor("W", TensorProto.FLOAT, [n, 1], w),
         helper.make_tensor("B", TensorProto.FLOAT, [1], [bias]),
         helper.make_tensor("Wr", TensorProto.FLOAT, [1, n], w)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    names = list(FEATURE_NAMES)[:n] if n <= N_FEATURES else [*FEATURE_NAMES, *(f"x{i}" for i in range(n))][:n]
    for k, v in {"model_name": name, "model_version": version, "feature_schema_version": schema,
                 "feature_names": json.dumps(names)}.items():
        model.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(model)
    return model.SerializeToString()
