"""Envelopes without I/O: a sealed update opens; each kind of bad update is refused with its reason."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.sync.envelope import Assembly, Limits, Reason, Refused, load_public_keys, open_chunk, seal

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
SCOPE = "CA-0427/L03"
NOW = 1_800_000_000.0


def keys() -> dict:
    from sync_harness import key_hex
    return load_public_keys({"hq1": key_hex(KEY)})


def sealed(payload: bytes = b'{"add":["A1"]}', **kw) -> list[bytes]:  # type: ignore[no-untyped-def]
    args = {"dataset": "roster", "scope": SCOPE, "version": 5, "key_id": "hq1", "key": KEY, "issued": NOW}
    args.update(kw)
    return seal(payload, **args)


def open_(raw: bytes, applied: int | None = None, limits: Limits | None = None, dataset: str = "roster"):  # type: ignore[no-untyped-def]
    return open_chunk(raw, scope=SCOPE, dataset=dataset, keys=keys(), now=NOW + 1, applied_version=applied,
                      limits=limits)


def assemble(msgs: list[bytes], **kw) -> bytes | None:  # type: ignore[no-untyped-def]
    out = None
    asm: Assembly | None = None
    for raw in msgs:
        chunk = open_(raw, **kw)
        asm = asm or Assembly(chunk.header, NOW)
        out = asm.add(chunk)
    return out


def refused(raw: bytes, **kw) -> Reason:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused) as info:
        assemble([raw], **kw)
    return info.value.reason


def tamper(raw: bytes, fn) -> bytes:  # type: ignore[no-untyped-def]
    msg = json.loads(raw)
    fn(msg)
    return json.dumps(msg).encode()


def test_valid_update_opens_and_chunks_reassemble() -> None:
    payload = bytes(range(256)) * 100
    msgs = sealed(payload, chunk_size=1000)
    assert len(msgs) == 26
    assert assemble(msgs) == payload
    assert assemble(list(reversed(msgs))) == payload


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda m: m.update(sig=""), Reason.UNSIGNED),
    (lambda m: m.pop("sig"), Reason.UNSIGNED),
    (lambda m: m["h"].update(version=6), Reason.BAD_SIGNATURE),
    (lambda m: m.update(sig="00" * 64), Reason.BAD_SIGNATURE),
    (lambda m: m["h"].update(key_id="nobody"), Reason.UNKNOWN_KEY),
    (lambda m: m.pop("h"), Reason.MALFORMED),
    (lambda m: m["h"].update(size="big"), Reason.MALFORMED),
    (lambda m: m.update(chunk=7), Reason.MALFORMED),
    (lambda m: m.update(data="not base64!"), Reason.MALFORMED),
])
def test_each_bad_envelope_is_refused_with_its_reason(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    assert refused(tamper(sealed()[0], mutate)) == reason


def test_not_json_is_malformed() -> None:
    assert refused(b"\xff\x00garbage") == Reason.MALFORMED


def test_signed_by_an_untrusted_key_is_a_bad_signature() -> None:
    assert refused(sealed(key=OTHER)[0]) == Reason.BAD_SIGNATURE


def test_replay_expiry_size_scope_and_hash() -> None:
    assert refused(sealed()[0], applied=5) == Reason.REPLAYED
    assert refused(sealed(version=4)[0], applied=5) == Reason.REPLAYED
    assert refused(sealed(issued=NOW - 7200, ttl_s=3600)[0]) == Reason.EXPIRED
    assert refused(sealed(b"x" * 100)[0], limits=Limits(max_size=10)) == Reason.OVERSIZED
    assert refused(sealed(scope="CA-0427/L04")[0]) == Reason.WRONG_SCOPE
    assert refused(sealed(dataset="lookouts")[0]) == Reason.WRONG_SCOPE
    # correctly signed header whose chunk data was swapped in transit
    swapped = tamper(sealed(b"abcd")[0], lambda m: m.update(data=base64.b64encode(b"abce").decode()))
    assert refused(swapped) == Reason.HASH_MISMATCH
    longer = tamper(sealed(b"abcd")[0], lambda m: m.update(data=base64.b64encode(b"abcde").decode()))
    assert refused(longer) == Reason.OVERSIZED


def test_commands_have_a_small_size_limit() -> None:
    assert refused(sealed(b"x" * 70_000, dataset="command")[0], dataset="command") == Reason.OVERSIZED


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.integers(min_value=0, max_value=10_000), st.integers(0, 7))
def test_any_flipped_bit_is_refused(payload: bytes, pos: int, bit: int) -> None:
    raw = bytearray(sealed(payload)[0])
    pos %= len(raw)
    raw[pos] ^= 1 << bit
    try:
        out = assemble([bytes(raw)])
    except Refused:
        return
    # a flip that leaves the JSON meaning unchanged (e.g. inside insignificant text) must still yield
    # exactly the signed payload
    assert out == payload
