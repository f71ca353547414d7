"""One place that opens the plate models' onnxruntime sessions the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy.typing as npt
import onnxruntime as ort

from edge.models.plate_reader.errors import PlateModelInvalid, PlateModelMissing


def open_session(
    path: Path, intra_op_threads: int, what: str, warm_input: npt.NDArray[Any]
) -> ort.InferenceSession:
    """A CPU session of the model at `path` with `intra_op_threads` threads, run once on
    `warm_input` (the first run allocates; it must not land on the first frame). A missing
    file is PlateModelMissing; one onnxruntime cannot load or run is PlateModelInvalid."""
    if not path.is_file():
        raise PlateModelMissing(f"{what} model not found", path=str(path))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = intra_op_threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        session.run(None, {session.get_inputs()[0].name: warm_input})
    except Exception as err:  # onnxruntime raises several unrelated types
        raise PlateModelInvalid(f"{what} model cannot be loaded", path=str(path)) from err
    return session
