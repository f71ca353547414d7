"""RFID drivers without hardware: bytes into the serial driver, an LLRP reader that refuses."""

from __future__ import annotations

import asyncio

import pytest

from edge.config import ConfigInvalid, DeviceConfig
from edge.drivers.base import DriverContext
from edge.drivers.rfid import llrp_codec as m
from edge.drivers.rfid.llrp_params import (
    LlrpStatus,
)
from edge.drivers.rfid.llrp_reader import LlrpRfidReader, parse_address
from edge.drivers.rfid.llrp_reports import ReaderEvent
from edge.drivers.rfid.serial_reader import SerialRfidReader
from edge.errors import ConfigError
from edge.events import BadRead, DeviceStateChanged, Event, TagSighting

EPC = "E28011600000000000000001"


def serial_driver(options: dict[str, object]) -> tuple[SerialRfidReader, list[Event]]:
    events: list[Event] = []
    ctx = DriverContext("rfid1", events.append, clock=lambda: 50.0)
    dev = DeviceConfig(
        name="rfid1", kind="rfid", driver="serial", path="loop://", framing="crlf", options=options
    )
    return SerialRfidReader(dev, ctx), events


def test_serial_driver_splits_chunks_and_counts_bad_lines() -> None:
    drv, events = serial_driver({"profile": "kv", "max_clock_skew_s": 0})
    data = f"epc={EPC} ant=1 rssi=-50 ts=10.5\r\nnoise\r\nepc={EPC} ant=2 rssi=-61\r\n".encode()
    for i in range(len(data)):  # one byte at a time
        drv.feed(data[i : i + 1], now=50.0)
    sightings = [e for e in events if isinstance(e, TagSighting)]
    assert [(s.ts, s.antenna, s.rssi) for s in sightings] == [(10.5, 1, -50.0), (50.0, 2, -61.0)]
    (bad,) = [e for e in events if isinstance(e, BadRead)]
    assert bad.code == "rfid.line.fields"
    assert drv.ctx.counters.get("reports") == 2
    assert drv.ctx.counters.get("bad_frames") == 1
    assert (drv.ctx.health.reads, drv.ctx.health.bad_reads) == (2, 1)  # lanectl status's columns


def test_serial_driver_over_long_line_and_arrival_time_option() -> None:
    drv, events = serial_driver({"max_line": 40, "use_reader_time": False})
    drv.feed(b"X" * 100, now=50.0)
    drv.feed(f"\r\n{EPC},1,-40,99.0\r\n".encode(), now=51.0)
    assert next(e.code for e in events if isinstance(e, BadRead)) == "rfid.line.too_long"
    (s,) = [e for e in events if isinstance(e, TagSighting)]
    assert s.ts == 51.0


def test_serial_driver_ignores_a_reader_clock_far_off_ours() -> None:
    drv, events = serial_driver({"max_clock_skew_s": 60.0})
    drv.feed(f"{EPC},1,-40,200.0\r\n{EPC},1,-40,49.5\r\n".encode(), now=50.0)
    assert [e.ts for e in events if isinstance(e, TagSighting)] == [50.0, 49.5]
    assert drv.ctx.counters.get("clock_skew") == 1


def test_serial_driver_rejects_bad_options() -> None:
    with pytest.raises(ConfigInvalid):
        serial_driver({"profile": "json"})


def test_llrp_address_parsing() -> None:
    assert parse_address("llrp://10.0.0.5") == ("10.0.0.5", 5084)
    assert parse_address("reader.lane3:6000") == ("reader.lane3", 6000)
    with pytest.raises(ConfigError):
        parse_address("http://x")


async def test_llrp_driver_stops_on_a_refused_rospec_and_retries() -> None:
    """A reader that refuses ADD_ROSPEC: the driver reports the refusal and reconnects."""
    connections = 0

    async def reader(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        w.write(m.encode_message(m.ReaderEventNotification(1, ReaderEvent(0, 0))))
        framer = m.LlrpFramer()
        while chunk := await r.read(4096):
            for raw in framer.feed(chunk):
                msg = m.decode_message(raw)
                if isinstance(msg, m.AddRospec):
                    reply: m.LlrpMessage = m.AddRospecResponse(msg.msg_id, LlrpStatus(101, "no"))
                elif isinstance(msg, m.DeleteRospec):
                    reply = m.DeleteRospecResponse(msg.msg_id)
                else:
                    reply = m.SetReaderConfigResponse(msg.msg_id)
                w.write(m.encode_message(reply))
        w.close()

    server = await asyncio.start_server(reader, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    events: list[Event] = []
    ctx = DriverContext("rfid1", events.append)
    dev = DeviceConfig(
        name="rfid1",
        kind="rfid",
        driver="llrp",
        url=f"llrp://127.0.0.1:{port}",
        options={"backoff_initial_s": 0.05, "response_timeout_s": 1.0},
    )
    task = asyncio.create_task(LlrpRfidReader(dev, ctx).run())
    for _ in range(100):
        await asyncio.sleep(0.02)
        if connections >= 2:
            break
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    server.close()
    await server.wait_closed()
    assert connections >= 2
    codes = [e.error_code for e in events if isinstance(e, DeviceStateChanged)]
    assert "llrp.refused" in codes


async def test_llrp_driver_reports_unreachable_reader() -> None:
    events: list[Event] = []
    ctx = DriverContext("rfid1", events.append)
    dev = DeviceConfig(
        name="rfid1",
        kind="rfid",
        driver="llrp",
        url="llrp://127.0.0.1:9",
        options={"backoff_initial_s": 0.05},
    )
    task = asyncio.create_task(LlrpRfidReader(dev, ctx).run())
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert ctx.counters.get("connect_failures") >= 2
    assert any(isinstance(e, DeviceStateChanged) and e.error_code == "llrp.connect" for e in events)
