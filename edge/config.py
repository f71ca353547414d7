"""Configuration: one TOML file, validated once into frozen typed objects.

Every problem is collected (not just the first) as a `ConfigProblem` naming the dotted key and
what was expected, so `lanectl config check` can show a technician all of them at once. Drivers
validate their own `options` table with `parse_options` against their own dataclass.
"""

from __future__ import annotations

import dataclasses
import enum
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from edge.errors import ConfigError

T = TypeVar("T")


def doc(text: str, default: Any = dataclasses.MISSING, **kw: Any) -> Any:
    """A dataclass field with a description (shown by `lanectl config schema` and the docs)."""
    if isinstance(default, list | dict):
        raise TypeError("mutable default")
    return field(default=default, metadata={"doc": text}, **kw)


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    key: str
    message: str
    code: str = "config.invalid"
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.severity}: {self.key}: {self.message} [{self.code}]"


class ConfigInvalid(ConfigError):
    """Raised with every problem found; `problems` lists them."""

    code = "config.invalid"

    def __init__(self, problems: list[ConfigProblem], source: str = "") -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(
            f"{len(errors)} problem(s) in {source or 'configuration'}: "
            + "; ".join(f"{p.key}: {p.message}" for p in errors[:5]),
            problems=[dataclasses.asdict(p) for p in problems],
        )
        self.problems = problems


class LaneKind(enum.StrEnum):
    PASSENGER = "passenger"
    NEXUS = "nexus"
    COMMERCIAL = "commercial"
    FAST = "fast"


@dataclass(frozen=True, slots=True)
class LaneConfig:
    port: str = doc("Port of entry id, e.g. 'CA-0427' (used in MQTT topics)")
    id: str = doc("Lane id at the port, e.g. 'L03'")
    kind: LaneKind = doc("Lane kind: passenger, nexus, commercial or fast")
    mode: str = doc("Initial lane mode shown on signs: open or closed", "open")


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    name: str = doc("Short device name, unique in this lane (shown in status and logs)")
    kind: str = doc("Device kind: line, mrz_scanner, rfid, camera, sign")
    driver: str = doc("Driver for the kind, e.g. serial, llrp, opencv")
    path: str | None = doc("Serial port path (e.g. /dev/serial/by-id/...) or pyserial URL", None)
    url: str | None = doc("Network URL for network devices (llrp://host:5084, rtsp://...)", None)
    baud: int = doc("Serial baud rate", 9600)
    framing: str = doc("Framing profile of the driver (e.g. crlf, stx_etx, desko)", "lf")
    enabled: bool = doc("Start this device (false keeps it configured but idle)", True)
    options: Mapping[str, Any] = field(
        default_factory=dict, metadata={"doc": "Driver-specific options, validated by the driver"}
    )


@dataclass(frozen=True, slots=True)
class StoreConfig:
    path: str = doc("SQLite store file (WAL mode); its folder must be writable")
    busy_timeout_ms: int = doc("How long a reader waits for the writer", 5000)


@dataclass(frozen=True, slots=True)
class ControlConfig:
    socket: str = doc("Unix socket of the control channel used by lanectl", "")


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    level: str = doc("Log level: TRACE, DEBUG, INFO, WARNING, ERROR", "INFO")
    json: bool = doc("One JSON object per line instead of plain text", False)


@dataclass(frozen=True, slots=True)
class TlsConfig:
    ca_file: str | None = doc("CA bundle that signs the broker's certificate", None)
    cert_file: str | None = doc("Client certificate (mTLS)", None)
    key_file: str | None = doc("Client private key (mTLS)", None)


@dataclass(frozen=True, slots=True)
class MqttConfig:
    enabled: bool = doc("Sync with headquarters over MQTT", False)
    host: str = doc("Broker host", "127.0.0.1")
    port: int = doc("Broker port", 1883)
    protocol: Literal["5", "3.1.1"] = doc("MQTT protocol version", "5")
    client_id: str = doc("Client id (default: lane-edge-{port}-{lane})", "")
    username: str | None = doc("Username", None)
    password_file: str | None = doc("File holding the password (never inline)", None)
    keepalive_s: int = doc("MQTT keepalive", 30)
    session_expiry_s: int = doc("MQTT 5 session expiry interval", 3600)
    inflight: int = doc("Max QoS 1 publishes awaiting PUBACK", 256)
    tls: TlsConfig | None = doc("TLS settings; absent means plain TCP", None)
    trusted_keys: Mapping[str, str] = field(
        default_factory=dict, metadata={"doc": "Downlink signing keys: key id -> Ed25519 public key (hex)"}
    )


