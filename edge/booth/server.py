"""The booth component: the officer's page and local API, served in the daemon's event loop.

Wiring: `App(cfg, AppOptions(components=[BoothServer()]))`. On start it takes the lane and its
devices from the app, follows the bus (device states, plate crops, crossing updates when the lane
layer is there), and records decisions through a `DecisionSink` (default: `StoreDecisionSink`).
Bound to loopback it trusts the box's own browser (actor `local`) and refuses foreign Host names;
bound elsewhere every request needs a terminal token (`Authorization: Bearer`, or the cookie the
login form sets), and the terminal's id is the actor recorded with each decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import edge
from edge.aio import wait_for
from edge.booth.api import BoothApi
from edge.booth.auth import COOKIE, LOCAL_ACTOR, host_allowed, identify, needs_token, read_tokens
from edge.booth.errors import BoothError, booth_error
from edge.booth.http import (
    Request,
    Response,
    Route,
    error_response,
    match,
    read_request,
    send,
)
from edge.booth.live import LiveFeed
from edge.booth.sink import AppDecisionSink, StoreDecisionSink
from edge.booth.state import BoothState, DecisionSink
from edge.booth.view import crop_data_url
from edge.bus import Subscription
from edge.counters import Counters
from edge.errors import ConfigError
from edge.events import DeviceStateChanged, Event, PlateRead

if TYPE_CHECKING:
    from edge.daemon.app import App

log = logging.getLogger(__name__)

MAX_CONNECTIONS = 64
BIND_RETRY_S = 5.0

LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Booth terminal: sign in</title></head><body>
<h1>Booth terminal / Terminal de guérite</h1>
<p>{message}</p>
<form method="post" action="/login"><label>Terminal token / Jeton du terminal<br>
<input name="token" type="password" autofocus size="40"></label>
<button type="submit">Sign in / Connexion</button></form></body></html>"""


