"""Open311 API keys: manage.py open311_key create/revoke, hashing, and the check the API uses."""
from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from oxtom.core.models import AuditEvent
from portal.models import Open311Key
from portal.open311_keys import open311_key_check


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("open311_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_prints_the_key_once_and_stores_only_its_hash(db):
    key, message = run("create", "Confirm Backoffice")
    row = Open311Key.objects.get()
    assert row.name == "confirm-backoffice" and "copy it now" in message
    assert len(key) >= 40 and row.prefix == key[:8]
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash
    assert open311_key_check(key) == row
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert AuditEvent.objects.filter(target_type="portal.open311key", action="create").count() == 1


def test_create_twice_with_one_name_is_refused(db):
    run("create", "fixmystreet")
    with pytest.raises(CommandError, match="already a key called fixmystreet"):
        run("create", "fixmystreet")
    with pytest.raises(CommandError, match="Enter the name"):
        run("create", "<>")
    assert Open311Key.objects.count() == 1


def test_revoke_stops_the_key_at_once(db):
    key, _ = run("create", "fixmystreet")
    _, message = run("revoke", "fixmystreet")
    assert "revoked" in message
    row = Open311Key.objects.get()
    assert not row.is_active and row.revoked_at is not None
    assert open311_key_check(key) is None
    with pytest.raises(CommandError, match="already revoked"):
        run("revoke", "fixmystreet")
    with pytest.raises(CommandError, match="no key called nobody"):
        run("revoke", "nobody")


@pytest.mark.parametrize("presented", [None, "", 123, "x" * 19, "x" * 101, "a" * 43])
def test_check_refuses_anything_else(db, presented):
    run("create", "fixmystreet")
    assert open311_key_check(presented) is None
