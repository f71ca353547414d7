"""`edge.models.plates.cpu`: the CPU's name and flags, read off /proc/cpuinfo's text."""

from __future__ import annotations

from edge.models.plates.cpu import cpu_flags, cpu_name

X86 = (
    "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n\n"
    "processor\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n"
)
ARM = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\nCPU implementer\t: 0x41\n"


def test_flags_of_x86_and_arm() -> None:
    assert cpu_flags(X86) == {"fpu", "sse2", "avx2", "avx512f", "avx512_vnni"}
    assert cpu_flags(ARM) == {"fp", "asimd", "sve", "bf16", "i8mm"}
    assert cpu_flags("") == frozenset()


def test_name_or_unknown() -> None:
    assert cpu_name(X86) == "AMD EPYC"
    assert cpu_name(ARM) == "unknown CPU"
