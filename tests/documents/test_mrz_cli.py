"""`lanectl mrz parse`: output shapes and exit codes."""

from __future__ import annotations

import io
import json

from edge.mrz_cli import main

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n"
BAD = TD3.replace("7408122", "7408123")


def run(argv, text):
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(text), stdout=out)
    return code, out.getvalue()


def test_json_lines_all_valid():
    code, out = run(["parse", "--json", "--today", "2010-01-01"], TD3 + "\n\n" + TD1)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["format"] for r in rows] == ["TD3", "TD1"]
    required = {
        "valid", "format", "document_code", "issuing_state", "surname", "given_names",
        "document_number", "nationality", "birth_date", "sex", "expiry_date", "optional_data",
        "checks", "errors", "warnings", "repairs",
    }  # fmt: skip
    assert required <= rows[0].keys()
    assert rows[0]["birth_date"] == "1974-08-12"
    assert rows[0]["expired"] is False
    assert rows[0]["checks"]["composite"] is True


def test_any_invalid_exits_1():
    code, out = run(["parse", "--json", "--today", "2010-01-01"], TD3 + "\n" + BAD)
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["valid"] for r in rows] == [True, False]
    assert "check_digit.birth_date" in {e["code"] for e in rows[1]["errors"]}


def test_unreadable_document_is_reported_not_raised():
    code, out = run(["parse", "--json"], "HELLO\nWORLD\n")
    assert code == 1
    assert json.loads(out)["errors"][0]["code"] == "mrz.shape"


def test_human_output():
    code, out = run(["parse", "--today", "2025-01-01"], TD3)
    assert code == 0
    assert "Document 1: TD3 VALID" in out
    assert "ERIKSSON" in out
    assert "(expired)" in out
    assert "warning document.expired" in out


def test_usage_errors_exit_2():
    assert run(["parse", "--today", "yesterday"], TD3)[0] == 2
    assert run(["frobnicate"], TD3)[0] == 2
    assert run(["--colour"], TD3)[0] == 2
    assert run(["parse"], "\n\n")[0] == 2


def test_help_exits_0(capsys):
    assert run(["parse", "--help"], "")[0] == 0
    assert "--today" in capsys.readouterr().out


def test_through_lanectl_without_options(monkeypatch, capsys):
    from edge.lanectl.main import main as lanectl

    monkeypatch.setattr("sys.stdin", io.StringIO(TD3))
    assert lanectl(["mrz", "parse"]) == 0
    assert "Document 1: TD3 VALID" in capsys.readouterr().out


def test_through_lanectl(monkeypatch, capsys):
    from edge.lanectl.main import main as lanectl

    monkeypatch.setattr("sys.stdin", io.StringIO(TD3 + "\n" + BAD))
    assert lanectl(["mrz", "parse", "--json", "--today", "2010-01-01"]) == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["valid"] for r in rows] == [True, False]


def test_without_the_parse_word_as_lanectl_passes_it():
    code, out = run(["--json", "--today", "2010-01-01"], TD1)
    assert code == 0
    assert json.loads(out)["format"] == "TD1"
