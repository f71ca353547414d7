"""Serial RFID readers that print one tag report per line: the line shapes ("profiles").

Pure text -> `TagLine`; a line that does not fit raises `TagLineError` (the driver counts it
and carries on). Profiles:

- `csv`: `EPC,antenna,rssi[,timestamp]` with a configurable separator; antenna and RSSI in
  decimal or hex (hex RSSI is a two's-complement byte, `C7` = -57 dBm); EPC in hex or decimal.
- `kv`: `epc=... ant=... rssi=... [ts=...]` in any order, separated by spaces, commas or `;`.
- `regex`: the technician's own pattern with named groups `epc`, `antenna`, `rssi` (and `ts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from edge.config import doc
from edge.errors import ConfigError, FramingError

_HEX = re.compile(r"[0-9A-Fa-f]+")
_KV_SPLIT = re.compile(r"[\s,;]+")
KV_KEYS = {
    "epc": "epc",
    "tag": "epc",
    "id": "epc",
    "tid": "epc",
    "ant": "antenna",
    "antenna": "antenna",
    "port": "antenna",
    "rssi": "rssi",
    "peak_rssi": "rssi",
    "peakrssi": "rssi",
    "ts": "ts",
    "time": "ts",
    "timestamp": "ts",
}
TS_SCALE = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


class TagLineError(FramingError):
    """A line from a serial reader that is not a tag report of the configured profile."""

    code = "rfid.line"


@dataclass(frozen=True, slots=True)
class SerialReaderOptions:
    """`options` table of an `rfid`/`serial` device."""

    profile: Literal["csv", "kv", "regex"] = doc("Line shape: csv, kv or regex", "csv")
    separator: str = doc("Field separator of the csv profile", ",")
    number_base: Literal["dec", "hex"] = doc("Antenna and RSSI numbers in dec or hex", "dec")
    epc_format: Literal["hex", "dec"] = doc("EPC printed as hex digits or a decimal number", "hex")
    epc_bits: int = doc("EPC size in bits (pads decimal EPCs to full hex width)", 96)
    rssi_scale: float = doc("Multiply the printed RSSI by this to get dBm (0.1 for tenths)", 1.0)
    timestamp_unit: Literal["s", "ms", "us"] = doc("Unit of the reader's timestamp", "s")
    use_reader_time: bool = doc("Use the reader's timestamp when present (else arrival)", True)
    max_clock_skew_s: float = doc(
        "Reader time further than this from ours is ignored (arrival time used); 0 = trust it", 300.0
    )
    pattern: str = doc("Regex with named groups epc, antenna, rssi [, ts] (regex profile)", "")
    max_line: int = doc("Longest accepted line in bytes", 256)
    encoding: str = doc("Text encoding of the lines", "ascii")


@dataclass(frozen=True, slots=True)
class TagLine:
    """One tag report as printed by the reader (`ts` = reader time in seconds, if printed)."""

    epc: str
    antenna: int
    rssi: float
    ts: float | None = None


class TagLineParser:
    """Parses lines of one configured profile; build it once per device."""

    def __init__(self, options: SerialReaderOptions) -> None:
        self.options = options
        self._regex: re.Pattern[str] | None = None
        if options.profile == "regex":
            self._regex = compile_pattern(options.pattern)
        elif options.profile == "csv" and not options.separator:
            raise ConfigError("csv profile needs a separator", code="config.invalid", key="separator")

    def parse(self, line: str) -> TagLine:
        text = line.strip()
        if not text:
            raise TagLineError("empty line", code="rfid.line.empty")
        if self.options.profile == "csv":
            return self._csv(text)
        if self.options.profile == "kv":
            return self._kv(text)
        return self._match(text)

    def _csv(self, text: str) -> TagLine:
        parts = [p.strip() for p in text.split(self.options.separator)]
        if len(parts) not in (3, 4):
            raise TagLineError(
                f"expected 3 or 4 fields, got {len(parts)}", code="rfid.line.fields", fields=len(parts)
            )
        return self._build(parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None)

    def _kv(self, text: str) -> TagLine:
        found: dict[str, str] = {}
        for token in _KV_SPLIT.split(text):
            key, sep, value = token.partition("=")
            if not sep:
                key, sep, value = token.partition(":")
            name = KV_KEYS.get(key.strip().lower())
            if sep and name is not None:
                found[name] = value.strip().strip("\"'")
        missing = [k for k in ("epc", "antenna", "rssi") if k not in found]
        if missing:
            raise TagLineError(
                f"missing keys: {', '.join(missing)}", code="rfid.line.fields", missing=missing
            )
        return self._build(found["epc"], found["antenna"], found["rssi"], found.get("ts"))

    def _match(self, text: str) -> TagLine:
        assert self._regex is not None
        m = self._regex.search(text)
        if m is None:
            raise TagLineError("line does not match the pattern", code="rfid.line.no_match")
        groups = m.groupdict()
        return self._build(
            groups["epc"] or "", groups["antenna"] or "", groups["rssi"] or "", groups.get("ts")
        )

    def _build(self, epc: str, antenna: str, rssi: str, ts: str | None) -> TagLine:
        o = self.options
        return TagLine(
            epc=normalise_epc(epc, o.epc_format, o.epc_bits),
            antenna=_int(antenna, o.number_base, "antenna"),
            rssi=_rssi(rssi, o.number_base) * o.rssi_scale,
            ts=_timestamp(ts, o.timestamp_unit) if ts not in (None, "") else None,
        )


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a regex profile, checking it names the groups the parser needs."""
    try:
        regex = re.compile(pattern)
    except re.error as err:
        raise ConfigError(f"bad regex: {err}", code="config.invalid", key="pattern") from err
    missing = {"epc", "antenna", "rssi"} - set(regex.groupindex)
    if missing:
        raise ConfigError(
            f"regex lacks named groups: {', '.join(sorted(missing))}", code="config.invalid", key="pattern"
        )
    return regex


