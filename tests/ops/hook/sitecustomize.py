"""Test-only hook: wires edge.ops into the daemon until edge/daemon/cli.py calls it itself.

Put on PYTHONPATH of a daemon started by a test. `register_ops` is idempotent, so once the
daemon wires it, this hook changes nothing.
"""

import os
import sys
import time

try:
    import edge.daemon.app as _app
    from edge.ops import install_sighup, register_ops
except Exception:
    pass
else:
    _orig_init = _app.App.__init__
    _orig_start = _app.App.start

    def _config_path():
        return sys.argv[sys.argv.index("--config") + 1] if "--config" in sys.argv else None

    def _init(self, cfg, options=None):
        _orig_init(self, cfg, options)
        register_ops(self, _config_path())
        if os.environ.get("LANE_EDGE_TEST_BLOCK") == "1":
            # blocks the event loop on purpose: the watchdog test sees the pings stop
            self.control.register("test.block", lambda req: time.sleep(float(req["seconds"])))

    async def _start(self):
        await _orig_start(self)
        if _config_path():
            install_sighup(self, _config_path())

    _app.App.__init__ = _init
    _app.App.start = _start
