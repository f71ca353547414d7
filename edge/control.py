"""The daemon's control channel: JSON lines over a local Unix socket.

`lanectl` sends `{"cmd": "status", ...}` and reads one JSON object back. The socket file is
only readable by the daemon's user and group (mode 0660), which is the access control.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from edge.errors import ControlError, LaneEdgeError

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[Any] | Any]
MAX_REQUEST = 1 << 20


class DaemonNotRunning(ControlError):
    code = "control.not_running"


class ControlServer:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.handlers: dict[str, Handler] = {}
        self._server: asyncio.AbstractServer | None = None

    def register(self, cmd: str, handler: Handler) -> None:
        self.handlers[cmd] = handler

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path),
                                                       limit=MAX_REQUEST)
        os.chmod(self.path, 0o660)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                reply = await self._answer(line)
                writer.write(json.dumps(reply, default=str).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            req = json.loads(line)
            if not isinstance(req, dict) or not isinstance(req.get("cmd"), str):
                raise ControlError("request must be an object with 'cmd'", code="control.bad_request")
            handler = self.handlers.get(req["cmd"])
            if handler is None:
                raise ControlError(f"unknown command {req['cmd']!r}", code="control.unknown_command",
                                   known=sorted(self.handlers))
            result = handler(req)
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                result = await result
            return {"ok": True, "result": result}
        except json.JSONDecodeError:
            return {"ok": False, "error": {"code": "control.bad_json", "message": "not JSON"}}
        except LaneEdgeError as err:
            return {"ok": False, "error": err.to_dict()}
        except Exception as err:
            log.exception("control command failed")
            return {"ok": False, "error": {"code": "control.internal", "message": type(err).__name__}}


def request(path: str | Path, cmd: str, timeout: float = 5.0, **args: Any) -> Any:
    """Blocking client used by lanectl; raises DaemonNotRunning or ControlError."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        try:
            sock.connect(str(path))
        except FileNotFoundError as err:
            raise DaemonNotRunning(f"lane-edge is not running (no control socket at {path})",
                                   socket=str(path)) from err
        except ConnectionRefusedError as err:  # the file is left, nobody listens on it
            raise DaemonNotRunning(f"lane-edge is not running (nothing answers on {path}: the "
                                   "daemon stopped without removing it, or crashed)",
                                   socket=str(path)) from err
        sock.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            buf += chunk
    except TimeoutError as err:
        raise ControlError("the daemon did not answer in time", code="control.timeout") from err
    finally:
        sock.close()
    reply = json.loads(buf or b"{}")
    if not reply.get("ok"):
        e = reply.get("error") or {}
        raise ControlError(e.get("message", "no answer"), code=e.get("code", "control.error"))
    return reply["result"]
