"""Typed errors with stable codes.

Every failure that a person may see (technician at the CLI, officer at the booth, auditor in
the log) is a `LaneEdgeError` with a dotted, stable `code`. Only the CLI and the booth page turn
codes into words; code paths raise and translate (`raise X(...) from err`) at layer boundaries.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LaneEdgeError(Exception):
    """Root of every error lane-edge raises on purpose.

    `code` is stable (tests, audit log and translations key on it); `fields` carries structured
    context (never personal data) for logs and JSON output.
    """

    code: ClassVar[str] = "lane_edge.error"

    def __init__(self, message: str, *, code: str | None = None, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.fields: dict[str, Any] = fields

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ConfigError(LaneEdgeError):
    """A configuration value is missing, unknown or of the wrong type."""

    code = "config.invalid"


class DeviceError(LaneEdgeError):
    """A device could not be opened, vanished, or answered nonsense."""

    code = "device.error"


class FramingError(DeviceError):
    """Bytes from a device do not form a valid frame of the configured profile."""

    code = "device.framing"


class StoreError(LaneEdgeError):
    """The local SQLite store refused an operation (schema too new, disk full, ...)."""

    code = "store.error"


class ControlError(LaneEdgeError):
    """The daemon's control channel could not be reached or answered an error."""

    code = "control.error"


class DocumentError(LaneEdgeError):
    """An identity document (MRZ) cannot be parsed at all (wrong shape, bad alphabet)."""

    code = "mrz.invalid"


class DecisionError(LaneEdgeError):
    """Reference data, scoring or routing failed; the lane falls back to a safe referral."""

    code = "decision.error"


class SyncError(LaneEdgeError):
    """Uplink or downlink with headquarters failed (broker, envelope, signature, ...)."""

    code = "sync.error"
