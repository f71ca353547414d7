"""The runtime wrapper around onnxruntime for the risk model: load, check, warm, score, reload.

One session is loaded at start and warmed with one inference. The model must declare the
feature schema this code computes (input `features` [N, F] float32, outputs `risk` [N, 1] and
`contrib` [N, F], metadata `feature_schema_version` and `feature_names`); anything else is a
fault, never a guess. A fault (missing, corrupt, mismatched or too slow model) is visible in
`fault` and makes `score` raise `ModelUnavailableError`, which routing turns into a referral
with reason `model_unavailable`: a broken model can never yield a release.

Reload is atomic: a new session is built and checked beside the one in use, then swapped in
with one assignment; a scorer never runs half of one model and half of another. A model from
headquarters goes through `prepare` (the same checks, the live model untouched on any fault)
and `adopt` once its file is safely on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.errors import DecisionError

SHIPPED_MODEL = Path(__file__).resolve().parent / "risk" / "risk.onnx"
INPUT_NAME = "features"
OUTPUTS = ("risk", "contrib")


class ModelUnavailableError(DecisionError):
    """No usable model: the crossing must be referred (`model_unavailable`)."""

    code = "model.unavailable"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Scores per row (travellers, then the crossing's aggregate row) and contributions."""

    scores: tuple[float, ...]
    contrib: npt.NDArray[np.float32]
    model: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class _Loaded:
    session: ort.InferenceSession
    version: str
    sha256: str
    stat: tuple[int, int, int]
    meta: dict[str, str]


@dataclass(frozen=True, slots=True)
class PreparedModel:
    """A model checked, loaded and warmed beside the one in use, ready for `Scorer.adopt`."""

    loaded: _Loaded

    @property
    def version(self) -> str:
        return self.loaded.version

    @property
    def sha256(self) -> str:
        return self.loaded.sha256

    @property
    def meta(self) -> dict[str, str]:
        return self.loaded.meta


