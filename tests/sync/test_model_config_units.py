"""The pure parts of model and config downlinks: payload parsers, the model folder, the whitelist."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import schema_rows
from edge.config_overlay import REMOTE_SETTINGS, flatten, nest, not_allowed, out_of_range
from edge.models.installed import POINTER, InstalledModel, ModelDir, ModelDirError
from edge.ops.reload import LIVE_PREFIXES
from edge.sync import config_apply, model_apply
from edge.sync.envelope import Reason, Refused


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_model_payload_parser_raises_only_refused(raw: bytes) -> None:
    try:
        meta, data = model_apply.decode(raw)
    except Refused as err:
        reason = err.reason
    else:
        assert raw.endswith(data) and len(meta.sha256) == 64
        return
    assert reason is Reason.MALFORMED


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.from_regex(rb'\{"settings": ?\{.{0,40}\}\}', fullmatch=True))
def test_config_payload_parser_raises_only_refused(raw: bytes) -> None:
    try:
        got = config_apply.decode(raw)
    except Refused as err:
        reason = err.reason
    else:
        assert isinstance(got, dict)
        return
    assert reason is Reason.MALFORMED


@given(st.binary(max_size=200), st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10))
def test_model_payload_round_trip(data: bytes, name: str, version: str) -> None:
    meta, back = model_apply.decode(model_apply.encode_file(data, name=name, version=version,
                                                            schema="risk-features/1"))
    assert back == data and (meta.name, meta.version) == (name, version)
    assert meta.sha256 == hashlib.sha256(data).hexdigest()


def test_model_metadata_must_be_exact() -> None:
    upper = b'{"name":"a","version":"1","schema":"s","sha256":"' + b"A" * 64 + b'"}'
    empty = b'{"name":"","version":"1","schema":"s","sha256":"' + b"a" * 64 + b'"}'
    for head in (b'{"name":"a","version":"1","schema":"s"}', upper, b"[1]", empty):
        with pytest.raises(Refused):
            model_apply.decode(head + b"\nonnx")
    with pytest.raises(Refused):
        model_apply.decode(b"no newline at all")


keys = st.sampled_from(["a", "b", "c"])


@given(st.dictionaries(st.lists(keys, min_size=1, max_size=3).map(".".join), st.integers(), max_size=6))
def test_flatten_inverts_nest_when_no_key_is_a_prefix_of_another(flat: dict[str, int]) -> None:
    if any(k != o and o.startswith(k + ".") for k in flat for o in flat):
        return  # a value and a table under one name cannot both exist
    assert flatten(nest(flat)) == flat


def test_whitelist_is_live_documented_and_keeps_hq_off_the_box() -> None:
    documented = {k for k, _t, _d in schema_rows()}
    for key in REMOTE_SETTINGS:
        assert key in documented
        assert any(key == p or key.startswith(p) for p in LIVE_PREFIXES), key  # no restart needed
    forbidden = ("mqtt.", "devices", "store.", "booth.", "control.", "models.", "logging.", "lane.port",
                 "lane.id", "lane.kind", "thresholds.lane_antennas", "thresholds.min_rssi")
    assert not [k for k in REMOTE_SETTINGS if k.startswith(forbidden)]
    assert not_allowed({"mqtt": {"trusted_keys": {"x": "00"}}, "thresholds": {"refer_score": 0.4}}) == [
        "mqtt.trusted_keys.x"]
    assert out_of_range({"thresholds": {"refer_score": -0.1}, "lane": {"mode": "closed"}}) == [
        ("thresholds.refer_score", "must be between 0.0 and 1.0")]


def installed(path: Path, version: str) -> InstalledModel:
    data = path.read_bytes()
    return InstalledModel(path.name, "m", version, hashlib.sha256(data).hexdigest(), "risk-features/1",
                          1.0, int(version), "hq1")


def test_model_dir_keeps_current_and_previous_and_checks_the_file(tmp_path: Path) -> None:
    d = ModelDir(tmp_path / "models")
    assert d.current() is None
    models: list[InstalledModel] = []
    for v in (1, 2, 3):
        models.append(installed(d.write_model("m", str(v), f"model {v}".encode()), str(v)))
        d.commit(models[-1], models[-2].to_dict() if v > 1 else None)
        assert d.current() == models[-1]
    assert sorted(p.name for p in d.root.glob("*.onnx")) == sorted([models[1].file, models[2].file])
    assert not list(d.root.glob(".*.tmp"))
    assert json.loads((d.root / POINTER).read_text())["previous"]["version"] == "2"
    d.path_of(models[2]).write_bytes(b"model 4")
    with pytest.raises(ModelDirError):
        d.current()
    (d.root / POINTER).write_text("{")
    with pytest.raises(ModelDirError):
        d.current()
