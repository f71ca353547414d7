"""A cheap structural check of one JPEG frame, before anyone spends time decoding it.

Cameras and networks deliver truncated and garbled JPEG parts; libjpeg "decodes" many of them
into grey smears with only a warning on stderr, which a plate reader would then read. This walks
the marker segments up to the scan (SOI, segment lengths, a frame header with a size) and looks
for the EOI marker at the end: pure, no decoding, microseconds per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
#: start-of-frame markers (baseline, progressive, ...), i.e. C0-CF without DHT, JPG, DAC
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length
EOI_SLACK = 64  # bytes of padding a camera may send after EOI


@dataclass(frozen=True, slots=True)
class JpegInfo:
    width: int
    height: int


class JpegProblem(ValueError):
    """Why bytes are not a complete JPEG; `code` is stable (counted per code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def inspect_jpeg(data: bytes | bytearray | memoryview) -> JpegInfo:
    """Frame size of a structurally complete JPEG; raises JpegProblem otherwise."""
    buf = memoryview(data)
    n = len(buf)
    if n < 4 or buf[0] != 0xFF or buf[1] != SOI:
        raise JpegProblem("jpeg.no_soi")
    tail = bytes(buf[max(2, n - EOI_SLACK):])
    if b"\xff\xd9" not in tail:
        raise JpegProblem("jpeg.truncated")
    i = 2
    size: JpegInfo | None = None
    while True:
        while i < n and buf[i] == 0xFF and i + 1 < n and buf[i + 1] == 0xFF:
            i += 1  # fill bytes before a marker
        if i + 1 >= n or buf[i] != 0xFF:
            raise JpegProblem("jpeg.bad_marker")
        marker = buf[i + 1]
        if marker in STANDALONE:
            i += 2
            continue
        if marker in (SOI, EOI):
            raise JpegProblem("jpeg.bad_marker")
        if i + 3 >= n:
            raise JpegProblem("jpeg.truncated")
        length = (buf[i + 2] << 8) | buf[i + 3]
        if length < 2 or i + 2 + length > n:
            raise JpegProblem("jpeg.bad_segment")
        if marker in SOF_MARKERS:
            if length < 8:
                raise JpegProblem("jpeg.bad_segment")
            height = (buf[i + 5] << 8) | buf[i + 6]
            width = (buf[i + 7] << 8) | buf[i + 8]
            if width == 0 or height == 0:
                raise JpegProblem("jpeg.no_size")
            size = JpegInfo(width, height)
        i += 2 + length
        if marker == SOS:
            break
    if size is None:
        raise JpegProblem("jpeg.no_size")
    if i >= n - 2:
        raise JpegProblem("jpeg.truncated")
    return size
