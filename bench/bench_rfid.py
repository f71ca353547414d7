"""RFID lane benchmark: how many sightings one core absorbs, and how soon a vehicle's crossing
exists after its last card read.

Run: `python bench/bench_rfid.py` (prints JSON) or through `make bench` (calls `run()`).
"""

from __future__ import annotations

import json
import statistics
import time

from edge.drivers.rfid import llrp_codec as m
from edge.drivers.rfid.line_profiles import SerialReaderOptions, TagLine, TagLineParser, format_line
from edge.events import TagSighting
from edge.lane.correlator import CrossingCorrelator, LaneOptions
from edge.lane.discrimination import LaneThresholds
from edge.lane.grouping import GroupingOptions
from edge.sim.llrp_reader import tag_report
from edge.sim.rfid_traffic import TrafficPlan, make_traffic

LANE = LaneOptions(thresholds=LaneThresholds(antennas=(1, 2)), grouping=GroupingOptions(gap_s=3.0))
TICK_S = 0.1


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> dict[str, dict[str, object]]:
    traffic = make_traffic(TrafficPlan(vehicles=300, seed=99))
    sightings = [
        TagSighting(ts=r.ts, device="rfid1", epc=r.epc, antenna=r.antenna, rssi=r.rssi) for r in traffic.reads
    ]

    # 1. lane logic throughput: every sighting through the correlator (no ticks)
    clock = [0.0]
    lane = CrossingCorrelator(LANE, clock=lambda: clock[0])
    t0 = time.perf_counter()
    for s in sightings:
        clock[0] = s.ts
        lane.handle(s)
    lane_rate = len(sightings) / (time.perf_counter() - t0)

    # 2. LLRP decode throughput: framer + decode of RO_ACCESS_REPORTs, 16 tags each
    stream = b"".join(
        m.encode_message(m.RoAccessReport(i, tuple(tag_report(r) for r in traffic.reads[j : j + 16])))
        for i, j in enumerate(range(0, len(traffic.reads), 16))
    )
    framer = m.LlrpFramer()
    t0 = time.perf_counter()
    tags = 0
    for k in range(0, len(stream), 4096):
        for raw in framer.feed(stream[k : k + 4096]):
            msg = m.decode_message(raw)
            assert isinstance(msg, m.RoAccessReport)
            tags += len(msg.tags)
    llrp_rate = tags / (time.perf_counter() - t0)

    # 3. serial line parsing throughput (csv profile)
    opts = SerialReaderOptions()
    lines = [format_line(TagLine(r.epc, r.antenna, r.rssi, r.ts), opts) for r in traffic.reads]
    parser = TagLineParser(opts)
    t0 = time.perf_counter()
    for line in lines:
        parser.parse(line)
    line_rate = len(lines) / (time.perf_counter() - t0)

    # 4. latency last sighting -> crossing event, lane time, ticking every TICK_S as the daemon does
    clock[0] = 0.0
    lane = CrossingCorrelator(LANE, clock=lambda: clock[0])
    latencies: list[float] = []
    compute_ms: list[float] = []
    next_tick = sightings[0].ts
    for s in sightings:
        while next_tick < s.ts:
            clock[0] = next_tick
            w0 = time.perf_counter()
            ups = lane.tick(next_tick)
            if ups:
                compute_ms.append((time.perf_counter() - w0) * 1000)
            latencies += [
                next_tick - u.snapshot["vehicle"]["last_seen"]
                for u in ups
                if u.step == "opened" and u.snapshot["vehicle"]
            ]
            next_tick += TICK_S
        clock[0] = s.ts
        lane.handle(s)
    return {
        "rfid_lane_sightings_per_s": {
            "value": round(lane_rate),
            "unit": "sightings/s",
            "note": f"one core, correlator.handle over {len(sightings)} simulated sightings",
        },
        "rfid_llrp_decode_tags_per_s": {
            "value": round(llrp_rate),
            "unit": "tags/s",
            "note": "LlrpFramer + decode_message, RO_ACCESS_REPORT with 16 TagReportData each",
        },
        "rfid_serial_parse_lines_per_s": {
            "value": round(line_rate),
            "unit": "lines/s",
            "note": "csv profile TagLineParser",
        },
        "rfid_crossing_latency_p50_s": {
            "value": round(statistics.median(latencies), 3),
            "unit": "s",
            "note": f"last card read -> crossing 'opened'; gap_s=3.0, tick every {TICK_S}s "
            "(the configured gap dominates by design)",
        },
        "rfid_crossing_latency_p99_s": {
            "value": round(_pct(latencies, 0.99), 3),
            "unit": "s",
            "note": f"same, p99 over {len(latencies)} vehicles",
        },
        "rfid_crossing_compute_p99_ms": {
            "value": round(_pct(compute_ms, 0.99), 3),
            "unit": "ms",
            "note": "wall time of the tick() call that closes a vehicle and builds its crossing",
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
