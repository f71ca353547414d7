"""The simulated devices of one lane, played against the wall clock from the traffic schedule.

Each player is a thread that sleeps until the wall time of its next event (`SimClock` maps
simulated seconds to wall seconds), writes what the real device would, and counts what it sent,
what it lost (device unplugged) and what it injected (garbage, broken frames, clock jumps), so
the report can compare the daemon's counters with the truth.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import random
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from edge.documents.build import DocumentFields, build_mrz
from edge.documents.formats import MrzFormat
from edge.drivers.mrz_scanner.framing import encode_read
from edge.drivers.rfid.line_profiles import SerialReaderOptions, TagLine, format_line
from edge.sim.llrp_reader import LlrpReaderSim
from edge.sim.mrz_scanner import SimulatedScanner
from edge.sim.pty_device import PtyDevice
from edge.sim.rfid_reader import GARBAGE
from edge.sim.rfid_traffic import SimRead, Traffic
from edge.sim.scenario import Fault
from edge.sim.traffic import DocumentPlan, LaneTraffic


@dataclass(frozen=True, slots=True)
class SimClock:
    t0: float  # wall time of simulated second 0
    speed: float

    def wall(self, s: float) -> float:
        return self.t0 + s / self.speed

    def sim(self, wall: float | None = None) -> float:
        return ((time.time() if wall is None else wall) - self.t0) * self.speed

    def wait_until(self, s: float, stop: threading.Event) -> bool:
        """Sleep until simulated second `s`; False if asked to stop first."""
        delay = self.wall(s) - time.time()
        return not (delay > 0 and stop.wait(delay))


@dataclass
class Tally:
    sent: int = 0
    lost: int = 0
    garbage: int = 0  # garbage lines / junk frames
    broken: int = 0  # broken (truncated) frames
    junk_bytes: int = 0
    clock_jumped: int = 0  # reads stamped with a jumped clock
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"sent": self.sent, "lost": self.lost, "garbage": self.garbage,
                "broken_frames": self.broken, "junk_bytes": self.junk_bytes,
                "clock_jumped": self.clock_jumped}


class Player(abc.ABC):
    """A simulated device's playback thread; subclasses say what they play."""

    name = "player"

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.tally = Tally()
        self._thread: threading.Thread | None = None

    @abc.abstractmethod
    def play(self, clock: SimClock) -> None:
        """Send this device's part of the schedule, on `clock`, until done or stopped."""

    def start(self, clock: SimClock) -> None:
        self._thread = threading.Thread(target=self._guarded, args=(clock,), name=self.name,
                                        daemon=True)
        self._thread.start()

    def _guarded(self, clock: SimClock) -> None:
        try:
            self.play(clock)
        except Exception as err:  # noqa: BLE001 - a player failure ends up in the report
            self.tally.errors.append(f"{type(err).__name__}: {err}")

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(5)


def _jump_at(faults: list[Fault], s: float) -> float:
    return sum(f.jump_s for f in faults if f.kind == "clock_jump" and f.at_s <= s < f.at_s + f.duration_s)


class SerialRfidPlayer(Player):
    """Tag-report lines (csv profile) with reader timestamps, on a pty."""

    name = "rfid"

    def __init__(self, pty: PtyDevice, traffic: Traffic, faults: list[Fault],
                 options: SerialReaderOptions | None = None, seed: int = 0) -> None:
        super().__init__()
        self.pty = pty
        self.traffic = traffic
        self.faults = [f for f in faults if f.device == "rfid"]
        self.options = options or SerialReaderOptions()
        self.rng = random.Random(seed)  # noqa: S311 - simulation

    def _write(self, data: bytes, n: int) -> bool:
        try:
            self.pty.write(data, paced=False)
        except OSError:
            self.tally.lost += n
            return False
        return True

    def play(self, clock: SimClock) -> None:
        garbage = [f for f in self.faults if f.kind == "garbage"]
        reads = list(self.traffic.reads)
        i = 0
        while i < len(reads) and not self.stop_event.is_set():
            due = reads[i].ts
            while garbage and garbage[0].at_s <= due:
                f = garbage.pop(0)
                if not clock.wait_until(f.at_s, self.stop_event):
                    return
                junk = b"".join(self.rng.choice(GARBAGE) for _ in range(f.count))
                if self._write(junk, 0):
                    self.tally.garbage += f.count
            if not clock.wait_until(due, self.stop_event):
                return
            now_s = clock.sim()
            batch: list[SimRead] = []
            while i < len(reads) and reads[i].ts <= now_s + 0.01 * clock.speed:
                batch.append(reads[i])
                i += 1
            data = bytearray()
            jumped = 0
            for r in batch:
                jump = _jump_at(self.faults, r.ts)
                jumped += bool(jump)
                tag = TagLine(r.epc, r.antenna, r.rssi, clock.wall(r.ts) + jump)
                data += (format_line(tag, self.options) + "\r\n").encode("ascii")
            if self._write(bytes(data), len(batch)):
                self.tally.sent += len(batch)
                self.tally.clock_jumped += jumped