def _stat(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Scorer:
    """Scores feature matrices with the model at `path`; never raises on load, records faults."""

    def __init__(
        self,
        path: str | Path,
        *,
        schema_version: str,
        feature_names: Sequence[str],
        timeout_ms: float = 50.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.path = Path(path)
        self.schema_version = schema_version
        self.feature_names = tuple(feature_names)
        self.timeout_ms = timeout_ms
        self._clock = clock
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self.fault: str | None = None
        self.reloads = 0
        self.slow_runs = 0
        self.load()

    @property
    def version(self) -> str:
        loaded = self._loaded
        return "none" if loaded is None else loaded.version

    @property
    def ready(self) -> bool:
        return self._loaded is not None and self.fault is None

    def _open(self) -> _Loaded:
        try:
            stat = _stat(self.path)
            data = self.path.read_bytes()
        except OSError as err:
            raise ModelUnavailableError("model file missing", fault="model.missing") from err
        return self._build(data, stat)

    def _build(self, data: bytes, stat: tuple[int, int, int]) -> _Loaded:
        """A checked and warmed session from model bytes; raises with a fault code."""
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        try:
            session = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        except Exception as err:  # onnxruntime raises several untyped errors on bad files
            raise ModelUnavailableError("model file corrupt", fault="model.corrupt") from err
        self._check(session)
        meta = session.get_modelmeta().custom_metadata_map
        sha = hashlib.sha256(data).hexdigest()
        version = f"{meta.get('model_name', 'risk')}-{meta.get('model_version', '?')}@{sha[:12]}"
        warm = np.zeros((1, len(self.feature_names)), dtype=np.float32)
        try:
            session.run(list(OUTPUTS), {INPUT_NAME: warm})
        except Exception as err:
            raise ModelUnavailableError("model fails to run", fault="model.corrupt") from err
        return _Loaded(session, version, sha, stat, dict(meta))

    def _check(self, session: ort.InferenceSession) -> None:
        inputs = session.get_inputs()
        outputs = {o.name for o in session.get_outputs()}
        mismatch = ModelUnavailableError(
            "model does not fit the schema", fault="model.schema_mismatch"
        )
        if len(inputs) != 1 or inputs[0].name != INPUT_NAME or not set(OUTPUTS) <= outputs:
            raise mismatch
        shape = inputs[0].shape
        if len(shape) != 2 or shape[1] != len(self.feature_names):
            raise mismatch
        meta = session.get_modelmeta().custom_metadata_map
        if meta.get("feature_schema_version") != self.schema_version:
            raise mismatch
        try:
            names = json.loads(meta.get("feature_names", "[]"))
        except json.JSONDecodeError:
            raise mismatch from None
        if tuple(names) != self.feature_names:
            raise mismatch

    def load(self) -> bool:
        """(Re)load the file; on failure the scorer becomes unavailable with a fault code."""
        with self._lock:
            try:
                loaded = self._open()
            except ModelUnavailableError as err:
                self._loaded = None
                self.fault = str(err.fields.get("fault", err.code))
                return False
            self._loaded = loaded
            self.fault = None
            self.reloads += 1
            return True

    def maybe_reload(self) -> bool:
        """Reload if the model file changed (or vanished); returns True if anything changed."""
        loaded = self._loaded
        try:
            stat = _stat(self.path)
        except OSError:
            stat = None
        if loaded is not None and stat == loaded.stat:
            return False
        if loaded is None and stat is None and self.fault == "model.missing":
            return False
        self.load()
        return True

    def install(self, new_model: str | Path) -> bool:
        """Install a new model file atomically (copy beside, rename over) and load it."""
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".onnx.tmp")
        os.close(fd)
        try:
            shutil.copyfile(new_model, tmp)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self.load()

    def prepare(self, data: bytes) -> PreparedModel:
        """Check model bytes with this scorer's contract (schema, inputs and outputs, one run).

        Touches nothing in use: raises `ModelUnavailableError` (with `fault`) and the model in
        service stays. Slow (a session load): call it off the event loop."""
        return PreparedModel(self._build(data, (0, 0, 0)))

    def adopt(self, prepared: PreparedModel, path: str | Path) -> None:
        """Swap in a prepared model that now lives at `path` (one assignment, under the lock)."""
        target = Path(path)
        loaded = prepared.loaded
        with self._lock:
            self._loaded = _Loaded(loaded.session, loaded.version, loaded.sha256, _stat(target),
                                   loaded.meta)
            self.path = target
            self.fault = None
            self.reloads += 1

    def score(self, x: npt.NDArray[np.float32]) -> ScoreResult:
        """Score rows of `x`; raises `ModelUnavailableError` on any fault or a slow run."""
        loaded = self._loaded
        if loaded is None or self.fault is not None:
            raise ModelUnavailableError("no usable model", fault=self.fault or "model.missing")
        start = self._clock()
        try:
            risk, contrib = loaded.session.run(list(OUTPUTS), {INPUT_NAME: x})
        except Exception as err:
            raise ModelUnavailableError("model run failed", fault="model.run") from err
        elapsed_ms = (self._clock() - start) * 1000.0
        if elapsed_ms > self.timeout_ms:
            self.slow_runs += 1
            raise ModelUnavailableError(
                "model too slow", fault="model.slow", elapsed_ms=round(elapsed_ms, 3)
            )
        scores = tuple(float(v) for v in np.asarray(risk).reshape(-1))
        return ScoreResult(
            scores, np.asarray(contrib, dtype=np.float32), loaded.version, elapsed_ms
        )

    def describe(self) -> dict[str, Any]:
        loaded = self._loaded
        return {
            "path": str(self.path),
            "version": self.version,
            "fault": self.fault,
            "sha256": None if loaded is None else loaded.sha256,
            "name": None if loaded is None else loaded.meta.get("model_name"),
            "model_version": None if loaded is None else loaded.meta.get("model_version"),
            "schema": self.schema_version,
            "reloads": self.reloads,
            "slow_runs": self.slow_runs,
        }
