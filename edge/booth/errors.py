"""The booth API's errors: each a stable code the page translates (see static/i18n.js)."""

from __future__ import annotations

from edge.errors import LaneEdgeError


class BoothError(LaneEdgeError):
    """An API request that cannot be served; `status` is the HTTP status it answers with."""

    code = "booth.error"
    status = 500


def booth_error(status: int, code: str, message: str) -> BoothError:
    err = BoothError(message, code=code)
    err.status = status
    return err


# Every code the booth API answers with, with its HTTP status. The page shows the translated text
# of the code; tests/booth/test_i18n.py fails on a code here without an English and French text.
ERROR_CODES: dict[str, int] = {
    "booth.bad_json": 400,
    "booth.bad_request": 400,
    "booth.bad_action": 400,
    "booth.note_too_long": 400,
    "booth.bad_occupants": 400,
    "booth.body_too_large": 413,
    "booth.unauthorized": 401,
    "booth.forbidden_host": 403,
    "booth.not_found": 404,
    "booth.crossing_unknown": 404,
    "booth.method_not_allowed": 405,
    "booth.already_decided": 409,
    "booth.crossing_closed": 409,
    "booth.not_approaching": 409,
    "booth.unsupported_media_type": 415,
    "booth.record_failed": 503,
    "booth.occupants_unavailable": 503,
    "booth.arrive_unavailable": 503,
    "booth.error": 500,
}
