"""`lanectl diag serial|camera|rfid`: look at a device directly, without the daemon.

Stop the daemon first (`systemctl stop lane-edge`) when it holds the port: a serial port has
one reader. What these commands show is for the technician's eyes; they print raw reads, which
may include personal data, so nothing here is logged or stored (except the camera frame saved
where the technician asked).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.lanectl.common import load_cfg, print_json, progress
from edge.lanectl.diag_common import (
    EXIT_OK,
    EXIT_PROBLEM,
    WrongDevice,
    configured,
    port_open_failed,
    read_port,
    warn_if_daemon_has,
)
from edge.lanectl.diag_rfid import add_parser as add_rfid_parser
from edge.lanectl.frames_view import FRAMINGS, best_framing, frames, printable_ratio, visible
from edge.lanectl.render import paint, table

if TYPE_CHECKING:
    from edge.drivers.camera.aim import AimReport
    from edge.drivers.camera.frames import Image
    from edge.drivers.camera.options import CameraOptions, Source

COMMON_BAUDS = (9600, 115200, 19200, 38400, 57600, 4800)


def cmd_diag_serial(args: argparse.Namespace) -> int:
    cfg, dev = configured(args, args.path, "serial device", "mrz_scanner", "line", "rfid", "sign")
    if dev is not None and not dev.path:  # an LLRP reader: on the network, not a serial port
        raise WrongDevice(f"{dev.name} has no serial port (it is at {dev.url}): "
                          f"try lanectl diag rfid {dev.name}", device=dev.name, kind=dev.kind)
    warn_if_daemon_has(args, cfg, dev)
    path = dev.path if dev is not None and dev.path else args.path
    bauds = [args.baud] if args.baud else []
    if dev is not None:
        bauds.append(dev.baud)
    if not args.only:
        bauds += COMMON_BAUDS
    bauds = list(dict.fromkeys(bauds))
    framing = args.framing or (dev.framing if dev is not None else None)
    tries: list[dict[str, Any]] = []
    best: tuple[float, int, bytes] = (-1.0, 0, b"")
    for i, baud in enumerate(bauds, 1):
        if not args.json:
            progress(i, len(bauds), f"listening at {baud} baud for {args.seconds:g}s")
        try:
            data = read_port(path, baud, args.seconds)
        except Exception as err:  # noqa: BLE001 - pyserial raises many types; say which
            if i == 1:  # the port does not open at all: nothing was listened to
                return port_open_failed(args, path, err, configured=dev.name if dev else None)
            tries.append({"baud": baud, "error": f"{type(err).__name__}: {err}"})
            break
        ratio = printable_ratio(data)
        tries.append({"baud": baud, "bytes": len(data), "printable": round(ratio, 3)})
        if data and (ratio, len(data)) > (best[0], len(best[2])):
            best = (ratio, baud, data)
    raw = best[2]
    used = framing or best_framing(raw) or "lf"
    found = frames(raw, used) if used in FRAMINGS else []
    out = {"path": path, "configured": dev.name if dev else None, "tries": tries,
           "best_baud": best[1] or None, "framing": used, "framing_guessed": framing is None,
           "raw": visible(raw[: args.max_bytes]), "frames": [[visible(ln) for ln in f] for f in found]}
    if args.json:
        print_json(out)
    else:
        print(table([[t["baud"], t.get("bytes", "-"), t.get("printable", "-"), t.get("error", "")]
                     for t in tries], ["baud", "bytes", "printable", "error"]))
        if not raw:
            print("no bytes received: is the device sending (scan a document), the cable right, "
                  "the port held by the daemon?")
            return EXIT_PROBLEM
        print(f"\nbest baud {best[1]}; raw ({len(raw)} bytes):\n  {out['raw']}")
        how = "guessed" if framing is None else "configured"
        print(f"\nframing {used} ({how}): {len(found)} frame(s)")
        for n, f in enumerate(found[:20], 1):
            for ln in f:
                print(f"  [{n}] {visible(ln)}  ({len(ln)} chars)")
    return EXIT_OK if found else EXIT_PROBLEM


def cmd_diag_camera(args: argparse.Namespace) -> int:
    import cv2
    import numpy as np

    from edge.drivers.camera.capture import open_source
    from edge.drivers.camera.errors import CameraError
    from edge.drivers.camera.frames import fit_width
    from edge.errors import LaneEdgeError

    def cannot_open(code: str, why: str) -> int:
        msg = f"cannot open {args.url}: {why} [{code}]"
        if args.json:
            print_json({"url": args.url, "opened": False, "code": code, "error": msg})
        else:
            print(msg)
        return EXIT_PROBLEM

    try:
        opts, source = _camera(args)
    except LaneEdgeError as err:  # the configured camera's options are wrong
        return cannot_open(err.code, err.message)
    except ValueError as err:  # not a camera source (an unknown URL scheme)
        return cannot_open("camera.source_invalid", str(err))
    try:
        cap = open_source(source, opts)  # as the daemon opens it: timeouts, credentials
    except CameraError as err:
        return cannot_open(err.code, f"{err.message}; {_OPEN_HINTS[source.kind]}")
    plates_opts = opts if args.plates else None
    kept: list[Image] = []  # frames for the plate reader, at its width
    try:
        t0 = time.monotonic()
        first = None
        n = 0
        while n < args.frames:
            ok, frame = cap.read()
            if not ok:
                break
            if first is None:
                first = frame
            if plates_opts is not None:
                kept.append(fit_width(np.asarray(frame, np.uint8), plates_opts.max_width))
            n += 1
        elapsed = time.monotonic() - t0
        reported = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    finally:
        cap.release()
    if first is None:
        msg = f"{args.url} opened but gave no frame"
        print_json({"url": args.url, "opened": True, "frames": 0, "error": msg}) if args.json else print(msg)
        return EXIT_PROBLEM
    h, w = first.shape[:2]
    out_path = Path(args.out or f"lanectl-frame-{int(time.time())}.jpg")
    out: dict[str, Any] = {"url": args.url, "opened": True, "width": w, "height": h, "fps_reported": reported,
                           "fps_measured": round(n / elapsed, 1) if elapsed > 0 else None, "frames": n}
    report = None
    if plates_opts is not None:
        # a camera sampled at 0 hands the reader every frame it sends
        rate = plates_opts.sample_fps or reported or out["fps_measured"] or 0.0
        report, shown, drawn = _read_plates(kept, w, dataclasses.replace(plates_opts, sample_fps=rate))
        saved = bool(cv2.imwrite(str(out_path), shown))
        out["frame_saved_reads"] = drawn  # what is drawn on it, in its pixels
    else:
        saved = bool(cv2.imwrite(str(out_path), first))
    out["frame_saved"] = str(out_path) if saved else None
    if report is not None:
        out["plates"] = dataclasses.asdict(report)
    if args.json:
        print_json(out)
    else:
        print(table([[k, v] for k, v in out.items() if k not in ("plates", "frame_saved_reads")],
                    ["camera", "value"]))
        if report is not None:
            _print_aim(report)
    return EXIT_OK if saved and (report is None or report.ok) else EXIT_PROBLEM


# What to check when a camera does not open, by the kind of source.
_OPEN_HINTS = {
    "network": "check the URL, the credentials (the camera's password_file) and the network",
    "device": "check the camera is plugged in (ls /dev/video*) and not held by the daemon",
    "file": "check the path and that the file is a video OpenCV reads",
}


def _camera(args: argparse.Namespace) -> tuple[CameraOptions, Source]:
    """The camera as the daemon would open and read it: the configured camera whose name, url
    or path `args.url` is (its source, options, credentials), else `args.url` with the default
    options (a URL when it has a scheme, else a device index, /dev path or file)."""
    from edge.drivers.camera.options import CameraOptions, load_options, resolve_source

    cfg, dev = configured(args, args.url, "camera", "camera")
    bare_name = not any(c in args.url for c in "/.:") and not args.url.isdigit()
    if dev is None and bare_name and not Path(args.url).exists():
        load_cfg(args)  # a name can only be a configured camera's: say why the config has none
    if dev is not None and dev.kind == "camera":
        warn_if_daemon_has(args, cfg, dev)
        opts, source = load_options(dev)  # checked as the daemon checks them
    else:
        opts = CameraOptions()
        source = resolve_source(None, args.url) if "://" in args.url else resolve_source(args.url, None)
    if args.sample_fps is not None:
        opts = dataclasses.replace(opts, sample_fps=args.sample_fps)
    return opts, source


def _read_plates(frames: list[Image], source_width: int, opts: CameraOptions
                 ) -> tuple[AimReport, Image, list[dict[str, Any]]]:
    """Read every kept frame with the camera's reader (one thread, as in the daemon): the aiming
    report, and the frame with the most confident read with each read's box and text drawn."""
    import cv2

    from edge.drivers.camera.aim import aim_report, suggest_roi
    from edge.drivers.camera.driver import make_reader, read_plates

    cv2.setNumThreads(1)
    reader = make_reader(opts)
    reads, ms = [], []
    for f in frames:
        t0 = time.perf_counter()
        reads.append(read_plates(reader, f, opts.roi, source_width / f.shape[1]))
        ms.append(1000 * (time.perf_counter() - t0))
    best = max(range(len(frames)), key=lambda i: max((r.confidence for r in reads[i]), default=-1.0))
    shown = frames[best].copy()
    for r in reads[best]:
        x, y, bw, bh = r.box
        cv2.rectangle(shown, (x, y), (x + bw, y + bh), (0, 255, 0), 2)
        cv2.putText(shown, f"{r.text} {r.confidence:.2f} {bw}px", (x, max(12, y - 6)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 0), 2)
    drawn = [{"text": r.text, "confidence": r.confidence, "box": list(r.box)} for r in reads[best]]
    report = aim_report(reads, ms, opts.sample_fps)
    if not opts.roi:  # where the plates passed: the search can be limited to it
        h, w = frames[0].shape[:2]
        roi = suggest_roi(reads, (w, h), source_width / w)
        report = dataclasses.replace(report, roi=None if roi is None else list(roi))
    return report, shown, drawn


