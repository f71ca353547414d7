"""The daemon's model directory: models accepted from headquarters, versioned, with a pointer.

Each accepted model is one file `{name}-{version}-{sha12}.onnx`, written atomically (temporary
file, fsync, rename, fsync of the folder), so a power cut leaves either the old state or the new
one, never half a model. `current.json` (written the same way) names the model in service and
the one before it; the daemon starts on it after a restart. The previous file is kept (a
technician can roll back by hand), older ones are removed.

Pure file handling: no onnxruntime here (the scorer checks models), no MQTT.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from edge.atomic_file import write_atomic
from edge.errors import DecisionError

POINTER = "current.json"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class ModelDirError(DecisionError):
    """The model directory or its pointer cannot be read or written."""

    code = "model.dir"


@dataclass(frozen=True, slots=True)
class InstalledModel:
    """One accepted model: where it is and what headquarters said it is."""

    file: str
    name: str
    version: str
    sha256: str
    schema: str
    installed_at: float
    update_version: int  # the downlink envelope's version
    key_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_name(name: str, version: str, sha256: str) -> str:
    return f"{_SAFE.sub('_', name)}-{_SAFE.sub('_', version)}-{sha256[:12]}.onnx"


class ModelDir:
    """Accepted models and the pointer to the one in service."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_of(self, model: InstalledModel) -> Path:
        return self.root / model.file

    def write_model(self, name: str, version: str, data: bytes) -> Path:
        """Store model bytes under their versioned name (atomic); returns the path."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / file_name(name, version, hashlib.sha256(data).hexdigest())
        write_atomic(path, data)
        return path

    def read_pointer(self) -> dict[str, Any] | None:
        """`current.json` as written, or None when nothing was ever accepted."""
        try:
            body = json.loads((self.root / POINTER).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as err:
            raise ModelDirError("model pointer unreadable", path=str(self.root / POINTER)) from err
        if not isinstance(body, dict):
            raise ModelDirError("model pointer is not an object", path=str(self.root / POINTER))
        return body

    def current(self) -> InstalledModel | None:
        """The model in service, its file checked against the recorded sha256."""
        body = self.read_pointer()
        if body is None or body.get("current") is None:
            return None
        try:
            model = InstalledModel(**body["current"])
        except TypeError as err:
            raise ModelDirError("model pointer has wrong fields") from err
        try:
            digest = hashlib.sha256(self.path_of(model).read_bytes()).hexdigest()
        except OSError as err:
            raise ModelDirError("current model file missing", file=model.file) from err
        if digest != model.sha256:
            raise ModelDirError("current model file does not match its sha256", file=model.file)
        return model

    def commit(self, model: InstalledModel, previous: dict[str, Any] | None) -> None:
        """Point at `model` (atomic), keep `previous` (a dict as in the pointer) and its file."""
        body = {"current": model.to_dict(), "previous": previous}
        write_atomic(self.root / POINTER, json.dumps(body, indent=1, sort_keys=True).encode())
        keep = {model.file, *([previous["file"]] if previous and "file" in previous else [])}
        for old in self.root.glob("*.onnx"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
