"""Pure helpers for `lanectl diag`: raw bytes made visible and split by a framing profile.

A technician sees `<STX>P<UTO...<CR>...<ETX>` instead of a blank line, and what each generic
framing (lf, cr, crlf, stx_etx, desko, 3m) would make of the same bytes, so a wrong framing or
baud rate is obvious at a glance.
"""

from __future__ import annotations

import re

CONTROL_NAMES = {
    0x00: "NUL", 0x01: "SOH", 0x02: "STX", 0x03: "ETX", 0x04: "EOT", 0x05: "ENQ", 0x06: "ACK",
    0x07: "BEL", 0x08: "BS", 0x09: "TAB", 0x0A: "LF", 0x0B: "VT", 0x0C: "FF", 0x0D: "CR",
    0x0E: "SO", 0x0F: "SI", 0x10: "DLE", 0x11: "XON", 0x13: "XOFF", 0x15: "NAK", 0x16: "SYN",
    0x17: "ETB", 0x18: "CAN", 0x1A: "SUB", 0x1B: "ESC", 0x1C: "FS", 0x1D: "GS", 0x1E: "RS",
    0x1F: "US", 0x7F: "DEL",
}
FRAMINGS = ("lf", "cr", "crlf", "stx_etx", "desko", "3m")
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")


def visible(data: bytes) -> str:
    """Bytes as text with every control character named (`<CR>`) and non-ASCII as `<xHH>`."""
    out = []
    for b in data:
        if b in CONTROL_NAMES:
            out.append(f"<{CONTROL_NAMES[b]}>")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"<x{b:02X}>")
    return "".join(out)


def printable_ratio(data: bytes) -> float:
    """Share of bytes that are printable ASCII or line/frame controls (1.0 for a right baud)."""
    if not data:
        return 0.0
    ok = sum(1 for b in data if 0x20 <= b < 0x7F or b in (0x02, 0x03, 0x0A, 0x0D, 0x01, 0x1C))
    return ok / len(data)


def frames(data: bytes, framing: str) -> list[list[bytes]]:
    """Complete frames (each a list of lines) that `framing` finds in `data`."""
    if framing in ("lf", "cr", "crlf"):
        term = {"lf": b"\n", "cr": b"\r", "crlf": b"\r\n"}[framing]
        parts = data.split(term)[:-1]  # the last part is incomplete
        return [[p.strip(b"\r\n")] for p in parts if p.strip(b"\r\n")]
    if framing in ("stx_etx", "desko", "3m"):
        out = []
        for m in re.finditer(rb"\x02(.*?)\x03", data, re.S):
            body = m.group(1)
            if framing == "3m" and body[:1].isdigit():
                body = body[1:]  # 3M: a status flag precedes the lines
            lines = [ln.replace(b"_", b"<") if framing == "3m" else ln
                     for ln in _LINE_SPLIT.split(body) if ln]
            out.append(lines)
        return out
    raise ValueError(f"unknown framing {framing!r}; known: {', '.join(FRAMINGS)}")


def best_framing(data: bytes) -> str | None:
    """The framing that finds the most frames (stx-based framings first when they find any)."""
    scores = {f: len(frames(data, f)) for f in FRAMINGS if f != "3m"}
    if scores["stx_etx"]:
        return "stx_etx"
    best = max(scores, key=lambda f: scores[f])
    return best if scores[best] else None
