"""The booth's routes: static page, JSON API, decisions, live feed and metrics.

Every route is listed in `routes()`; `edge/booth/openapi.json` documents the same list, and
`tests/booth/test_openapi.py` fails when the two differ.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from edge.booth.errors import BoothError, booth_error
from edge.booth.http import Request, Response, Route, json_response
from edge.booth.live import LiveFeed
from edge.booth.metrics import render_metrics
from edge.booth.state import ArrivalSink, BoothState, DecisionSink, OccupantSink
from edge.booth.view import ACTIONS, DONE_STATES
from edge.errors import LaneEdgeError

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
OPENAPI = Path(__file__).resolve().parent / "openapi.json"
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml",
         ".json": "application/json"}
MAX_NOTE = 500
MAX_OCCUPANTS = 20  # as the lane service accepts (edge.daemon.lane_service.MAX_OCCUPANTS)
STATIC_NAME = re.compile(r"^[a-z0-9_-]+\.(css|js|png|svg)$")

StatusFn = Callable[[], Awaitable[dict[str, Any]]]


class BoothApi:
    def __init__(self, state: BoothState, sink: DecisionSink, feed: LiveFeed,
                 status: StatusFn, version: str = "") -> None:
        self.state = state
        self.sink = sink
        self.feed = feed
        self.status = status
        self.version = version
        self.in_flight: set[str] = set()

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/", self.index),
            Route("GET", "/static/{name}", self.static),
            Route("GET", "/openapi.json", self.openapi),
            Route("GET", "/api/v1/state", self.full_state),
            Route("GET", "/api/v1/lane", self.lane),
            Route("GET", "/api/v1/devices", self.devices),
            Route("GET", "/api/v1/crossings/current", self.current),
            Route("GET", "/api/v1/crossings/recent", self.recent),
            Route("GET", "/api/v1/crossings/{id}", self.crossing),
            Route("POST", "/api/v1/crossings/{id}/decision", self.decide),
            Route("POST", "/api/v1/crossings/{id}/occupants", self.occupants),
            Route("POST", "/api/v1/crossings/{id}/arrive", self.arrive),
            Route("GET", "/api/v1/events", stream=self.feed.serve),
            Route("GET", "/metrics", self.metrics),
        ]

    # ------------------------------------------------------------------ page
    async def index(self, req: Request) -> Response:
        return _file(STATIC / "index.html")

    async def static(self, req: Request) -> Response:
        name = req.params["name"]
        if not STATIC_NAME.match(name) or not (STATIC / name).is_file():
            raise booth_error(404, "booth.not_found", "no such file")
        return _file(STATIC / name)

    async def openapi(self, req: Request) -> Response:
        return _file(OPENAPI)

    # ------------------------------------------------------------------ reads
    async def full_state(self, req: Request) -> Response:
        return json_response({**self.state.snapshot(), "actor": req.actor})

    async def lane(self, req: Request) -> Response:
        s = self.state
        return json_response({"lane": s.lane, "lights": s.lights(), "sync": s.sync,
                              "version": self.version, "now": s.clock(), "actor": req.actor})

    async def devices(self, req: Request) -> Response:
        return json_response({"devices": list(self.state.devices.values()),
                              "lights": self.state.lights(), "now": self.state.clock()})

    async def current(self, req: Request) -> Response:
        return json_response({"current": self.state.current(),
                              "approaching": self.state.approaching(), "now": self.state.clock()})

    async def recent(self, req: Request) -> Response:
        try:
            limit = int(req.query.get("limit", ["20"])[0])
        except ValueError as err:
            raise booth_error(400, "booth.bad_request", "limit must be a whole number") from err
        limit = max(1, min(limit, 200))
        return json_response({"crossings": self.state.recent(limit), "now": self.state.clock()})

    async def crossing(self, req: Request) -> Response:
        view = self.state.detail(req.params["id"])
        if view is None:
            raise booth_error(404, "booth.crossing_unknown", "no crossing with this id at this lane")
        return json_response({"crossing": view, "now": self.state.clock()})

    # ------------------------------------------------------------------ decision
    async def decide(self, req: Request) -> Response:
        cid = req.params["id"]
        body = req.json()
        action, note = _decision_body(body)
        view = self.state.detail(cid)
        if view is None:
            raise booth_error(404, "booth.crossing_unknown", "no crossing with this id at this lane")
        if view.get("decision") or view.get("state") in DONE_STATES or cid in self.in_flight:
            raise booth_error(409, "booth.already_decided", "this crossing is already decided")
        self.in_flight.add(cid)
        try:
            recorded = await self.sink.record(cid, action, note, req.actor)
        except LaneEdgeError as err:
            if err.code.startswith("lane.crossing"):
                raise booth_error(409, "booth.crossing_closed",
                                  "this crossing is no longer open at the lane") from err
            log.error("decision not recorded for a crossing: [%s]", err.code)
            raise booth_error(503, "booth.record_failed",
                              "the decision could not be recorded; decide again or use paper") from err
        except Exception as err:
            log.error("decision not recorded for a crossing: [%s]",
                      err.code if isinstance(err, LaneEdgeError) else type(err).__name__)
            raise booth_error(503, "booth.record_failed",
                              "the decision could not be recorded; decide again or use paper") from err
        finally:
            self.in_flight.discard(cid)
        self.state.mark_decided(cid, {"action": action, "actor": req.actor,
                                      "ts": recorded.get("ts", self.state.clock()),
                                      "against_recommendation":
                                          recorded.get("against_recommendation", False)})
        log.info("officer decision recorded: %s by %s", action, req.actor)
        return json_response({"decision": recorded, "next": self.state.current()})

    # ------------------------------------------------------------------ occupants
    async def occupants(self, req: Request) -> Response:
        """The officer declares how many people they see in the vehicle."""
        cid = req.params["id"]
        count = _occupants_body(req.json())
        view = self.state.detail(cid)
        if view is None:
            raise booth_error(404, "booth.crossing_unknown", "no crossing with this id at this lane")
        if view.get("decision") or view.get("state") in DONE_STATES:
            raise booth_error(409, "booth.already_decided", "this crossing is already decided")
        sink = self.sink
        if not isinstance(sink, OccupantSink):
            raise booth_error(503, "booth.occupants_unavailable",
                              "occupants can only be declared while the lane layer runs")
        try:
            recorded = await sink.declare_occupants(cid, count, req.actor)
        except BoothError:
            raise
        except LaneEdgeError as err:
            if err.code.startswith("lane.crossing"):
                raise booth_error(409, "booth.crossing_closed",
                                  "this crossing is no longer open at the lane") from err
            log.error("occupants not recorded for a crossing: [%s]", err.code)
            raise booth_error(503, "booth.record_failed",
                              "the declaration could not be recorded; try again") from err
        self.state.mark_occupants(cid, count)
        log.info("occupants declared by %s", req.actor)
        return json_response({"occupants": recorded, "crossing": self.state.detail(cid)})

    # ------------------------------------------------------------------ arrive
    async def arrive(self, req: Request) -> Response:
        """The officer says this queued vehicle is the one at the booth (the lane's order was
        wrong); the one the lane had there is closed `superseded`."""
        cid = req.params["id"]
        _empty_body(req.json())  # a JSON body, as every POST: no form can forge it cross-site
        view = self.state.detail(cid)
        if view is None:
            raise booth_error(404, "booth.crossing_unknown", "no crossing with this id at this lane")
        if view.get("decision") or view.get("state") in DONE_STATES:
            raise booth_error(409, "booth.already_decided", "this crossing is already decided")
        if view.get("state") != "approaching":
            raise booth_error(409, "booth.not_approaching",
                              "only a vehicle still approaching can be moved to the booth")
        sink = self.sink
        if not isinstance(sink, ArrivalSink):
            raise booth_error(503, "booth.arrive_unavailable",
                              "a vehicle can only be moved to the booth while the lane layer runs")
        try:
            recorded = await sink.arrive(cid, req.actor)
        except BoothError:
            raise
        except LaneEdgeError as err:
            if err.code == "lane.crossing_state":
                raise booth_error(409, "booth.not_approaching",
                                  "only a vehicle still approaching can be moved to the booth"
                                  ) from err
            if err.code.startswith("lane.crossing"):
                raise booth_error(409, "booth.crossing_closed",
                                  "this crossing is no longer open at the lane") from err
            log.error("arrival not recorded for a crossing: [%s]", err.code)
            raise booth_error(503, "booth.record_failed",
                              "the vehicle could not be moved to the booth; try again") from err
        before = recorded.get("before")
        self.state.mark_arrived(cid, str(before) if before else None)
        log.info("vehicle moved to the booth by %s", req.actor)
        return json_response({"arrival": recorded, "current": self.state.current()})

    # ------------------------------------------------------------------ metrics
    async def metrics(self, req: Request) -> Response:
        status = await self.status()
        text = render_metrics(status, self.state, self.feed)
        return Response(200, text.encode(), "text/plain; version=0.0.4; charset=utf-8")


def _decision_body(body: Any) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise booth_error(400, "booth.bad_request", "body must be a JSON object")
    unknown = sorted(set(body) - {"action", "note"})
    if unknown:
        raise booth_error(400, "booth.bad_request", f"unknown field(s): {', '.join(unknown)}")
    action = body.get("action")
    if action not in ACTIONS:
        raise booth_error(400, "booth.bad_action", "action must be one of: " + ", ".join(ACTIONS))
    note = body.get("note") or ""
    if not isinstance(note, str):
        raise booth_error(400, "booth.bad_request", "note must be text")
    if len(note) > MAX_NOTE:
        raise booth_error(400, "booth.note_too_long", f"note longer than {MAX_NOTE} characters")
    return str(action), note.strip()


def _occupants_body(body: Any) -> int:
    if not isinstance(body, dict):
        raise booth_error(400, "booth.bad_request", "body must be a JSON object")
    unknown = sorted(set(body) - {"count"})
    if unknown:
        raise booth_error(400, "booth.bad_request", f"unknown field(s): {', '.join(unknown)}")
    count = body.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_OCCUPANTS:
        raise booth_error(400, "booth.bad_occupants",
                          f"count must be a whole number from 0 to {MAX_OCCUPANTS}")
    return count


def _empty_body(body: Any) -> None:
    if not isinstance(body, dict):
        raise booth_error(400, "booth.bad_request", "body must be a JSON object")
    if body:
        raise booth_error(400, "booth.bad_request", f"unknown field(s): {', '.join(sorted(body))}")


def _file(path: Path) -> Response:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise booth_error(404, "booth.not_found", "no such file") from err
    return Response(200, data, TYPES.get(path.suffix, "application/octet-stream"))


__all__ = ["BoothApi", "BoothError"]
