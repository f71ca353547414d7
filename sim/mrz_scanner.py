"""A simulated serial MRZ scanner on a pseudo-terminal, and a generator of specimen documents.

The scanner writes what a real one would: reads framed by the drivers' own codecs
(`edge.drivers.mrz_scanner.framing`), at the pace of the configured baud rate (baud / 10
bytes per second), optionally with noise: OCR confusions, dropped bytes, garbage between reads.
It can be unplugged and plugged back, behind a stable symlink like `/dev/serial/by-id/...`.

Run alone: `python -m edge.sim.mrz_scanner --framing crlf --baud 9600 --every 2` prints the
port path, then scans a new document every two seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from dataclasses import dataclass

from edge.documents.build import DocumentFields, build_mrz
from edge.documents.formats import MrzFormat
from edge.drivers.mrz_scanner.framing import Framing, Profile, encode_read
from edge.sim.pty_device import PtyDevice

SURNAMES = ["ERIKSSON", "MUSTERMANN", "DUPONT", "SILVA", "TREMBLAY", "NGUYEN", "OKAFOR", "SMITH"]
GIVEN = ["ANNA MARIA", "ERIKA", "JEAN", "JOAO PEDRO", "MARIE", "LINH", "CHIDI", "JOHN PAUL"]
STATES = ["UTO", "CAN", "USA", "D", "FRA", "PRT", "BEL", "GBR", "MEX", "NLD"]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
CONFUSE = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "O": "0", "I": "1", "S": "5"}
CODES = {
    MrzFormat.TD1: ("I<", "ID", "AC"),
    MrzFormat.TD2: ("I<", "ID"),
    MrzFormat.TD3: ("P<", "PM"),
    MrzFormat.MRV_A: ("V<", "VA"),
    MrzFormat.MRV_B: ("V<", "VB"),
}


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def random_fields(
    rng: random.Random, fmt: MrzFormat | None = None, today: dt.date | None = None
) -> DocumentFields:
    """Specimen-like values for a valid document (deterministic for a seeded `rng`)."""
    today = today or dt.date(2025, 6, 1)
    fmt = fmt or rng.choice(list(MrzFormat))
    birth = today - dt.timedelta(days=rng.randint(18 * 365, 85 * 365))
    expiry = today + dt.timedelta(days=rng.randint(-400, 10 * 365))
    long_number = fmt is MrzFormat.TD1 and rng.random() < 0.1
    number = "".join(rng.choice(ALNUM) for _ in range(12 if long_number else 9))
    state = rng.choice(STATES)
    room = {MrzFormat.TD1: 11, MrzFormat.TD2: 7, MrzFormat.TD3: 14}.get(fmt, 8)
    optional = "".join(rng.choice(ALNUM) for _ in range(rng.randint(0, room - 4)))
    return DocumentFields(
        format=fmt,
        document_code=rng.choice(CODES[fmt]),
        issuing_state=state,
        surname=rng.choice(SURNAMES),
        given_names=rng.choice(GIVEN),
        document_number=number,
        nationality=state if rng.random() < 0.8 else rng.choice(STATES),
        birth_date=_yymmdd(birth),
        sex=rng.choice("MFX"),
        expiry_date=_yymmdd(expiry),
        optional_data=optional,
        long_number_rule=rng.choice(["icao", "filler_included"]),
    )


def random_document(
    rng: random.Random, fmt: MrzFormat | None = None, today: dt.date | None = None
) -> tuple[str, ...]:
    """MRZ lines of a valid specimen-like document."""
    return build_mrz(random_fields(rng, fmt, today))


@dataclass(frozen=True, slots=True)
class Noise:
    """Probabilities: per read (OCR confusion, garbage before it) and per byte (drop)."""

    ocr_confusion: float = 0.0
    drop_byte: float = 0.0
    garbage: float = 0.0


def confuse(lines: tuple[str, ...], rng: random.Random) -> tuple[str, ...]:
    """One OCR confusion at a random confusable position (unchanged if there is none)."""
    spots = [(i, j) for i, line in enumerate(lines) for j, c in enumerate(line) if c in CONFUSE]
    if not spots:
        return lines
    i, j = rng.choice(spots)
    out = list(lines)
    out[i] = out[i][:j] + CONFUSE[out[i][j]] + out[i][j + 1 :]
    return tuple(out)


def wire_bytes(lines: tuple[str, ...], profile: Profile, noise: Noise, rng: random.Random) -> bytes:
    """The bytes one noisy (or clean) scan puts on the wire."""
    if noise.ocr_confusion and rng.random() < noise.ocr_confusion:
        lines = confuse(lines, rng)
    data = encode_read(lines, profile)
    if noise.drop_byte:
        data = bytes(b for b in data if rng.random() >= noise.drop_byte)
    if noise.garbage and rng.random() < noise.garbage:
        data = rng.randbytes(rng.randint(1, 24)) + data
    return data


class SimulatedScanner:
    """A scanner behind a pty (`PtyDevice`). `path` is what the driver opens (the link if any)."""

    def __init__(
        self,
        framing: Framing | str = Framing.CRLF,
        *,
        baud: int = 9600,
        noise: Noise | None = None,
        seed: int = 0,
        link: str | None = None,
        prefix: bytes = b"",
        pty: PtyDevice | None = None,
    ) -> None:
        self.profile = Profile(Framing(framing), prefix=prefix)
        self.baud = baud
        self.noise = noise or Noise()
        self.rng = random.Random(seed)  # noqa: S311 -- simulation, not secrets
        self.pty = pty or PtyDevice(link, baud=baud)

    @property
    def path(self) -> str:
        return self.pty.path

    def plug(self) -> None:
        """The device appears again (a new pty; the link, if any, points at it)."""
        self.pty.replug()

    def unplug(self) -> None:
        """The device disappears (pty closed, link removed)."""
        self.pty.unplug()

    close = unplug

    def write_paced(self, data: bytes) -> float:
        """Write at baud / 10 bytes per second; returns the wall time of the last write."""
        rate = self.baud / 10
        step = max(1, int(rate / 200))  # about 5 ms of bytes per write
        start = time.perf_counter()
        last = time.time()
        for offset in range(0, len(data), step):
            delay = start + offset / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            self.pty.write(data[offset : offset + step], paced=False)
            last = time.time()
        delay = start + len(data) / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)  # the line stays busy until the last bit is out
        return last

    def scan(self, lines: tuple[str, ...] | None = None) -> tuple[tuple[str, ...], float]:
        """Send one read (a new random document by default); returns it and its last-byte time."""
        lines = lines or random_document(self.rng)
        return lines, self.write_paced(wire_bytes(lines, self.profile, self.noise, self.rng))

    def __enter__(self) -> SimulatedScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mrz-scanner-sim", description=__doc__)
    parser.add_argument("--framing", default="crlf", choices=[f.value for f in Framing])
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between scans")
    parser.add_argument("--count", type=int, default=0, help="scans to send (0 = forever)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--link", default=None, help="symlink to create for the port")
    parser.add_argument("--ocr", type=float, default=0.0, help="chance of an OCR confusion")
    parser.add_argument("--drop", type=float, default=0.0, help="chance of dropping a byte")
    parser.add_argument("--garbage", type=float, default=0.0, help="chance of garbage")
    args = parser.parse_args(argv)
    noise = Noise(args.ocr, args.drop, args.garbage)
    with SimulatedScanner(
        args.framing, baud=args.baud, noise=noise, seed=args.seed, link=args.link
    ) as scanner:
        sys.stdout.write(scanner.path + "\n")
        sys.stdout.flush()
        sent = 0
        while not args.count or sent < args.count:
            time.sleep(args.every)
            scanner.scan()
            sent += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
