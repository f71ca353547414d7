"""What a link connects to and how: broker, protocol, session, credentials, TLS, backoff.

Built from the lane's `[mqtt]` config (`LinkSettings.from_config`: the password is read from
its file here, never from the config itself), or directly by tests and the simulator.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.config import MqttConfig
from edge.errors import SyncError

MAX_INFLIGHT = 65_000


@dataclass(frozen=True, slots=True)
class TlsSettings:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass(frozen=True, slots=True)
class LinkSettings:
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = ""
    protocol: str = "5"
    keepalive_s: int = 30
    session_expiry_s: int = 3600
    clean_start: bool = False
    username: str | None = None
    password: str | None = None
    tls: TlsSettings | None = None
    inflight: int = 256
    backoff_min_s: float = 0.5
    backoff_max_s: float = 30.0
    connect_timeout_s: float = 10.0
    subscriptions: tuple[str, ...] = ()
    state_topic: str | None = None
    birth: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: MqttConfig, *, client_id: str, subscriptions: tuple[str, ...],
                    state_topic: str, birth: dict[str, Any]) -> LinkSettings:
        password = None
        if cfg.password_file:
            try:
                password = Path(cfg.password_file).read_text(encoding="utf-8").strip()
            except OSError as err:
                raise SyncError("MQTT password file cannot be read", code="sync.password_file",
                                path=cfg.password_file) from err
        tls = None if cfg.tls is None else TlsSettings(cfg.tls.ca_file, cfg.tls.cert_file, cfg.tls.key_file)
        return cls(host=cfg.host, port=cfg.port, client_id=cfg.client_id or client_id,
                   protocol=cfg.protocol, keepalive_s=cfg.keepalive_s,
                   session_expiry_s=cfg.session_expiry_s, username=cfg.username, password=password,
                   tls=tls, inflight=min(max(1, cfg.inflight), MAX_INFLIGHT),
                   subscriptions=subscriptions, state_topic=state_topic, birth=birth)


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    retain: bool = False


def backoff_delay(attempt: int, lo: float, hi: float, rng: random.Random) -> float:
    """Capped exponential backoff with jitter (between half and all of the capped step)."""
    step = min(hi, lo * (2.0 ** min(attempt, 30)))
    return float(step * (0.5 + 0.5 * rng.random()))
