"""The lane sign's text protocol (documented in drivers/signs/README.md), as pure functions.

Lane box -> sign:  `@<seq> <MODE|SHOW|PING> [text]\\r\\n`   (seq 0-9999, text A-Z 0-9 space -)
Sign -> lane box:  `#<seq> OK\\r\\n` or `#<seq> ERR <code>\\r\\n`
A sign that does not answer within the ack time-out is "not answering"; commands are never
queued behind it (the newest mode and vehicle instruction replace older ones).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.errors import FramingError

MODE_TEXTS = ("NEXUS ONLY", "FAST ONLY", "ALL TRAFFIC", "CLOSED")
VEHICLE_TEXTS = ("BOOTH", "SECONDARY", "REGULAR LANE", "PROCEED", "")
_TEXT = re.compile(r"^[A-Z0-9 \-]{0,32}$")
_REPLY = re.compile(rb"^#(\d{1,4}) (OK|ERR(?: ([a-z_.]{1,32}))?)$")


class SignProtocolError(FramingError):
    code = "sign.protocol"


@dataclass(frozen=True, slots=True)
class SignReply:
    seq: int
    ok: bool
    error: str | None = None


def encode_command(seq: int, verb: str, text: str = "") -> bytes:
    if verb not in ("MODE", "SHOW", "PING"):
        raise SignProtocolError(f"unknown verb {verb!r}", code="sign.verb")
    if not _TEXT.match(text):
        raise SignProtocolError("sign text must be A-Z 0-9 space dash, at most 32",
                                code="sign.text")
    body = f"@{seq % 10000} {verb}" + (f" {text}" if text else "")
    return body.encode("ascii") + b"\r\n"


def decode_reply(line: bytes) -> SignReply:
    m = _REPLY.match(line.strip())
    if m is None:
        raise SignProtocolError("not a sign reply", code="sign.reply", size=len(line))
    return SignReply(int(m.group(1)), m.group(2) == b"OK",
                     m.group(3).decode() if m.group(3) else None)


def mode_text(kind: str, mode: str) -> str:
    """The lane-use sign for a lane kind and mode."""
    if mode != "open":
        return "CLOSED"
    return {"nexus": "NEXUS ONLY", "fast": "FAST ONLY"}.get(kind, "ALL TRAFFIC")


def vehicle_text(officer_action: str | None) -> str:
    """Where the vehicle at the booth goes: BOOTH until the officer decides."""
    return {"refer": "SECONDARY", "redirect": "REGULAR LANE", "release": "PROCEED"}.get(
        officer_action or "", "BOOTH")