def normalise_epc(text: str, fmt: str = "hex", bits: int = 96) -> str:
    """Upper-case hex EPC; decimal EPCs become zero-padded hex of `bits` width."""
    value = text.strip()
    if fmt == "dec":
        if not value.isdigit() or not 0 < len(value) <= 40:
            raise TagLineError("EPC is not a decimal number", code="rfid.line.epc")
        number = int(value)
        if number >= 1 << max(bits, 8):
            raise TagLineError("EPC too large for its size", code="rfid.line.epc")
        return f"{number:0{max(bits, 8) // 4}X}"
    if value[:2] in ("0x", "0X"):
        value = value[2:]
    value = value.replace(" ", "").replace("-", "")
    if not (4 <= len(value) <= 64 and len(value) % 2 == 0 and _HEX.fullmatch(value)):
        raise TagLineError("EPC is not an even number of hex digits", code="rfid.line.epc", size=len(value))
    return value.upper()


def _int(text: str, base: str, what: str) -> int:
    try:
        return int(text.strip(), 16 if base == "hex" else 10)
    except ValueError:
        raise TagLineError(f"{what} is not a {base} number", code="rfid.line.number", field=what) from None


def _rssi(text: str, base: str) -> float:
    t = text.strip()
    if base == "hex":
        if not (t and len(t) <= 4 and _HEX.fullmatch(t)):
            raise TagLineError("rssi is not a hex number", code="rfid.line.number", field="rssi")
        value = int(t, 16)
        width = 8 if len(t) <= 2 else 16
        return float(value - (1 << width) if value >= 1 << (width - 1) else value)
    try:
        value_f = float(t)
    except ValueError:
        raise TagLineError("rssi is not a number", code="rfid.line.number", field="rssi") from None
    if value_f != value_f or abs(value_f) > 100_000:  # NaN or absurd
        raise TagLineError("rssi out of range", code="rfid.line.number", field="rssi")
    return value_f


def _timestamp(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TagLineError("timestamp is not a number", code="rfid.line.number", field="ts") from None
    if value != value or value < 0 or value > 1e19:
        raise TagLineError("timestamp out of range", code="rfid.line.number", field="ts")
    return value * TS_SCALE[unit]


def format_line(tag: TagLine, options: SerialReaderOptions) -> str:
    """The line a reader of this profile prints for `tag` (used by the simulator and tests)."""
    o = options
    if o.epc_format == "dec":
        epc = str(int(tag.epc, 16))
    else:
        epc = tag.epc
    rssi_value = round(tag.rssi / o.rssi_scale)
    if o.number_base == "hex":
        ant, rssi = f"{tag.antenna:X}", f"{rssi_value & 0xFF:02X}"
    else:
        ant = str(tag.antenna)
        rssi = str(rssi_value) if o.rssi_scale != 1.0 else f"{tag.rssi:g}"
    ts: str | None = None
    if tag.ts is not None:
        scaled = tag.ts / TS_SCALE[o.timestamp_unit]
        ts = f"{scaled:.6f}" if o.timestamp_unit == "s" else str(round(scaled))
    if o.profile == "kv":
        out = f"epc={epc} ant={ant} rssi={rssi}"
        return out + (f" ts={ts}" if ts is not None else "")
    if o.profile == "csv":
        fields = [epc, ant, rssi] + ([ts] if ts is not None else [])
        return o.separator.join(fields)
    raise ValueError("format_line has no writer for the regex profile")
