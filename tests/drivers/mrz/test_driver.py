"""The MRZ scanner driver over a real pty (simulated scanner + pyserial), and under fuzz."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import pytest

from edge.config import ConfigInvalid, DeviceConfig
from edge.documents import MrzDocument
from edge.drivers.base import DriverContext
from edge.drivers.mrz_scanner.driver import MrzScannerDriver
from edge.drivers.mrz_scanner.framing import Framing, Profile, encode_read
from edge.events import BadRead, DeviceState, DeviceStateChanged, DocumentScanned
from edge.sim.mrz_scanner import SimulatedScanner, random_document

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)


class Recorder:
    def __init__(self) -> None:
        self.events: list = []
        self.changed = asyncio.Event()

    def __call__(self, event) -> None:
        self.events.append(event)
        self.changed.set()

    def of(self, cls) -> list:
        return [e for e in self.events if isinstance(e, cls)]

    async def wait_for(self, predicate, timeout: float = 5.0):
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching event; got {self.events!r}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)


def make_driver(path: str, framing: str, baud: int = 9600, **options):
    rec = Recorder()
    device = DeviceConfig(
        name="mrz1", kind="mrz_scanner", driver="serial", path=path, baud=baud,
        framing=framing, options=options,
    )  # fmt: skip
    return MrzScannerDriver(device, DriverContext("mrz1", rec)), rec


@contextlib.asynccontextmanager
async def running(driver):
    task = asyncio.create_task(driver.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_end_to_end_at_9600_baud_over_a_pty():
    with SimulatedScanner(Framing.CRLF, baud=9600, seed=1) as sim:
        driver, rec = make_driver(sim.path, "crlf")
        async with running(driver):
            await rec.wait_for(lambda e: isinstance(e, DeviceStateChanged) and e.state == DeviceState.OPEN)
            _, last_byte = await asyncio.to_thread(sim.scan, TD3)
            event = await rec.wait_for(lambda e: isinstance(e, DocumentScanned))
    assert event.device == "mrz1"
    assert event.raw_lines == TD3
    assert isinstance(event.document, MrzDocument)
    assert event.document.valid
    assert event.document.document_number == "L898902C3"
    assert last_byte - 0.05 <= event.ts <= time.time()
    assert driver.ctx.counters.get("documents") == 1
    assert driver.ctx.counters.get("reads") == 1


@pytest.mark.parametrize("framing", [f.value for f in Framing])
async def test_every_framing_over_a_pty(framing):
    rng = random.Random(framing)
    docs = [random_document(rng) for _ in range(3)]
    with SimulatedScanner(framing, baud=115200) as sim:
        driver, rec = make_driver(sim.path, framing, 115200)
        async with running(driver):
            await rec.wait_for(lambda e: isinstance(e, DeviceStateChanged))
            for doc in docs:
                await asyncio.to_thread(sim.scan, doc)
            await rec.wait_for(lambda e: len(rec.of(DocumentScanned)) == 3)
    assert [e.raw_lines for e in rec.of(DocumentScanned)] == docs
    assert not rec.of(BadRead)


async def test_partial_read_that_times_out_is_a_bad_read():
    with SimulatedScanner(Framing.CR, baud=115200) as sim:
        driver, rec = make_driver(sim.path, "cr", 115200, read_timeout=0.2)
        async with running(driver):
            await rec.wait_for(lambda e: isinstance(e, DeviceStateChanged))
            await asyncio.to_thread(sim.write_paced, TD3[0].encode() + b"\r")
            bad = await rec.wait_for(lambda e: isinstance(e, BadRead))
            await asyncio.to_thread(sim.scan, TD3)
            doc = await rec.wait_for(lambda e: isinstance(e, DocumentScanned))
    assert bad.code == "mrz.partial_timeout"
    assert bad.size == len(TD3[0]) + 1
    assert driver.ctx.counters.get("partial_timeouts") == 1
    assert doc.raw_lines == TD3  # not glued to the partial line


async def test_hot_plug_through_a_symlink(tmp_path):
    link = str(tmp_path / "usb-Scanner-if00")
    sim = SimulatedScanner(Framing.CRLF, baud=115200, link=link)
    driver, rec = make_driver(link, "crlf", 115200)
    driver.backoff_initial, driver.backoff_max = 0.05, 0.2
    try:
        async with running(driver):
            await rec.wait_for(lambda e: isinstance(e, DeviceStateChanged) and e.state == DeviceState.OPEN)
            sim.unplug()
            await rec.wait_for(
                lambda e: isinstance(e, DeviceStateChanged) and e.state == DeviceState.DISCONNECTED
            )
            await asyncio.sleep(0.3)  # a few failed reopen attempts while it is away
            rec.events.clear()
            sim.plug()
            await rec.wait_for(lambda e: isinstance(e, DeviceStateChanged) and e.state == DeviceState.OPEN)
            await asyncio.sleep(0.1)
            await asyncio.to_thread(sim.scan, TD3)
            event = await rec.wait_for(lambda e: isinstance(e, DocumentScanned))
    finally:
        sim.close()
    assert event.raw_lines == TD3
    assert driver.ctx.counters.get("disconnects") >= 1


@pytest.mark.parametrize("framing", [f.value for f in Framing])
def test_a_million_random_bytes_through_the_driver(framing):
    driver, rec = make_driver("/dev/null", framing)
    rng = random.Random(framing + "driver")
    noise = rng.randbytes(1_000_000)
    good = encode_read(TD3, Profile(Framing(framing)))
    now = 1000.0
    for i in range(0, len(noise), 8192):
        now += 0.01
        driver.feed(noise[i : i + 8192], now)
        if i % (8192 * 16) == 0:
            driver.on_idle(now + 1.0)
            driver.feed(good, now + 1.1)  # real reads between the noise still come through
            now += 1.2
    driver.on_idle(now + 5)
    c = driver.ctx.counters
    asm = driver.assembler.counters
    assert asm.bytes_in == asm.bytes_read + asm.bytes_bad + asm.bytes_skipped
    assert driver.assembler.buffered == 0
    assert c.get("reads") == c.get("documents") + c.get("unparsable_reads")
    assert len(rec.of(DocumentScanned)) == c.get("documents")
    assert len(rec.of(BadRead)) == c.get("bad_reads") + c.get("unparsable_reads")
    assert sum(e.raw_lines == TD3 for e in rec.of(DocumentScanned)) >= 7


def test_unknown_framing_and_options_are_config_errors():
    with pytest.raises(ConfigInvalid):
        make_driver("/dev/null", "morse")
    with pytest.raises(ConfigInvalid):
        make_driver("/dev/null", "crlf", colour="blue")