@dataclass(frozen=True, slots=True)
class BoothConfig:
    bind: str = doc("Address of the booth page and local API", "127.0.0.1")
    port: int = doc("TCP port of the booth page and local API", 8080)
    token_file: str | None = doc("File with the booth terminal token (required off loopback)", None)


@dataclass(frozen=True, slots=True)
class ThresholdsConfig:
    refer_score: float = doc("Score at or above which the lane recommends a referral", 0.5)
    model_timeout_ms: float = doc("A score slower than this counts as model_unavailable", 50.0)
    vehicle_gap_s: float = doc("Silence that ends one vehicle's card sightings", 3.0)
    min_rssi: float = doc("Weakest RSSI (dBm) that counts a card as in this lane", -65.0)
    min_reads: int = doc("Fewest sightings that count a card as in this lane", 2)
    lane_antennas: tuple[int, ...] = doc("Reader antennas over this lane (empty: all)", ())
    arrive_after_s: float = doc("An approaching vehicle moves to the free booth after this long", 5.0)
    plate_before_s: float = doc("A plate read this long before a vehicle's first card joins it", 10.0)
    plate_after_s: float = doc("A plate read this long after a vehicle's last card joins it", 5.0)
    decided_close_s: float = doc("A decided crossing closes after this long", 10.0)
    plate_wait_s: float = doc("A plate no vehicle claims opens a crossing without cards after this",
                              15.0)
    plate_min_confidence: float = doc("Plate reads below this say 'low confidence'", 0.6)


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    personal_hours: float = doc("Keep personal data this long after headquarters confirmed it", 72.0)
    diagnostics_days: float = doc(
        "Keep bad reads, device diagnostics and confirmed outbox rows this long", 14.0)
    interval_minutes: float = doc("How often the daemon applies retention", 10.0)


@dataclass(frozen=True, slots=True)
class ModelConfig:
    risk_model: str | None = doc("Risk model .onnx (default: the shipped one)", None)
    shadow_model: str | None = doc("Optional shadow model scored beside the live one", None)
    plate_model: str | None = doc("Plate OCR model .onnx (default: the shipped one)", None)
    threads: int = doc("onnxruntime intra-op threads", 1)
    refdata_path: str | None = doc("Reference data SQLite (default: beside the store)", None)
    accepted_dir: str | None = doc(
        "Folder of risk models accepted from headquarters; the newest one there replaces "
        "risk_model (default: 'models' beside the store)", None)


@dataclass(frozen=True, slots=True)
class Config:
    lane: LaneConfig = doc("This lane")
    store: StoreConfig = doc("Local store")
    devices: tuple[DeviceConfig, ...] = doc("Devices wired to this lane box", ())
    control: ControlConfig = doc("Control channel", ControlConfig())
    logging: LoggingConfig = doc("Logging", LoggingConfig())
    mqtt: MqttConfig = doc("Sync with headquarters", MqttConfig())
    booth: BoothConfig = doc("Booth page and local API", BoothConfig())
    thresholds: ThresholdsConfig = doc("Decision and correlation thresholds", ThresholdsConfig())
    retention: RetentionConfig = doc("Retention periods", RetentionConfig())
    models: ModelConfig = doc("Models and reference data", ModelConfig())

    @property
    def control_socket(self) -> str:
        return self.control.socket or str(Path(self.store.path).with_suffix(".sock"))

    @property
    def accepted_models_dir(self) -> Path:
        return Path(self.models.accepted_dir or Path(self.store.path).parent / "models")


