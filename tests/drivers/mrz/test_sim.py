"""The simulated scanner: seeded documents, wire bytes, a real pty read through pyserial."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import serial

from edge.documents import MrzFormat, parse_mrz
from edge.drivers.mrz_scanner.framing import Framing, Profile
from edge.drivers.mrz_scanner.protocol import Assembler, ScanRead
from edge.sim.mrz_scanner import Noise, SimulatedScanner, random_document, wire_bytes

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize("fmt", list(MrzFormat))
def test_generated_documents_are_valid_and_deterministic(fmt):
    a = [random_document(random.Random(7), fmt, TODAY) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = random.Random(3)
    for _ in range(200):
        doc = parse_mrz(random_document(rng, fmt, TODAY), today=TODAY)
        assert doc.valid, doc.errors
        assert doc.format is fmt


def test_noise_is_reported_never_silently_lost():
    rng = random.Random(11)
    profile = Profile(Framing.CRLF)
    noise = Noise(ocr_confusion=0.3, drop_byte=0.002, garbage=0.3)
    asm = Assembler(profile)
    sent = valid = 0
    now = 0.0
    for _ in range(300):
        lines = random_document(rng, today=TODAY)
        now += 1.0
        for out in asm.feed(wire_bytes(lines, profile, noise, rng), now) + asm.poll(now + 0.9):
            if isinstance(out, ScanRead):
                valid += parse_mrz(out.lines, today=TODAY).valid if _shape_ok(out.lines) else 0
        sent += 1
    c = asm.counters
    assert c.reads + c.bad_reads >= sent * 0.95  # each scan accounted for (a few merge/split)
    assert valid > sent * 0.5


def _shape_ok(lines):
    return len({len(line) for line in lines}) == 1


def test_scanner_on_a_pty_through_pyserial():
    with SimulatedScanner(Framing.STX_ETX, baud=115200, seed=5) as sim:
        port = serial.serial_for_url(sim.path, baudrate=115200, timeout=0.05)
        try:
            lines, _ = sim.scan()
            data = b""
            for _ in range(40):
                data += port.read(512)
                if data.endswith(b"\x03"):
                    break
        finally:
            port.close()
    [read] = Assembler(Profile(Framing.STX_ETX)).feed(data, 1.0)
    assert read.lines == lines
