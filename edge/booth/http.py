"""A deliberately small HTTP/1.1 server core on asyncio streams, for the booth's local API.

Enough for one booth terminal and a few tools: request line and headers (capped), bodies by
Content-Length (capped; no chunked uploads), one response per connection (`Connection: close`)
except the live feed, which keeps its connection as Server-Sent Events. No dependency, and every
limit is a named constant, so what the server accepts can be read in one screen.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from edge.aio import wait_for
from edge.booth.errors import BoothError, booth_error

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
HEAD_TIMEOUT_S = 10.0


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    actor: str = "local"
    peer: str = ""

    def json(self) -> Any:
        ctype = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise booth_error(415, "booth.unsupported_media_type",
                              "send the body as application/json")
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise booth_error(400, "booth.bad_json",
                              f"body is not valid JSON ({type(err).__name__} at "
                              f"position {getattr(err, 'pos', 0)})") from err


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]
StreamHandler = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, separators=(",", ":"), default=str).encode())


def error_response(err: BoothError) -> Response:
    return json_response({"error": {"code": err.code, "message": err.message}}, err.status)


@dataclass(slots=True)
class Route:
    method: str
    template: str  # OpenAPI style: /api/v1/crossings/{id}
    handler: Handler | None = None
    stream: StreamHandler | None = None
    public: bool = False  # served without a token (the login form only)
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.pattern = re.compile(f"^{regex}$")


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for route in routes:
        m = route.pattern.match(path)
        if m is None:
            continue
        if route.method == method or (method == "HEAD" and route.method == "GET"):
            return route, {k: unquote(v) for k, v in m.groupdict().items()}
        allowed = True
    if allowed:
        raise booth_error(405, "booth.method_not_allowed", f"{method} is not allowed on {path}")
    raise booth_error(404, "booth.not_found", "no such resource")


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """One request, or None when the client closed before sending one."""
    try:
        head = await wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as err:
        raise booth_error(431, "booth.bad_request", "request head too large") from err
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError as err:
        raise booth_error(400, "booth.bad_request", "malformed request line") from err
    if not version.startswith("HTTP/1."):
        raise booth_error(400, "booth.bad_request", "only HTTP/1.x is spoken here")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise booth_error(400, "booth.bad_request", "malformed header line")
        headers[name.lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise booth_error(400, "booth.bad_request", "send a Content-Length, not a chunked body")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as err:
        raise booth_error(400, "booth.bad_request", "Content-Length is not a number") from err
    if length < 0 or length > MAX_BODY:
        raise booth_error(413, "booth.body_too_large", f"body larger than {MAX_BODY} bytes")
    body = await wait_for(reader.readexactly(length), HEAD_TIMEOUT_S) if length else b""
    url = urlsplit(target)
    return Request(method.upper(), url.path or "/", parse_qs(url.query), headers, body)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}


def encode_head(status: int, headers: dict[str, str]) -> bytes:
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Status"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in {**SECURITY_HEADERS, **headers}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(writer: asyncio.StreamWriter, resp: Response, head_only: bool = False) -> None:
    headers = {"Content-Type": resp.content_type, "Content-Length": str(len(resp.body)),
               "Connection": "close", **resp.headers}
    writer.write(encode_head(resp.status, headers) + (b"" if head_only else resp.body))
    await writer.drain()
