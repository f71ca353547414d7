"""A simulated IP camera: MJPEG over HTTP on loopback, as most lane cameras offer it.

`GET /stream.mjpg` streams `multipart/x-mixed-replace` JPEG parts at a fixed rate;
`GET /snapshot.jpg` returns the current frame, optionally behind HTTP Basic auth. One producer
thread renders and encodes each frame once (a `CameraScene`, or any `t -> BGR image` function)
and every connected client gets the newest part, like a real camera does. Fault hooks for tests
and `lane-sim`:
`stop()`/`start()` (the camera vanishes: connection refused, and comes back on the same port),
`drop_clients()` (streams cut, the camera keeps listening), `inject_corrupt(n)` (the next n
parts carry bytes that are not a JPEG) and `inject_truncated(n)` (the next n parts are cut in
half, with a Content-Length that matches the cut, as a camera that runs out of buffer does).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from edge.sim.camera_video import CameraScene

log = logging.getLogger(__name__)

BOUNDARY = "lanecamframe"
FrameFn = Callable[[float], npt.NDArray[np.uint8]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    camera: MjpegCameraServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("camera http: %s", format % args)

    def do_GET(self) -> None:
        cam = self.server.camera
        path = self.path.split("?", 1)[0]
        if cam.auth is not None:
            expected = "Basic " + base64.b64encode(":".join(cam.auth).encode()).decode()
            if self.headers.get("Authorization") != expected:
                cam.auth_failures += 1
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="camera"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if path == "/snapshot.jpg":
            seq, part = cam.wait_part(0, timeout=2.0)
            if part is None:
                self.send_error(503, "no frame yet")
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(part)))
            self.end_headers()
            self.wfile.write(part)
            return
        if path != cam.path:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        cam.attach(self.connection)
        try:
            seq = 0
            while cam.running:
                seq, part = cam.wait_part(seq, timeout=0.5)
                if part is None:
                    continue
                head = (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                        f"Content-Length: {len(part)}\r\n\r\n").encode()
                self.wfile.write(head + part + b"\r\n")
                cam.parts_sent += 1
        except OSError:
            pass  # the client went away, or drop_clients() cut the stream
        finally:
            cam.detach(self.connection)


class MjpegCameraServer:
    """An MJPEG camera on 127.0.0.1 (port 0 picks a free port; it is kept across stop/start)."""

    def __init__(self, source: CameraScene | FrameFn | Iterable[Sequence[Any]], *,
                 host: str = "127.0.0.1", port: int = 0, fps: float = 10.0, quality: int = 80,
                 path: str = "/stream.mjpg", seed: int = 0, epoch: float | None = None,
                 auth: tuple[str, str] | None = None) -> None:
        if isinstance(source, CameraScene):
            self.frame_fn: FrameFn = lambda t: source.frame_at(t)[0]
        elif callable(source):
            self.frame_fn = source
        else:
            scene = CameraScene(source, seed)
            self.frame_fn = lambda t: scene.frame_at(t)[0]
        self.host, self.port, self.fps, self.quality, self.path = host, port, fps, quality, path
        self.epoch = epoch  # wall-clock time of schedule t=0 (default: first start())
        self.auth = auth  # (user, password): HTTP Basic required, as cameras do
        self.auth_failures = 0
        self.running = False
        self.frames = 0
        self.parts_sent = 0
        self._cond = threading.Condition()
        self._seq = 0
        self._part: bytes | None = None
        self._corrupt = 0
        self._truncate = 0
        self._clients: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._threads: list[threading.Thread] = []

    # ---------------------------------------------------------------- life
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def start(self) -> MjpegCameraServer:
        if self.running:
            return self
        if self.epoch is None:
            self.epoch = time.time()
        httpd = _Server((self.host, self.port), _Handler)
        httpd.camera = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self.running = True
        self._threads = [
            threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                             name="camera-http", daemon=True),
            threading.Thread(target=self._produce, name="camera-render", daemon=True),
        ]
        for th in self._threads:
            th.start()
        return self

    def stop(self) -> None:
        """The camera vanishes: close the listening socket and every stream."""
        if not self.running:
            return
        self.running = False
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()
        self.drop_clients()
        with self._cond:
            self._cond.notify_all()
        for th in self._threads:
            th.join(5.0)
        self._threads = []

    def __enter__(self) -> MjpegCameraServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- faults
    def drop_clients(self) -> int:
        """Cut every open stream (the listener stays up); returns how many were cut."""
        with self._cond:
            clients = list(self._clients)
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        return len(clients)

    def inject_corrupt(self, n: int = 1) -> None:
        with self._cond:
            self._corrupt += n

    def inject_truncated(self, n: int = 1) -> None:
        with self._cond:
            self._truncate += n

    @property
    def clients(self) -> int:
        with self._cond:
            return len(self._clients)

    # ---------------------------------------------------------------- internals
    def attach(self, conn: socket.socket) -> None:
        with self._cond:
            self._clients.add(conn)

    def detach(self, conn: socket.socket) -> None:
        with self._cond:
            self._clients.discard(conn)

    def wait_part(self, after: int, timeout: float) -> tuple[int, bytes | None]:
        """The newest part with a sequence number above `after` (None on timeout)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > after or not self.running, timeout):
                return after, None
            return self._seq, self._part

    def _produce(self) -> None:
        period = 1.0 / self.fps
        due = time.monotonic()
        last: tuple[object, bytes] | None = None
        while self.running:
            assert self.epoch is not None
            frame = self.frame_fn(time.time() - self.epoch)
            if last is not None and last[0] is frame:  # the very same image: reuse its JPEG
                part = last[1]
            else:
                ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
                part = buf.tobytes() if ok else b""
                last = (frame, part)
            with self._cond:
                if self._corrupt:
                    self._corrupt -= 1
                    part = b"\x00NOT-A-JPEG" * 64
                elif self._truncate:
                    self._truncate -= 1
                    part = part[: len(part) // 2]
                self._seq += 1
                self._part = part
                self.frames += 1
                self._cond.notify_all()
            due += period
            delay = due - time.monotonic()
            if delay < -period:  # fell behind (slow render): do not burst to catch up
                due = time.monotonic()
            elif delay > 0:
                time.sleep(delay)


def main(argv: list[str] | None = None) -> int:
    """`python -m edge.sim.camera_server`: the same as `lane-sim camera`."""
    from edge.sim.cli import main as lane_sim

    return lane_sim(["camera", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
