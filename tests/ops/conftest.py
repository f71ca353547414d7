"""Fixtures for the operations tests: a daemon with edge.ops wired, personal data, lanectl."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from edge.lanectl.main import main as lanectl_main
from edge.store.schema import migrate, open_db
from edge.store.writer import enqueue_outbox, insert_read

HOOK = Path(__file__).resolve().parent / "hook"

# A synthetic traveller (ICAO 9303 specimen values): none of these may leak.
PERSON = {"surname": "ERIKSSON", "given_names": "ANNA MARIA", "document_number": "L898902C3",
          "birth_date": "1974-08-12", "format": "TD3", "valid": True}
PERSONAL_STRINGS = ("ERIKSSON", "ANNA", "L898902C3", "1974-08-12", "740812")
MRZ_LINES = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
             "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def hook_env() -> dict[str, str]:
    """Environment for a daemon process with the test hook (edge.ops wired)."""
    path = os.pathsep.join(p for p in (str(HOOK), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


def seed_personal(store: Path, n: int = 3, ts: float = 1.0e9, confirmed: bool = True) -> None:
    """Document reads and outbox rows with personal data, as the recorder would have left them."""
    db = open_db(store)
    try:
        migrate(db)
        for i in range(n):
            insert_read(db, ts=ts + i, device="mrz", kind="document", payload=PERSON, personal=True)
            enqueue_outbox(db, kind="crossing", topic="crossing", payload={"documents": [PERSON]},
                           personal=True, now=ts + i)
        if confirmed:
            db.conn.execute("UPDATE outbox SET state = 'confirmed', confirmed_at = ?", (ts + 10,))
        db.conn.execute("INSERT INTO bad_reads(ts, device, code) VALUES (?, 'mrz', 'mrz.format')", (ts,))
    finally:
        db.conn.close()


@pytest.fixture
def lanectl(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run lanectl in-process: (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = lanectl_main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def jrun(lanectl: Callable[..., tuple[int, str, str]], *argv: str) -> tuple[int, Any]:
    code, out, _err = lanectl(*argv)
    return code, json.loads(out)