def document_lines(d: DocumentPlan) -> tuple[str, ...]:
    """The TD3 MRZ of a planned document; a damaged one fails its document-number check."""
    fold = {"Ø": "O", "Ü": "UE", "Ö": "OE", "Ä": "AE", "Å": "AA"}

    def mrz_name(text: str) -> str:
        import unicodedata

        text = "".join(fold.get(c, c) for c in text.upper())
        text = unicodedata.normalize("NFKD", text)
        out = "".join(c if c.isalpha() and c.isascii() else "<" if c in " -'" else "" for c in text)
        return out

    def yymmdd(iso: str) -> str:
        return date.fromisoformat(iso).strftime("%y%m%d")

    surname = mrz_name(d.surname)[:30]
    given = mrz_name(d.given_names)[: max(1, 39 - len(surname) - 2)]
    lines = build_mrz(DocumentFields(
        format=MrzFormat.TD3, document_code="P<", issuing_state=d.issuing_state,
        surname=surname, given_names=given, document_number=d.document_number,
        nationality=d.issuing_state, birth_date=yymmdd(d.birth_date), sex="X",
        expiry_date=yymmdd(d.expiry_date)))
    if d.damaged:
        line = lines[1]
        digit = str((int(line[9]) + 1) % 10)
        lines = (lines[0], line[:9] + digit + line[10:])
    return lines


# Nothing of the MRZ alphabet in any case, and shorter than any MRZ line: the driver must skip
# it without an error read (longer junk may pass for a damaged MRZ line, by design).
JUNK = b"!@#$%^&*()[]{}~?\x00\xff\x7f"
READ_TIMEOUT_S = 0.5  # the MRZ driver's default read_timeout


def garbage_times(faults: list[Fault], scans: tuple[tuple[float, int, int], ...], speed: float
                  ) -> list[float]:
    """When to inject each MRZ broken frame: never where its silence would delay a real scan."""
    busy = sorted(ts for ts, _, _ in scans)
    out: list[float] = []
    before, after = 0.3 * speed, (READ_TIMEOUT_S + 0.6) * speed
    for f in (f for f in faults if f.kind == "garbage"):
        t = f.at_s
        for _ in range(f.count):
            moved = True
            while moved:
                moved = False
                for b in busy:
                    if t - before <= b <= t + after:
                        t, moved = b + before + 0.2 * speed, True
            out.append(t)
            busy.append(t)
            t += after + before
    return out


