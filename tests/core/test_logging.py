"""A refused request is logged as one line; a server error keeps its traceback."""
from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_403_is_one_line_without_a_traceback(client_for, resident_a, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(resident_a).get("/staff/")
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None for r in records)
    assert "Traceback" not in caplog.text


def test_the_filter_leaves_server_errors_alone():
    from oxtom.core.logging import OneLineClientErrors

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (),
                                   sys.exc_info())
    record.status_code = 500
    assert OneLineClientErrors().filter(record) and record.exc_info is not None
