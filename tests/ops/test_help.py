"""Every operations command has --help that says what it does."""

from __future__ import annotations

import pytest

COMMANDS = [["tail"], ["outbox"], ["sync", "now"], ["lane", "open"], ["lane", "close"],
            ["lane", "mode"], ["lane", "show"], ["occupants"], ["arrive"], ["reload"], ["metrics"],
            ["diag", "serial"], ["diag", "camera"], ["diag", "rfid"], ["model", "info"], ["model", "verify"],
            ["data", "info"], ["audit", "export"], ["purge"], ["support-bundle"],
            # delegated to the module of their capability (lanectl.main.DELEGATED)
            ["mrz", "parse"], ["plate", "read"], ["audit", "verify"], ["score"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_help(argv: list[str], lanectl) -> None:
    code, out, _err = lanectl(*argv, "--help")
    assert code == 0 and out.startswith(f"usage: lanectl {' '.join(argv)}")
    assert len(out.splitlines()) >= 3


def test_top_level_help_lists_every_command(lanectl) -> None:
    _code, out, _err = lanectl("--help")
    for argv in COMMANDS:
        assert f"    {argv[0]} " in out or f"    {argv[0]}\n" in out, argv[0]
