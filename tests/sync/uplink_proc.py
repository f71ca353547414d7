"""A lane's sync alone, as a process the kill test can SIGKILL: `uplink_proc.py STORE BROKER_PORT`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sync_harness import Lane, lane_cfg


async def main(store: Path, port: int) -> None:
    lane = Lane(lane_cfg(store.parent, port, mqtt_extra={"inflight": 64}), resend_after_s=2)
    await lane.start()
    print("started", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
