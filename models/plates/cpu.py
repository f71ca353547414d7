"""What this CPU can do for the plate models, read off /proc/cpuinfo: the bench names the CPU
and whether it has VNNI (int8 dot products: the 7-bit OCR's speed), the training script
whether it computes bfloat16 itself."""

from __future__ import annotations

from pathlib import Path


def read_cpuinfo() -> str:
    """The text of /proc/cpuinfo; empty where there is none (not Linux)."""
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The CPU's feature flags in `cpuinfo`: x86 lists them as `flags`, Arm as `Features`."""
    return frozenset(
        f
        for line in cpuinfo.splitlines()
        if line.startswith(("flags", "Features"))
        for f in line.partition(":")[2].split()
    )


def cpu_name(cpuinfo: str) -> str:
    """The CPU's model name in `cpuinfo` ("unknown CPU" when it gives none)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown CPU"
