"""Daemon-side operations: control commands for lanectl, the live feed, reload, retention.

The daemon calls `register_ops(app, config_path)` once after building its `App`, and
`install_sighup(app, config_path)` once the loop runs.
"""

from edge.ops.handlers import OpsComponent, register_ops
from edge.ops.reload import install_sighup, reload

__all__ = ["OpsComponent", "install_sighup", "register_ops", "reload"]
