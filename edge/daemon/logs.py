"""Logging set-up: one line per record, plain or JSON, with a safety net against personal data.

Code never logs names, document numbers or birth dates; the redaction filter is the second line
of defence: it masks MRZ-like runs and long digit runs in the final message.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

_MRZ_LIKE = re.compile(r"[A-Z0-9<]{2,}<[A-Z0-9<]{6,}")
_LONG_DIGITS = re.compile(r"\b\d{7,}\b")


def redact(text: str) -> str:
    return _LONG_DIGITS.sub("<redacted>", _MRZ_LIKE.sub("<redacted>", text))


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO", as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactFilter())
    if as_json:
        handler.setFormatter(JsonFormatter())
    else:
        fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        fmt.converter = time.gmtime
        handler.setFormatter(fmt)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(TRACE if level.upper() == "TRACE" else level.upper())
