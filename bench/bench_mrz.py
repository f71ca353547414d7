"""MRZ benchmarks: parse rate on one core, last-byte-to-event latency over a pty.

`run()` returns {"metric": {"value", "unit", "note"}} for `make bench`. If the optional `mrz`
package (GPL-3.0: benchmark comparison only, never a dependency) is importable, the same
documents go through its checkers and the ratio is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import statistics
import time
from typing import Any

from edge.documents import MrzFormat, parse_mrz
from edge.sim.mrz_scanner import random_document

TODAY = dt.date(2025, 6, 1)


def _documents(count: int = 2000, seed: int = 42) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    return [random_document(rng, today=TODAY) for _ in range(count)]


def _rate(fn: Any, docs: list[Any], min_seconds: float = 1.0) -> float:
    done, started = 0, time.perf_counter()
    while True:
        for doc in docs:
            fn(doc)
        done += len(docs)
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return done / elapsed


def _mrz_package_checker() -> Any | None:
    try:
        from mrz.checker.mrva import MRVACodeChecker
        from mrz.checker.mrvb import MRVBCodeChecker
        from mrz.checker.td1 import TD1CodeChecker
        from mrz.checker.td2 import TD2CodeChecker
        from mrz.checker.td3 import TD3CodeChecker
    except ImportError:
        return None
    by_shape = {
        (3, 30, False): TD1CodeChecker,
        (2, 36, False): TD2CodeChecker,
        (2, 44, False): TD3CodeChecker,
        (2, 44, True): MRVACodeChecker,
        (2, 36, True): MRVBCodeChecker,
    }

    def check(lines: tuple[str, ...]) -> bool:
        cls = by_shape[(len(lines), len(lines[0]), lines[0][0] == "V")]
        return bool(cls("\n".join(lines)))

    return check


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _latency(framing: str, baud: int, scans: int) -> list[float]:
    from edge.config import DeviceConfig
    from edge.drivers.base import DriverContext
    from edge.drivers.mrz_scanner.driver import MrzScannerDriver
    from edge.events import DocumentScanned, Event
    from edge.sim.mrz_scanner import SimulatedScanner

    arrivals: list[float] = []
    got = asyncio.Event()

    def emit(event: Event) -> None:
        if isinstance(event, DocumentScanned):
            arrivals.append(time.time())
            got.set()

    with SimulatedScanner(framing, baud=baud, seed=9) as sim:
        device = DeviceConfig(
            name="mrz1", kind="mrz_scanner", driver="serial", path=sim.path, baud=baud,
            framing=framing,
        )  # fmt: skip
        driver = MrzScannerDriver(device, DriverContext("mrz1", emit))
        task = asyncio.create_task(driver.run())
        await asyncio.sleep(0.3)
        latencies: list[float] = []
        for _ in range(scans):
            got.clear()
            _, last_byte = await asyncio.to_thread(sim.scan)
            await asyncio.wait_for(got.wait(), 5)
            latencies.append(arrivals[-1] - last_byte)
            await asyncio.sleep(0.05)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return latencies


def run() -> dict[str, dict[str, Any]]:
    docs = _documents()
    formats = sorted({len(d[0]) for d in docs})
    ours = _rate(lambda lines: parse_mrz(lines, today=TODAY), docs)
    out: dict[str, dict[str, Any]] = {
        "mrz_parse_rate": {
            "value": round(ours),
            "unit": "documents/s",
            "note": f"{len(docs)} seeded documents of all {len(MrzFormat)} formats (line lengths "
            f"{formats}), full parse and checks, one core",
        }
    }
    checker = _mrz_package_checker()
    if checker is None:
        out["mrz_pkg_ratio"] = {
            "value": None,
            "unit": "x",
            "note": "optional: the `mrz` package is not installed (GPL-3.0, comparison only)",
        }
    else:
        theirs = _rate(checker, docs)
        out["mrz_pkg_check_rate"] = {
            "value": round(theirs),
            "unit": "documents/s",
            "note": "same documents through the `mrz` 0.6.2 package's checkers (GPL-3.0, "
            "optional; it rejects sex X and some document codes, so compare rates only)",
        }
        out["mrz_pkg_ratio"] = {
            "value": round(ours / theirs, 2),
            "unit": "x",
            "note": "edge.documents parse rate / `mrz` package check rate (>1 = we are faster)",
        }
    for framing in ("crlf", "3m"):
        try:
            lat = asyncio.run(_latency(framing, 9600, 40))
        except Exception as err:  # report, don't break the whole bench run
            out[f"mrz_latency_{framing}_p50"] = {
                "value": None, "unit": "ms", "note": f"failed: {type(err).__name__}",
            }  # fmt: skip
            continue
        note = f"last serial byte (sim on a pty, 9600 baud, {framing}) to DocumentScanned emitted"
        out[f"mrz_latency_{framing}_p50"] = {
            "value": round(statistics.median(lat) * 1000, 2), "unit": "ms", "note": note,
        }  # fmt: skip
        out[f"mrz_latency_{framing}_p99"] = {
            "value": round(_percentile(lat, 0.99) * 1000, 2), "unit": "ms", "note": note,
        }  # fmt: skip
    return out


if __name__ == "__main__":
    for name, row in run().items():
        print(f"{name:32s} {row['value']:>12} {row['unit']:12s} {row['note']}")
