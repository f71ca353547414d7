"""Who is at the terminal: loopback needs nothing; off loopback, a bearer token from a file.

The token file holds one terminal per line, `terminal-id:token`, or a bare token (then the id is
`terminal-` and the first 8 hex digits of the token's sha256, so the token itself never reaches
the audit log). Lines starting with `#` are comments. Tokens are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path

from edge.errors import ConfigError

LOOPBACK = ("127.0.0.1", "::1", "localhost")
LOCAL_ACTOR = "local"
COOKIE = "lane_booth_token"


def needs_token(bind: str) -> bool:
    """Only the standard loopback names are trusted without a token (as the config check says)."""
    return bind not in LOOPBACK


def read_tokens(path: str | Path) -> dict[str, str]:
    """token -> terminal id. Raises ConfigError when the file is unreadable or holds no token."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError("booth token file cannot be read", code="booth.token_file",
                          path=str(path)) from err
    tokens: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ident, sep, token = line.partition(":")
        if not sep:
            token = ident
            ident = "terminal-" + hashlib.sha256(token.encode()).hexdigest()[:8]
        if len(token) < 16:
            raise ConfigError("booth token shorter than 16 characters", code="booth.token_short",
                              path=str(path))
        tokens[token] = ident.strip()
    if not tokens:
        raise ConfigError("booth token file holds no token", code="booth.token_file", path=str(path))
    return tokens


def identify(tokens: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The terminal id for a request's bearer token (or token cookie), None when not valid."""
    offered = ""
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        offered = auth[7:].strip()
    else:
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                offered = value
    if not offered:
        return None
    found = None
    for token, ident in tokens.items():
        if hmac.compare_digest(token.encode(), offered.encode()):
            found = ident
    return found


def host_allowed(host_header: str, port: int) -> bool:
    """On loopback, refuse other Host names (a web page's DNS rebinding must not reach the API)."""
    host = host_header.strip().lower()
    names = {"localhost", "127.0.0.1", "[::1]"}
    return host in names or host in {f"{n}:{port}" for n in names}