class MrzPlayer(Player):
    """Documents scanned at the booth; broken frames and junk; slow links."""

    name = "mrz"

    def __init__(self, scanner: SimulatedScanner, lane: LaneTraffic, faults: list[Fault],
                 seed: int = 0) -> None:
        super().__init__()
        self.scanner = scanner
        self.lane = lane
        self.faults = [f for f in faults if f.device == "mrz"]
        self.rng = random.Random(seed)  # noqa: S311 - simulation
        self.baud = scanner.baud

    def _send(self, data: bytes, slow: bool) -> bool:
        self.scanner.baud = max(300, self.baud // 8) if slow else self.baud
        try:
            self.scanner.write_paced(data)
        except OSError:
            return False
        return True

    def _slow(self, s: float) -> bool:
        return any(f.kind == "slow_link" and f.at_s <= s < f.at_s + f.duration_s for f in self.faults)

    def play(self, clock: SimClock) -> None:
        events: list[tuple[float, int, int]] = [(ts, pos, j) for ts, pos, j in self.lane.scans]
        events += [(t, -1, k) for k, t in enumerate(garbage_times(self.faults, self.lane.scans,
                                                                  clock.speed))]
        events.sort()
        for ts, pos, j in events:
            if not clock.wait_until(ts, self.stop_event):
                return
            slow = self._slow(ts)
            if pos < 0:  # hostile: junk line, then a truncated read, then silence
                junk = bytes(self.rng.choice(JUNK) for _ in range(self.rng.randint(5, 20))) + b"\r\n"
                doc = self.lane.vehicles[0].documents[:1] or ()
                first = document_lines(doc[0])[:1] if doc else ("P<CANSPECIMEN<<X" + "<" * 28,)
                if self._send(junk, slow) and self._send(encode_read(first, self.scanner.profile),
                                                          slow):
                    self.tally.garbage += 1
                    self.tally.broken += 1
                    self.tally.junk_bytes += len(junk)
                self.stop_event.wait(READ_TIMEOUT_S + 0.3)  # silence ends the broken read
                continue
            lines = document_lines(self.lane.vehicles[pos].documents[j])
            if self._send(encode_read(lines, self.scanner.profile), slow):
                self.tally.sent += 1
            else:
                self.tally.lost += 1


def broken_report(msg_id: int) -> bytes:
    """An RO_ACCESS_REPORT whose framing is intact but whose only parameter claims 64 bytes and
    has 4: what a reader with a firmware bug sends. The client must skip it and count it."""
    from edge.drivers.rfid import llrp_codec as m

    body = struct.pack(">HH", 240, 64)  # TagReportData, length 64, nothing behind it
    return m.encode_message(m.UnknownMessage(msg_id, msg_type=m.RoAccessReport.TYPE, payload=body))


class WallLlrpReader(LlrpReaderSim):
    """The LLRP reader simulator paced on absolute wall time (reads already carry wall time).

    `garbage_at`: [(wall time, count)]: at that time, `count` broken reports go out between
    the good ones (`garbage_sent` counts them)."""

    lost = 0
    garbage_sent = 0
    garbage_at: list[tuple[float, int]] = []

    async def outage(self, seconds: float) -> None:
        """The reader goes away (power, cable): connections die, nobody answers, then it is back."""
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.sleep(seconds)
        await self.start()

    async def _stream(self, send, ids, writer, silent) -> None:  # type: ignore[no-untyped-def]
        from edge.drivers.rfid import llrp_codec as m
        from edge.sim.llrp_reader import tag_report

        while True:
            reads = self.traffic.reads  # swapped in when the run starts
            if self.cursor >= len(reads):
                await asyncio.sleep(0.05)
                continue
            while self.cursor < len(reads) and reads[self.cursor].ts < time.time() - 1.0:
                self.cursor += 1  # heard while nobody was connected: lost, as on a real reader
                self.lost += 1
            if self.cursor >= len(reads):
                continue
            delay = reads[self.cursor].ts - time.time()
            if delay > 0:
                await asyncio.sleep(min(delay, 0.5))
                continue
            now = time.time()
            while self.garbage_at and self.garbage_at[0][0] <= now:
                _, count = self.garbage_at.pop(0)
                for _ in range(count):
                    writer.write(broken_report(next(ids)))
                    self.garbage_sent += 1
                await writer.drain()
            part: list[SimRead] = []
            while self.cursor + len(part) < len(reads) and reads[self.cursor + len(part)].ts <= now:
                part.append(reads[self.cursor + len(part)])
            await send(m.RoAccessReport(next(ids), tuple(tag_report(r) for r in part)))
            self.cursor += len(part)
            self.reports_sent += 1


class LlrpPlayer(Player):
    """Runs a `WallLlrpReader` in its own event loop; the daemon connects to `url`."""

    name = "llrp"

    def __init__(self, traffic: Traffic, port: int, faults: list[Fault] | None = None) -> None:
        super().__init__()
        self.traffic = traffic
        self.port = port
        self.faults = [f for f in faults or [] if f.device == "rfid"]
        self.server: WallLlrpReader | None = None
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None

    def listen(self) -> None:
        """Start the server (before the daemon starts), reads begin with `start(clock)`."""
        self._thread = threading.Thread(target=self._serve, name="llrp", daemon=True)
        self._thread.start()
        self.ready.wait(5)

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self.server = WallLlrpReader(Traffic((), {}, {}, {}), port=self.port)
        await self.server.start()
        self.ready.set()
        await asyncio.to_thread(self.stop_event.wait)
        await self.server.stop()

    def unplug(self, seconds: float) -> None:
        """Blocks for the outage (called from the fault thread)."""
        assert self.loop is not None and self.server is not None
        asyncio.run_coroutine_threadsafe(self.server.outage(seconds), self.loop).result(seconds + 10)

    def play(self, clock: SimClock) -> None:
        """Hand the schedule, on wall time, to the reader server, which reports it as it comes."""
        reads = tuple(SimRead(clock.wall(r.ts), r.epc, r.antenna, r.rssi) for r in self.traffic.reads)
        assert self.server is not None
        self.server.garbage_at = sorted((clock.wall(f.at_s), f.count)
                                        for f in self.faults if f.kind == "garbage")
        self.server.traffic = Traffic(reads, {}, {}, {})
        self.tally.sent = len(reads)  # LLRP: a report is sent once the daemon reads

    def start(self, clock: SimClock) -> None:
        self.play(clock)  # no thread of its own: the server already runs in `listen()`'s

    def stop(self) -> None:
        if self.server is not None:
            self.tally.lost = self.server.lost
            self.tally.sent = self.server.cursor - self.server.lost
            self.tally.garbage = self.server.garbage_sent
        super().stop()


def unplug_window(faults: list[Fault], device: str) -> list[tuple[float, float]]:
    return [(f.at_s, f.at_s + f.duration_s) for f in faults if f.kind == "unplug" and f.device == device]


def safe_close(pty: PtyDevice) -> None:
    with contextlib.suppress(OSError):
        pty.close()
