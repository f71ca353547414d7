"""Monotonic counters per component, shown by `lanectl status` and exported as metrics."""

from __future__ import annotations

from collections import Counter


class Counters:
    """A small named-counter bag; cheap enough for per-byte paths (a dict increment)."""

    __slots__ = ("_c",)

    def __init__(self) -> None:
        self._c: Counter[str] = Counter()

    def inc(self, name: str, n: int = 1) -> None:
        self._c[name] += n

    def get(self, name: str) -> int:
        return self._c.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        return dict(self._c)