def _print_aim(report: AimReport) -> None:
    print(table([[p.text, p.frames, f"{p.best_confidence:.2f}", p.width] for p in report.plates],
                ["plate", "frames", "best confidence", "width px"]))
    width = "-" if report.plate_width is None else f"{report.plate_width} px"
    print(f"{report.frames_with_plate} of {report.frames} frames with a plate; median plate width {width}; "
          f"reader {report.reader_ms:g} ms a frame ({report.reader_fps:g} frames/s on this box)")
    for line in report.advice:
        print(paint(f"! {line}", "yellow"))
    if report.roi is not None:
        x, y, w, h = report.roi
        print(f"tip: the plates passed within x {x}-{x + w}, y {y}-{y + h} of the frame; "
              f"roi = [{x}, {y}, {w}, {h}] in the camera's options limits the search there "
              "(faster, fewer misreads of other text); check with a few more vehicles first")
    if report.ok:
        print(paint("plates read, wide enough, and the box keeps up", "green"))


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    d = sub.add_parser("diag", help="look at a device directly (stop the daemon first)")
    ds = d.add_subparsers(dest="diag_command", required=True)
    s = ds.add_parser("serial", help="raw bytes of a serial port at the configured and common baud rates")
    s.add_argument("path", help="port path, pyserial URL, or a configured device name")
    s.add_argument("--baud", type=int, help="try this baud rate first")
    s.add_argument("--only", action="store_true", help="try only --baud / the configured rate")
    s.add_argument("--framing", choices=FRAMINGS, help="framing profile (default: configured or guessed)")
    s.add_argument("--seconds", type=float, default=3.0, help="listening time per baud rate")
    s.add_argument("--max-bytes", type=int, default=2000, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_diag_serial)
    c = ds.add_parser("camera", help="open a camera, report resolution and fps, save one frame")
    c.add_argument("url", help="rtsp://..., http://..., a video file, a device index such as 0, or a "
                               "configured camera's name (opened with its options and credentials)")
    c.add_argument("--frames", type=int, default=30,
                   help="frames to read for the fps figure (with --plates each is kept for the reader: "
                        "about 2.8 MB a 1280x720 frame)")
    c.add_argument("--out", help="where to save the frame (default: ./lanectl-frame-TIME.jpg)")
    c.add_argument("--plates", action="store_true",
                   help="read plates in the frames as the daemon would (with the configured camera's "
                        "options when URL is its name, url or path): plates, their width, the reader's "
                        "speed, what to change; the saved frame shows the reads")
    c.add_argument("--sample-fps", type=float, help="with --plates: frames a second the reader must keep up "
                                                    "with (default: the camera's sample_fps)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_diag_camera)
    add_rfid_parser(ds)
