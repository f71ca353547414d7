"""Fail-safe: a missing, truncated, mismatched or slow model never lets a crossing through."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from edge.decision.engine import DecisionEngine
from edge.decision.features import FEATURE_NAMES, N_FEATURES, SCHEMA_VERSION
from edge.decision.refdata import RefData
from edge.decision.routing import Thresholds
from edge.models.scorer import SHIPPED_MODEL, ModelUnavailableError, Scorer

from .conftest import crossing, doc, make_scorer
from .test_routing import FAST_OK, NEXUS_OK


def build_model(
    path: Path,
    *,
    input_name: str = "features",
    n: int = N_FEATURES,
    schema: str = SCHEMA_VERSION,
    names: list[str] | None = None,
    bias: float = -5.0,
    version: str = "9",
) -> Path:
    """A tiny logistic model (constant weights) with the scorer's contract, or a broken one."""
    w = [0.1] * n
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", [input_name, "W"], ["z0"]),
            helper.make_node("Add", ["z0", "B"], ["z"]),
            helper.make_node("Sigmoid", ["z"], ["risk"]),
            helper.make_node("Mul", [input_name, "Wr"], ["contrib"]),
        ],
        "t",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", n])],
        [
            helper.make_tensor_value_info("risk", TensorProto.FLOAT, ["N", 1]),
            helper.make_tensor_value_info("contrib", TensorProto.FLOAT, ["N", n]),
        ],
        [
            helper.make_tensor("W", TensorProto.FLOAT, [n, 1], w),
            helper.make_tensor("B", TensorProto.FLOAT, [1], [bias]),
            helper.make_tensor("Wr", TensorProto.FLOAT, [1, n], w),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    for k, v in {
        "model_name": "test",
        "model_version": version,
        "feature_schema_version": schema,
        "feature_names": json.dumps(names if names is not None else list(FEATURE_NAMES)),
    }.items():
        model.metadata_props.add(key=k, value=v)
    path.write_bytes(model.SerializeToString())
    return path


def assert_refers_unavailable(refdata: RefData, scorer: Scorer) -> None:
    engine = DecisionEngine(refdata, scorer, Thresholds())
    for lane, fields in (
        ("nexus", NEXUS_OK),
        ("fast", FAST_OK),
        ("passenger", {"documents": [doc()]}),
        ("commercial", {**FAST_OK, "documents": [doc()]}),
    ):
        rec = engine.decide(crossing(lane, **fields))
        assert rec.action == "refer", lane
        assert rec.score is None
        assert "model_unavailable" in {r.code for r in rec.reasons}


def test_shipped_model_is_healthy(scorer: Scorer) -> None:
    assert scorer.ready, scorer.fault
    res = scorer.score(np.zeros((3, N_FEATURES), dtype=np.float32))
    assert len(res.scores) == 3
    assert res.contrib.shape == (3, N_FEATURES)


def test_missing_model(refdata: RefData, tmp_path: Path) -> None:
    s = make_scorer(tmp_path / "absent.onnx")
    assert s.fault == "model.missing"
    assert_refers_unavailable(refdata, s)


def test_model_deleted_while_running(refdata: RefData, tmp_path: Path) -> None:
    path = Path(shutil.copy(SHIPPED_MODEL, tmp_path / "risk.onnx"))
    s = make_scorer(path)
    assert s.ready
    path.unlink()
    assert s.maybe_reload()
    assert s.fault == "model.missing"
    assert_refers_unavailable(refdata, s)


def test_truncated_model(refdata: RefData, tmp_path: Path) -> None:
    data = SHIPPED_MODEL.read_bytes()
    path = tmp_path / "risk.onnx"
    path.write_bytes(data[: len(data) // 2])
    s = make_scorer(path)
    assert s.fault == "model.corrupt"
    assert_refers_unavailable(refdata, s)


def test_garbage_model(refdata: RefData, tmp_path: Path) -> None:
    path = tmp_path / "risk.onnx"
    path.write_bytes(b"not a model at all")
    assert make_scorer(path).fault == "model.corrupt"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input_name": "x"},
        {"n": N_FEATURES - 1},
        {"schema": "risk-features/0"},
        {"names": list(reversed(FEATURE_NAMES))},
    ],
)
def test_mismatched_model(refdata: RefData, tmp_path: Path, kwargs: dict[str, object]) -> None:
    s = make_scorer(build_model(tmp_path / "m.onnx", **kwargs))  # type: ignore[arg-type]
    assert s.fault == "model.schema_mismatch"
    assert_refers_unavailable(refdata, s)


def test_slow_model(refdata: RefData) -> None:
    s = make_scorer(timeout_ms=0.0)  # any real inference takes longer than 0 ms
    assert s.ready  # loaded fine; each run is too slow
    with pytest.raises(ModelUnavailableError):
        s.score(np.zeros((1, N_FEATURES), dtype=np.float32))
    assert_refers_unavailable(refdata, s)
    assert s.slow_runs >= 4


def test_slow_model_with_fake_clock() -> None:
    ticks = iter([0.0, 1.0])  # one second per inference
    s = make_scorer(timeout_ms=50.0, clock=lambda: next(ticks))
    with pytest.raises(ModelUnavailableError) as info:
        s.score(np.zeros((1, N_FEATURES), dtype=np.float32))
    assert info.value.fields["fault"] == "model.slow"


def test_reload_swaps_atomically_and_recovers(refdata: RefData, tmp_path: Path) -> None:
    live = tmp_path / "risk.onnx"
    shutil.copy(SHIPPED_MODEL, live)
    s = make_scorer(live)
    before = s.version
    assert not s.maybe_reload()  # unchanged file: nothing to do
    assert s.install(build_model(tmp_path / "new.onnx", version="42"))
    assert s.version != before
    assert s.version.startswith("test-42@")
    live.write_bytes(b"broken")
    s.maybe_reload()
    assert not s.ready
    assert_refers_unavailable(refdata, s)
    assert s.install(SHIPPED_MODEL)
    assert s.ready
    assert s.version == before


def test_shadow_counts_agreement(refdata: RefData, scorer: Scorer, tmp_path: Path) -> None:
    high = make_scorer(build_model(tmp_path / "high.onnx", bias=5.0))
    engine = DecisionEngine(refdata, scorer, Thresholds(), shadow=high)
    rec = engine.decide(crossing("nexus", **NEXUS_OK))
    assert rec.action == "proceed_nexus"  # only the live model acts
    assert rec.shadow is not None
    assert rec.shadow["agrees"] is False
    engine.shadow = scorer
    engine.decide(crossing("nexus", **NEXUS_OK))
    stats = engine.shadow_stats.to_dict()
    assert stats["agree"] == 1
    assert stats["disagree"] == 1
    assert stats["agreement"] == 0.5


def test_shadow_fault_never_acts(refdata: RefData, scorer: Scorer, tmp_path: Path) -> None:
    engine = DecisionEngine(
        refdata, scorer, Thresholds(), shadow=make_scorer(tmp_path / "absent.onnx")
    )
    rec = engine.decide(crossing("nexus", **NEXUS_OK))
    assert rec.action == "proceed_nexus"
    assert rec.shadow == {"model": "none", "fault": "model.missing"}
    assert engine.shadow_stats.shadow_faults == 1


def test_onnx_checker_accepts_test_models(tmp_path: Path) -> None:
    onnx.checker.check_model(onnx.load(build_model(tmp_path / "m.onnx")))
