"""Framing codecs and the read assembler: round trips, resync, time-outs, fuzz."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.drivers.mrz_scanner.framing import (
    Framing,
    Profile,
    bcc,
    decode_3m_frame,
    encode_read,
)
from edge.drivers.mrz_scanner.protocol import Assembler, ScanError, ScanRead
from edge.errors import FramingError

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2 = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6")
MRV_A = (
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
)
DOCS = [TD3, TD1, TD2, MRV_A]
PROFILES = [Profile(f) for f in Framing] + [Profile(f, prefix=b"MRZ") for f in Framing]


def _balanced(asm: Assembler) -> bool:
    c = asm.counters
    return c.bytes_in == c.bytes_read + c.bytes_bad + c.bytes_skipped + asm.buffered


def _feed(asm: Assembler, data: bytes, step: int, now: float = 1.0) -> list:
    out = []
    for i in range(0, len(data), step):
        out += asm.feed(data[i : i + step], now)
    return out


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: f"{p.framing}-{p.prefix!r}")
@pytest.mark.parametrize("step", [1, 5, 1000])
def test_round_trip_every_profile(profile, step):
    asm = Assembler(profile)
    data = b"".join(encode_read(doc, profile) for doc in DOCS)
    out = _feed(asm, data, step)
    assert [o.lines for o in out if isinstance(o, ScanRead)] == DOCS
    assert not [o for o in out if isinstance(o, ScanError)]
    assert _balanced(asm)
    assert asm.buffered == 0
    assert asm.counters.reads == 4


def test_3m_frame_layout_and_checksum():
    frame = encode_read(TD2, Profile(Framing.RTE_3M))
    assert frame[0] == 0x01
    assert frame[3:6] == b"OU\x02"
    assert frame[-2] == 0x03
    assert frame[-1] == bcc(frame[1:-1])
    body = frame[7:-2].split(b"\r")
    assert body[0] == b""
    assert all(len(line) == 44 for line in body[1:3])
    assert body[1].endswith(b"_" * 8)
    assert decode_3m_frame(frame) == TD2
    broken = frame[:-1] + bytes([frame[-1] ^ 0x55])
    with pytest.raises(FramingError) as info:
        decode_3m_frame(broken)
    assert info.value.code == "mrz.frame.checksum"


def test_3m_bad_checksum_is_a_bad_frame_and_the_next_read_survives():
    profile = Profile(Framing.RTE_3M)
    good = encode_read(TD3, profile)
    bad = bytearray(good)
    bad[20] ^= 0x01
    asm = Assembler(profile)
    out = _feed(asm, bytes(bad) + good, 9)
    assert [type(o) for o in out] == [ScanError, ScanRead]
    assert out[0].code == "mrz.frame.checksum"
    assert asm.counters.bad_frames == 1
    assert _balanced(asm)


@pytest.mark.parametrize("framing", list(Framing))
def test_dropped_byte_gives_an_error_read_never_a_glued_one(framing):
    profile = Profile(framing)
    first = bytearray(encode_read(TD3, profile))
    del first[len(first) // 2]
    asm = Assembler(profile)
    out = asm.feed(bytes(first), 1.0) + asm.poll(1.2) + asm.poll(2.0)
    out += asm.feed(encode_read(TD3, profile), 3.0) + asm.poll(5.0)
    reads = [o for o in out if isinstance(o, ScanRead)]
    errors = [o for o in out if isinstance(o, ScanError)]
    assert [r.lines for r in reads] == [TD3]
    assert errors, "the damaged read must be reported"
    assert _balanced(asm)
    assert asm.buffered == 0


@pytest.mark.parametrize("framing", list(Framing))
def test_partial_read_times_out_as_an_error(framing):
    profile = Profile(framing)
    data = encode_read(TD1, profile)
    asm = Assembler(profile, read_timeout=0.5)
    assert asm.feed(data[: len(data) // 2], 10.0) == []
    assert asm.poll(10.4) == []
    [err] = asm.poll(10.6)
    assert err.code == "mrz.partial_timeout"
    assert err.ts == 10.0
    assert asm.counters.partial_timeouts == 1
    [read] = asm.feed(data, 20.0)
    assert read.lines == TD1
    assert _balanced(asm)


def test_line_read_interrupted_by_another_format_is_not_glued():
    profile = Profile(Framing.CR)
    asm = Assembler(profile)
    out = asm.feed(TD1[0].encode() + b"\r" + encode_read(TD3, profile), 1.0)
    assert [type(o) for o in out] == [ScanError, ScanRead]
    assert out[0].code == "mrz.partial"
    assert out[0].lines == 1


def test_disconnect_flushes_the_partial_read():
    asm = Assembler(Profile(Framing.STX_ETX))
    asm.feed(b"\x02" + TD3[0].encode(), 1.0)
    [err] = asm.flush(2.0)
    assert err.code == "mrz.partial_disconnect"
    assert asm.buffered == 0


def test_buffer_is_capped():
    asm = Assembler(Profile(Framing.STX_ETX), max_buffer=1024)
    out = asm.feed(b"\x02" + b"A" * 5000, 1.0)
    assert [o.code for o in out] == ["mrz.frame.overflow"]
    assert asm.buffered == 0
    assert _balanced(asm)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(PROFILES),
    st.lists(st.sampled_from(DOCS), min_size=1, max_size=4),
    st.lists(st.integers(1, 64), min_size=1, max_size=20),
)
def test_any_chunking_gives_the_same_reads(profile, docs, steps):
    data = b"".join(encode_read(doc, profile) for doc in docs)
    asm = Assembler(profile)
    out, pos, i = [], 0, 0
    while pos < len(data):
        step = steps[i % len(steps)]
        out += asm.feed(data[pos : pos + step], 1.0)
        pos, i = pos + step, i + 1
    assert [o.lines for o in out] == docs


@pytest.mark.parametrize("profile", [Profile(f) for f in Framing], ids=lambda p: str(p.framing))
def test_a_million_random_bytes(profile):
    rng = random.Random(int.from_bytes(profile.framing.encode(), "big"))
    noise = rng.randbytes(1_000_000)
    asm = Assembler(profile, max_buffer=4096)
    started = time.perf_counter()
    reads = errors = 0
    now = 0.0
    for i in range(0, len(noise), 4096):
        now += 0.01
        for outcome in asm.feed(noise[i : i + 4096], now):
            reads += isinstance(outcome, ScanRead)
            errors += isinstance(outcome, ScanError)
        assert _balanced(asm)
    errors += len(asm.poll(now + 10))
    c = asm.counters
    assert c.bytes_in == 1_000_000
    assert asm.buffered == 0
    assert _balanced(asm)
    assert c.reads == reads
    assert c.bad_reads == errors
    # then a good read still comes through
    [read] = asm.feed(encode_read(TD3, profile), now + 20)
    assert read.lines == TD3
    assert time.perf_counter() - started < 60


def test_last_line_without_terminator_completes_on_silence():
    asm = Assembler(Profile(Framing.CR), read_timeout=0.3)
    assert asm.feed(f"{TD3[0]}\r{TD3[1]}".encode(), 1.0) == []
    [read] = asm.poll(1.5)
    assert read.lines == TD3
    assert asm.counters.partial_timeouts == 0


def test_unreadable_character_keeps_the_read_for_the_parser_to_flag():
    asm = Assembler(Profile(Framing.CRLF))
    damaged = TD3[1][:5] + "?" + TD3[1][6:]
    [read] = asm.feed(f"{TD3[0]}\r\n{damaged}\r\n".encode(), 1.0)
    assert read.lines == (TD3[0], damaged)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PROFILES), st.integers(0, 10_000), st.integers(1, 97))
def test_generated_documents_round_trip_through_every_profile(profile, seed, step):
    from edge.sim.mrz_scanner import random_document

    rng = random.Random(seed)
    docs = [random_document(rng) for _ in range(3)]
    asm = Assembler(profile)
    out = _feed(asm, b"".join(encode_read(doc, profile) for doc in docs), step)
    assert [o.lines for o in out] == docs


def test_3m_fillers_sent_as_underscores_are_read_as_fillers():
    from edge.drivers.mrz_scanner.framing import decode_3m_lines

    sent = "\r".join(["", TD3[0].replace("<", "_"), TD3[1].replace("<", "_")]) + "\r"
    assert decode_3m_lines(sent.encode()) == TD3
    td2 = "\r".join(["", TD2[0].ljust(44, "_"), TD2[1].ljust(44, "_")]) + "\r"
    assert decode_3m_lines(td2.encode()) == TD2
