"""Typed camera errors with stable codes (the health record and `lanectl status` show them)."""

from __future__ import annotations

from edge.errors import DeviceError


class CameraError(DeviceError):
    code = "camera.error"


class CameraOpenFailed(CameraError):
    """The source could not be opened (no such device or file, host unreachable, timeout)."""

    code = "camera.open_failed"


class CameraLost(CameraError):
    """An open source stopped delivering frames (unplugged, stream closed, read timeouts)."""

    code = "camera.lost"


class CorruptFrame(CameraError):
    """One frame could not be decoded; counted and skipped, never fatal."""

    code = "camera.corrupt_frame"
