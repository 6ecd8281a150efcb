"""Logging filters."""
from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """A refused request (4xx: forbidden, not found) is logged as one line, without a traceback.

    Why: every 403 and 404 raised as an exception was logged with its full
    traceback (1,406 in one probe run), burying the real errors. 5xx keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= int(getattr(record, "status_code", 0) or 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