class BoothServer:
    name = "booth"

    def __init__(self, *, state: BoothState | None = None, sink: DecisionSink | None = None,
                 bind: str | None = None, port: int | None = None,
                 token_file: str | None = None, heartbeat_s: float = 5.0,
                 watch_s: float = 1.0) -> None:
        self.state = state
        self.sink = sink
        self.bind = bind
        self.port = port
        self.token_file = token_file
        self.heartbeat_s = heartbeat_s
        self.watch_s = watch_s
        self.tokens: dict[str, str] = {}
        self.bind_error: str | None = None
        self.counters = Counters()
        self.feed: LiveFeed | None = None
        self.routes: list[Route] = []
        self._app: App | None = None
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[Any]] = set()
        self._tasks: list[asyncio.Task[Any]] = []
        self._sub: Subscription | None = None

    # ------------------------------------------------------------------ life cycle
    async def start(self, app: App) -> None:
        self._app = app
        cfg = app.cfg
        bind = self.bind or cfg.booth.bind
        port = cfg.booth.port if self.port is None else self.port
        token_file = self.token_file or cfg.booth.token_file
        if self.state is None:
            self.state = BoothState({"port": cfg.lane.port, "id": cfg.lane.id,
                                     "kind": str(cfg.lane.kind), "mode": app.mode})
        for dev in cfg.devices:
            if dev.enabled:
                sup = app.devices.get(dev.name)
                state = str(sup.ctx.health.state) if sup is not None else "starting"
                self.state.on_device(dev.name, state, None, kind=dev.kind)
        if self.sink is None:
            self.sink = AppDecisionSink(app, StoreDecisionSink(app.store, cfg.lane.id,
                                                               self._recommendation))
        self._follow_bus(app)
        self._tasks.append(asyncio.create_task(self._watch(app), name="booth:watch"))
        try:
            await self.serve(bind, port, token_file)
        except OSError as err:
            # the lane keeps reading, recording and syncing without its page; retry the socket
            self.bind_error = err.strerror or type(err).__name__
            log.error("booth page cannot listen on %s:%d (%s); retrying every %.0f s",
                      bind, port, self.bind_error, BIND_RETRY_S)
            self._tasks.append(asyncio.create_task(self._retry_bind(bind, port, token_file),
                                                   name="booth:bind"))

    async def _retry_bind(self, bind: str, port: int, token_file: str | None) -> None:
        while True:
            await asyncio.sleep(BIND_RETRY_S)
            try:
                await self.serve(bind, port, token_file)
            except OSError:
                continue
            log.info("booth page listening again on %s:%d", bind, port)
            self.bind_error = None
            return

    async def serve(self, bind: str, port: int, token_file: str | None = None) -> None:
        """Open the socket (also usable without an App, given `state` and `sink`)."""
        assert self.state is not None and self.sink is not None
        self.bind = bind
        if needs_token(bind):
            if not token_file:
                raise ConfigError("booth.token_file is required off loopback",
                                  code="booth.token_file")
            self.tokens = await asyncio.to_thread(read_tokens, token_file)
        if self.feed is None:
            self.feed = LiveFeed(self.state, self.heartbeat_s)
        api = BoothApi(self.state, self.sink, self.feed, self._status, edge.__version__)
        self.routes = [*api.routes(), Route("POST", "/login", self._login, public=True)]
        self._server = await asyncio.start_server(self._client, bind, port, limit=16 * 1024)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("booth page on http://%s:%d/ (%s)", bind, self.port,
                 "token required" if self.tokens else "loopback, no token")

    async def stop(self) -> None:
        if self.feed is not None:
            self.feed.close_all()
            if self.state is not None and self.feed.publish in self.state.listeners:
                self.state.listeners.remove(self.feed.publish)
            self.feed = None
        if self._server is not None:
            self._server.close()
        for task in [*self._conns, *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._conns, *self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._app is not None and self._sub is not None:
            self._app.bus.unsubscribe(self._sub)
            self._sub = None
        if self._server is not None:
            with contextlib.suppress(Exception):
                await wait_for(self._server.wait_closed(), 1.0)
        self._server = None

    def status(self) -> dict[str, Any]:
        return {"bind": self.bind, "port": self.port, "bind_error": self.bind_error,
                "token_required": bool(self.tokens),
                "connections": len(self._conns),
                "live_clients": 0 if self.feed is None else len(self.feed.clients),
                "requests": self.counters.snapshot()}

    # ------------------------------------------------------------------ inputs
    def _follow_bus(self, app: App) -> None:
        types: list[type[Event]] = [DeviceStateChanged, PlateRead]
        crossing_type = _optional_type("edge.lane.crossing", "CrossingUpdated")
        mode_type = _optional_type("edge.ops.events", "LaneModeChanged")
        types += [t for t in (crossing_type, mode_type) if t is not None]
        self._sub = app.bus.subscribe("booth", tuple(types), maxsize=1000)
        self._tasks.append(app.bus.consume(self._sub, self.on_event))

    def on_event(self, event: Event) -> None:
        """Feed one bus event into the booth state (public: the lead may route events here)."""
        assert self.state is not None
        if isinstance(event, DeviceStateChanged):
            self.state.on_device(event.device, str(event.state), event.error_code)
        elif isinstance(event, PlateRead):
            self.state.on_plate_crop(event.text, crop_data_url(event.crop_jpeg))
        elif hasattr(event, "snapshot") and isinstance(event.snapshot, Mapping):
            self.state.on_crossing(event.snapshot, getattr(event, "step", None))
        else:
            mode = getattr(event, "mode", None)  # edge.ops LaneModeChanged
            kind = getattr(event, "kind", None)
            if isinstance(mode, str):
                self.state.on_mode(mode, kind if isinstance(kind, str) else None)

    async def _watch(self, app: App) -> None:
        """Follow what has no bus event: the lane mode and the sync link (its state, the backlog)."""
        assert self.state is not None
        last_sync: tuple[str, Any] | None = None
        rounds = 0
        backlog: Any = None
        while True:
            if self.state.lane.get("mode") != app.mode:
                self.state.on_mode(app.mode)
            if rounds % 10 == 0:
                with contextlib.suppress(Exception):
                    backlog = (await app.status_async()).get("outbox", {}).get("backlog")
            sync = sync_state(app, backlog)
            if (sync["state"], sync["backlog"]) != last_sync:
                last_sync = (sync["state"], sync["backlog"])
                self.state.on_sync(sync)
            rounds += 1
            await asyncio.sleep(self.watch_s)

    def _recommendation(self, crossing_id: str) -> Mapping[str, Any] | None:
        view = self.state.detail(crossing_id) if self.state else None
        return view.get("recommendation") if view else None

    async def _status(self) -> dict[str, Any]:
        if self._app is None:
            return {}
        return await self._app.status_async()

    # ------------------------------------------------------------------ connections
    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self._conns) >= MAX_CONNECTIONS:
            writer.close()
            return
        self._conns.add(task)
        try:
            await self._handle(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            self._conns.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await wait_for(writer.wait_closed(), 1.0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        req: Request | None = None
        try:
            req = await read_request(reader)
            if req is None:
                return
            route, req.params = match(self.routes, req.method, req.path)
            self._authorise(req, route)
            if route.stream is not None:
                self.counters.inc("stream")
                await route.stream(req, writer)
                return
            assert route.handler is not None
            resp = await route.handler(req)
        except BoothError as err:
            resp = self._error_page(req, err)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            raise
        except Exception:
            log.exception("booth request failed")
            resp = error_response(booth_error(500, "booth.error", "internal error"))
        self.counters.inc(f"status_{resp.status}")
        await send(writer, resp, head_only=req is not None and req.method == "HEAD")

    def _authorise(self, req: Request, route: Route) -> None:
        if not self.tokens:
            if not host_allowed(req.headers.get("host", ""), self.port or 0):
                raise booth_error(403, "booth.forbidden_host", "unexpected Host header")
            req.actor = LOCAL_ACTOR
            return
        if route.public:
            return
        ident = identify(self.tokens, req.headers)
        if ident is None:
            raise booth_error(401, "booth.unauthorized", "this terminal needs its token")
        req.actor = ident

    def _error_page(self, req: Request | None, err: BoothError) -> Response:
        if err.status == 401 and req is not None and req.path == "/" and req.method == "GET":
            page = LOGIN_PAGE.format(message="Enter this terminal's token. / Entrez le jeton.")
            return Response(401, page.encode(), "text/html; charset=utf-8")
        resp = error_response(err)
        if err.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="lane-edge booth"'
        return resp

    async def _login(self, req: Request) -> Response:
        form = parse_qs(req.body.decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0].strip()
        if identify(self.tokens, {"authorization": f"Bearer {token}"}) is None:
            page = LOGIN_PAGE.format(message=escape("Token refused. / Jeton refusé."))
            return Response(401, page.encode(), "text/html; charset=utf-8")
        cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
        return Response(303, b"", "text/plain", {"Location": "/", "Set-Cookie": cookie})


def sync_state(app: App, backlog: Any) -> dict[str, Any]:
    """The sync link's state without touching its database: `disabled` when MQTT is off."""
    comp = next((c for c in app.components if c.name == "sync"), None)
    if comp is None:
        return {"state": "disabled" if not app.cfg.mqtt.enabled else "unknown", "backlog": backlog}
    link = getattr(comp, "link", None)
    state = getattr(link, "state", None) if link is not None else "starting"
    return {"state": str(state or "unknown"), "backlog": backlog}


def _optional_type(module: str, name: str) -> type[Event] | None:
    """An event type from a layer that may not be installed yet (lane, sync)."""
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, Event) else None