# --------------------------------------------------------------------------- validation


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(tp) if a is not type(None))
    if origin is tuple:
        return f"array of {_type_name(get_args(tp)[0])}"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if dataclasses.is_dataclass(tp):
        return "table"
    if origin is not None and origin.__name__ == "Mapping":
        return "table"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(tp, str(tp))


def _convert(tp: Any, value: Any, key: str, problems: list[ConfigProblem]) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(args[0], value, key, problems)
    if origin is Literal:
        if value in get_args(tp):
            return value
        problems.append(ConfigProblem(key, f"expected {_type_name(tp)}, got {value!r}", "config.type"))
        return None
    if origin is tuple:
        if not isinstance(value, list):
            problems.append(ConfigProblem(key, f"expected {_type_name(tp)}", "config.type"))
            return ()
        inner = get_args(tp)[0]
        return tuple(_convert(inner, v, f"{key}[{i}]", problems) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            problems.append(ConfigProblem(key, "expected a table", "config.type"))
            return None
        return _parse_table(tp, value, key, problems)
    if origin is not None and getattr(origin, "__name__", "") == "Mapping":
        if not isinstance(value, dict):
            problems.append(ConfigProblem(key, "expected a table", "config.type"))
            return {}
        return types.MappingProxyType(dict(value))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            problems.append(
                ConfigProblem(key, f"expected {_type_name(tp)}, got {value!r}", "config.type")
            )
            return None
    ok = (
        (tp is bool and isinstance(value, bool))
        or (tp is int and isinstance(value, int) and not isinstance(value, bool))
        or (tp is float and isinstance(value, int | float) and not isinstance(value, bool))
        or (tp is str and isinstance(value, str))
    )
    if not ok:
        problems.append(
            ConfigProblem(key, f"expected {_type_name(tp)}, got {type(value).__name__} {value!r}",
                          "config.type")
        )
        return None
    return float(value) if tp is float else value


def _parse_table(cls: type[T], data: Mapping[str, Any], where: str,
                 problems: list[ConfigProblem]) -> T:
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in fields:
            known = ", ".join(sorted(fields))
            problems.append(
                ConfigProblem(_join(where, key), f"unknown key (known here: {known})", "config.unknown_key")
            )
    values: dict[str, Any] = {}
    for name, f in fields.items():
        key = _join(where, name)
        if name in data:
            values[name] = _convert(hints[name], data[name], key, problems)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            problems.append(ConfigProblem(key, f"missing; expected {_type_name(hints[name])}",
                                          "config.missing"))
            values[name] = None
    try:
        return cls(**{k: v for k, v in values.items()})
    except TypeError as err:  # only reachable when problems were already recorded
        raise ConfigInvalid(problems) from err


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def parse_options(cls: type[T], options: Mapping[str, Any], where: str) -> T:
    """Validate a driver's `options` table into its own frozen dataclass (raises ConfigInvalid)."""
    problems: list[ConfigProblem] = []
    result = _parse_table(cls, dict(options), where, problems)
    if problems:
        raise ConfigInvalid(problems, where)
    return result


def check_config(data: Mapping[str, Any], source: str = "") -> tuple[Config | None, list[ConfigProblem]]:
    """Validate a parsed TOML document; returns the config (None when invalid) and all problems."""
    problems: list[ConfigProblem] = []
    cfg = _parse_table(Config, data, "", problems)
    problems += _semantic_checks(cfg)  # also on a half-valid config: show everything at once
    if any(p.severity == "error" for p in problems):
        return None, problems
    return cfg, problems


def _semantic_checks(cfg: Config) -> list[ConfigProblem]:
    from edge.drivers.registry import check_device  # late: drivers depend on config

    problems: list[ConfigProblem] = []
    names: set[str] = set()
    for i, dev in enumerate(cfg.devices or ()):
        key = f"devices[{i}]"
        if dev is None or not all(isinstance(v, str) for v in (dev.name, dev.kind, dev.driver)):
            continue
        if dev.name in names:
            problems.append(ConfigProblem(f"{key}.name", f"duplicate device name {dev.name!r}",
                                          "config.duplicate"))
        names.add(dev.name)
        problems += check_device(dev, key)
    loopback = ("127.0.0.1", "::1", "localhost")
    if cfg.booth is not None and cfg.booth.bind not in loopback and not cfg.booth.token_file:
        problems.append(ConfigProblem("booth.token_file",
                                      "required when booth.bind is not a loopback address",
                                      "config.missing"))
    return problems + _absent_files(cfg) + _inline_passwords(cfg)


def _inline_passwords(cfg: Config) -> list[ConfigProblem]:
    """Warnings for device URLs that carry a password (rtsp://user:pw@cam): secrets belong in
    files (`options.password_file`), not in a config that technicians read and copy around."""
    from urllib.parse import urlsplit

    out = []
    for i, dev in enumerate(cfg.devices or ()):
        try:
            secret = dev.url is not None and bool(urlsplit(dev.url).password)
        except ValueError:  # a malformed URL is the driver's to report
            secret = False
        if secret:
            out.append(ConfigProblem(f"devices[{i}].url", "carries a password: put it in a file named by "
                                     "options.password_file (and the user in options.username)",
                                     "config.inline_secret", "warning"))
    return out


def _absent_files(cfg: Config) -> list[ConfigProblem]:
    """Warnings for the secret and certificate files the config names that do not exist (yet):
    the daemon would start and then fail to connect, long after the installer left."""
    mqtt = getattr(cfg, "mqtt", None)
    tls = getattr(mqtt, "tls", None)
    files: list[tuple[str, object]] = [("booth.token_file", getattr(cfg.booth, "token_file", None))]
    if getattr(mqtt, "enabled", False):
        files.append(("mqtt.password_file", getattr(mqtt, "password_file", None)))
        files += [(f"mqtt.tls.{k}", getattr(tls, k, None)) for k in ("ca_file", "cert_file", "key_file")]
    for i, dev in enumerate(cfg.devices or ()):
        if dev is not None and dev.enabled and isinstance(dev.options, Mapping):
            files += [(f"devices[{i}].options.{k}", v) for k, v in dev.options.items() if k.endswith("_file")]
    return [ConfigProblem(key, f"{path} does not exist (yet): create it before starting the daemon",
                          "config.file_absent", "warning")
            for key, path in files if isinstance(path, str) and path and not Path(path).exists()]


def load_config(path: str | Path) -> Config:
    """Read and validate a TOML file, with headquarters' overlay over it if the lane has one
    (`edge.config_overlay`); raises ConfigInvalid with every problem found."""
    from edge.config_overlay import with_overlay

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"config file not found: {p}", code="config.not_found") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", code="config.toml") from err
    cfg, problems = check_config(data, str(p))
    if cfg is None:
        raise ConfigInvalid(problems, str(p))
    merged, problems = with_overlay(data, cfg)
    if merged is None:
        raise ConfigInvalid(problems, str(p))
    return merged


