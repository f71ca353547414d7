"""The OpenAPI description and the server agree: every documented path answers, every route is
documented."""

from __future__ import annotations

import json
import re

from edge.booth.api import OPENAPI
from tests.booth.conftest import Booth, http, snapshot

METHODS = {"get", "post", "put", "patch", "delete"}


def documented() -> set[tuple[str, str]]:
    spec = json.loads(OPENAPI.read_text())
    assert spec["openapi"].startswith("3.")
    return {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops if m in METHODS}


async def test_every_route_documented_and_every_documented_path_answers(booth: Booth) -> None:
    served = {(r.method, r.template) for r in booth.server.routes}
    assert served == documented()
    assert booth.server.state is not None
    booth.server.state.on_crossing(snapshot("C1"))
    examples = {"{id}": "C1", "{name}": "booth.css"}
    for method, template in sorted(documented()):
        path = re.sub(r"\{\w+\}", lambda m: examples[m.group(0)], template)
        if path == "/api/v1/events":
            continue  # a stream: covered by test_live
        body = {"action": "refer"} if method == "POST" and "decision" in path else None
        if method == "POST" and "occupants" in path:
            body = {"count": 2}
        if method == "POST" and path.endswith("/arrive"):
            body = {}
        if path == "/login":
            r = await http(booth.port, method, path, "token=x",
                           {"Content-Type": "application/x-www-form-urlencoded"})
        else:
            r = await http(booth.port, method, path, body)
        spec = json.loads(OPENAPI.read_text())
        documented_codes = set(spec["paths"][template][method.lower()]["responses"])
        assert str(r.status) in documented_codes, (method, path, r.status)
        assert r.status not in (404, 405) or path == "/login", (method, path)


async def test_openapi_is_served(booth: Booth) -> None:
    r = await http(booth.port, "GET", "/openapi.json")
    assert r.status == 200
    assert r.json()["info"]["title"] == "lane-edge booth API"
