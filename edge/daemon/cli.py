"""`lane-edge`: the daemon's command line (systemd runs `lane-edge run --config FILE`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import edge
from edge.aio import wait_for
from edge.config import load_config
from edge.daemon.app import App
from edge.daemon.logs import setup_logging
from edge.errors import LaneEdgeError
from edge.ops.handlers import register_ops
from edge.ops.reload import install_sighup

log = logging.getLogger("edge.daemon")

STOP_BUDGET_S = 4.5  # systemd and the acceptance test give 5 s


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lane-edge",
        description="The lane-edge daemon: reads the lane's devices, correlates crossings, "
        "recommends, records, and syncs with headquarters.",
        epilog="On a lane box systemd runs: lane-edge run --config /etc/lane-edge/lane.toml\n"
        "Technicians: use `lanectl status` to see what a running daemon is doing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"lane-edge {edge.__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the daemon in the foreground (as systemd does)")
    run.add_argument("--config", "-c", required=True, help="lane TOML configuration file")
    run.add_argument("--log-level", help="override logging.level (TRACE, DEBUG, INFO, ...)")
    run.add_argument("--json-logs", action="store_true", help="one JSON object per log line")
    return p


async def _serve(app: App, config_path: str) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    install_sighup(app, config_path)  # SIGHUP / systemctl reload
    await stop.wait()
    log.info("stopping on signal")
    try:
        await wait_for(app.stop(), STOP_BUDGET_S)
    except TimeoutError:
        log.error("clean stop took longer than %.1f s; store writer forced closed", STOP_BUDGET_S)
        await asyncio.to_thread(app.store.close)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = load_config(args.config)
    except LaneEdgeError as err:
        print(f"lane-edge: {err}", file=sys.stderr)
        for p in getattr(err, "problems", []):
            print(f"  {p}", file=sys.stderr)
        return 2
    setup_logging(args.log_level or cfg.logging.level, args.json_logs or cfg.logging.json)
    try:
        app = App(cfg)
        register_ops(app, args.config)  # tail, outbox, lane, purge, sync, reload, metrics
        return asyncio.run(_serve(app, args.config))
    except LaneEdgeError as err:
        log.error("cannot start: %s", err)
        return 3


if __name__ == "__main__":
    sys.exit(main())
