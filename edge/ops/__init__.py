"""Daemon-side operations: control commands for lanectl, the live feed, reload, retention.

The daemon calls `register_ops(app, config_path)` once after building its `App`, and
`install_sighup(app, config_path)` once the loop runs. Names are imported lazily so that
lanectl, which uses only the pure parts (privacy, store facts), starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"OpsComponent": "edge.ops.handlers", "register_ops": "edge.ops.handlers",
         "install_sighup": "edge.ops.reload", "reload": "edge.ops.reload"}

__all__ = ["OpsComponent", "install_sighup", "register_ops", "reload"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