def read_problems(path: str | Path) -> list[ConfigProblem]:
    """All problems of a config file (and of headquarters' overlay), for `lanectl config check`."""
    from edge.config_overlay import with_overlay

    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as err:
        return [ConfigProblem(str(p), f"cannot read: {err.strerror}", "config.not_found")]
    except tomllib.TOMLDecodeError as err:
        return [ConfigProblem(str(p), f"not valid TOML: {err}", "config.toml")]
    cfg, problems = check_config(data, str(p))
    return problems if cfg is None else problems + with_overlay(data, cfg)[1]


def schema_rows(cls: type[Any] = Config, where: str = "") -> list[tuple[str, str, str]]:
    """(key, type, description) of every setting, for docs and `lanectl config schema`."""
    rows: list[tuple[str, str, str]] = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = _join(where, f.name)
        tp = hints[f.name]
        inner = tp
        if get_origin(tp) in (Union, types.UnionType):
            inner = next(a for a in get_args(tp) if a is not type(None))
        if get_origin(inner) is tuple:
            inner = get_args(inner)[0]
            key += "[]"
        rows.append((key, _type_name(tp), str(f.metadata.get("doc", ""))))
        if dataclasses.is_dataclass(inner):
            rows += schema_rows(inner, key)  # type: ignore[arg-type]
    return rows
