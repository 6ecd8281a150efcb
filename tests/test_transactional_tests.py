"""Every transactional test puts the seeded rows back (serialized_rollback).

Why: a transactional test's flush without it re-creates content types with new
ids, and the next test that restores the serialized rows then fails on a
duplicate (app_label, model). It bit once the double-submit and sign-up race
tests landed in the same worker as the household-limit race test.
"""
from __future__ import annotations

import re
from pathlib import Path

MARK = re.compile(r"django_db\(([^)]*)\)")


def test_every_transactional_test_uses_serialized_rollback():
    offenders = []
    for path in Path(__file__).parent.rglob("*.py"):
        for args in MARK.findall(path.read_text()):
            if "transaction=True" in args and "serialized_rollback=True" not in args:
                offenders.append(path.name)
    assert offenders == []
