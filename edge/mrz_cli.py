"""`lanectl mrz parse [--json] [--today YYYY-MM-DD]`: check MRZ text from standard input.

Documents are separated by a blank line. Human-readable output by default, one JSON object per
document and line with `--json`. Exit 0 when every document is valid, 1 when any is not, 2 on
a usage error. This is the one place where MRZ error codes become words for a technician.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any, TextIO

from edge.documents import MrzDocument, parse_mrz
from edge.errors import DocumentError

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError("expected YYYY-MM-DD") from err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lanectl mrz parse",
        description="Parse and check machine-readable zones (ICAO 9303: passports, ID cards, "
        "visas) read from standard input; separate documents by a blank line.",
        epilog="Exit status: 0 all valid, 1 any invalid, 2 usage error.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per document")
    parser.add_argument(
        "--today",
        type=_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="reference date for centuries and expiry (default: today)",
    )
    return parser


def split_documents(text: str) -> list[list[str]]:
    """Blocks of non-blank lines, in order."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _unreadable(err: DocumentError) -> dict[str, Any]:
    return {
        "valid": False,
        "format": None,
        "errors": [{"code": err.code, "field": "mrz", "message": err.message, **err.fields}],
        "warnings": [],
        "repairs": [],
        "checks": {},
    }


def _human(index: int, doc: MrzDocument) -> str:
    status = "VALID" if doc.valid else "INVALID"
    expiry = doc.expiry_date.iso() + (" (expired)" if doc.expired else "")
    rows = [
        f"Document {index}: {doc.format.value} {status}",
        f"  Surname:        {doc.surname}",
        f"  Given names:    {doc.given_names}",
        f"  Document:       {doc.document_code} {doc.document_number}",
        f"  Issuing state:  {doc.issuing_state}",
        f"  Nationality:    {doc.nationality}",
        f"  Birth date:     {doc.birth_date.iso()}",
        f"  Sex:            {doc.sex}",
        f"  Expiry date:    {expiry}",
        f"  Optional data:  {doc.optional_data}",
    ]
    if doc.optional_data_2 is not None:
        rows.append(f"  Optional data 2: {doc.optional_data_2}")
    checks = ", ".join(
        f"{c.name} {'ok' if c.passed else 'FAIL'}{' (repaired)' if c.repaired else ''}" for c in doc.checks
    )
    rows.append(f"  Checks:         {checks}")
    rows += [f"  error   {i.code}: {i.message}" for i in doc.errors]
    rows += [f"  warning {i.code}: {i.message}" for i in doc.warnings]
    rows += [
        f"  repair  {r.field}: line {r.line} column {r.column} {r.before} -> {r.after}" for r in doc.repairs
    ]
    return "\n".join(rows)


def main(argv: list[str], stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Entry point for `lanectl mrz parse` (argv after those words; a leading `parse` is ok)."""
    if argv[:1] == ["parse"]:
        argv = argv[1:]
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_VALID if exit_.code == 0 else EXIT_USAGE
    today: dt.date = args.today or dt.date.today()
    blocks = split_documents(stdin.read())
    if not blocks:
        sys.stderr.write("lanectl mrz parse: no MRZ text on standard input\n")
        return EXIT_USAGE
    all_valid = True
    for index, block in enumerate(blocks, start=1):
        try:
            doc = parse_mrz(block, today=today)
        except DocumentError as err:
            all_valid = False
            if args.json:
                stdout.write(json.dumps(_unreadable(err)) + "\n")
            else:
                stdout.write(f"Document {index}: UNREADABLE\n  error   {err.code}: {err.message}\n")
            continue
        all_valid = all_valid and doc.valid
        if args.json:
            stdout.write(json.dumps(doc.to_json_dict()) + "\n")
        else:
            stdout.write(_human(index, doc) + "\n")
    return EXIT_VALID if all_valid else EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
