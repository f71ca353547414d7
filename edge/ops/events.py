"""Events the operations layer publishes on the bus, so other components can react."""

from __future__ import annotations

from dataclasses import dataclass

from edge.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class LaneModeChanged(Event):
    """A technician or headquarters opened, closed or re-kinded the lane (signs, lane logic)."""

    mode: str  # open | closed
    kind: str  # passenger | nexus | commercial | fast
    actor: str = "lanectl"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigReloaded(Event):
    """The daemon applied a new configuration without a restart; `changed` lists dotted keys."""

    changed: tuple[str, ...]
