"""Double POSTs on staff actions: one shared submission key makes every state-changing form act once."""
from __future__ import annotations

import re

import pytest

from oxtom.cases.models import Case, CaseEvent
from oxtom.core.models import SubmittedForm
from oxtom.core.submissions import ALREADY_DONE, purge_old_submissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_case):
    return make_case()


def key_on(html: str) -> str:
    match = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert match, "the form carries no submission key"
    return match.group(1)


def form_key(client, url: str) -> str:
    return key_on(client.get(url).content.decode())


@pytest.mark.parametrize("action, kind, data", [
    ("note", CaseEvent.Kind.NOTE, {"text": "Contractor phoned"}),
    ("update", CaseEvent.Kind.PUBLIC_UPDATE, {"text": "A gang is booked for Tuesday"}),
])
def test_three_identical_posts_make_one_note_or_update(client_for, case, officer_in_team, action, kind, data):
    client = client_for(officer_in_team)
    url = f"/staff/cases/{case.reference}/{action}/"
    body = {"version": Case.objects.get(pk=case.pk).version, "submission_key": form_key(client, url), **data}
    responses = [client.post(url, body) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert {r["Location"] for r in responses} == {f"/staff/cases/{case.reference}/"}
    assert CaseEvent.objects.filter(case=case, kind=kind).count() == 1
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert ALREADY_DONE in page


def test_the_note_form_on_the_case_page_carries_a_key(client_for, case, officer_in_team):
    client = client_for(officer_in_team)
    first = form_key(client, f"/staff/cases/{case.reference}/")
    assert first != form_key(client, f"/staff/cases/{case.reference}/")  # a new key for each page shown


def test_a_form_sent_back_with_errors_can_be_corrected_and_sent(client_for, case, officer_in_team):
    client = client_for(officer_in_team)
    url = f"/staff/cases/{case.reference}/note/"
    key = form_key(client, url)
    version = Case.objects.get(pk=case.pk).version
    bad = client.post(url, {"version": version, "submission_key": key, "text": ""})
    assert bad.status_code == 200 and "Enter a note" in bad.content.decode()
    assert key_on(bad.content.decode()) == key  # the same form, the same key
    good = client.post(url, {"version": version, "submission_key": key, "text": "Now with words"})
    assert good.status_code == 302
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 1
    assert SubmittedForm.objects.count() == 1


def test_one_persons_key_never_blocks_anothers(client_for, case, officer_in_team, other_officer_in_team):
    url = f"/staff/cases/{case.reference}/note/"
    key = form_key(client_for(officer_in_team), url)
    for user in (officer_in_team, other_officer_in_team):
        client = client_for(user)
        assert client.post(url, {"version": Case.objects.get(pk=case.pk).version, "submission_key": key,
                                 "text": f"By {user.email}"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 2


@pytest.mark.parametrize("key", ["short", "x" * 65, "<script>alert(1)</script>padpadpad", ""])
def test_malformed_keys_are_ignored_not_trusted(client_for, case, officer_in_team, key):
    client = client_for(officer_in_team)
    url = f"/staff/cases/{case.reference}/note/"
    for _ in range(2):
        assert client.post(url, {"version": Case.objects.get(pk=case.pk).version, "submission_key": key,
                                 "text": "Twice"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 2
    assert SubmittedForm.objects.count() == 0


def test_old_keys_are_purged(client_for, case, officer_in_team):
    import datetime as dt

    from django.utils import timezone

    client = client_for(officer_in_team)
    url = f"/staff/cases/{case.reference}/note/"
    client.post(url, {"version": Case.objects.get(pk=case.pk).version, "submission_key": form_key(client, url),
                      "text": "Old"})
    assert purge_old_submissions() == 0
    assert purge_old_submissions(now=timezone.now() + dt.timedelta(days=4)) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_twins_make_one_note(make_case, officer_in_team):
    """Two identical POSTs at the same moment (a double click through a proxy): the unique key settles it."""
    import threading

    from django.db import connection
    from django.test import Client

    from tests.conftest import require

    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "simultaneous requests need PostgreSQL (set DATABASE_URL)")
    case = make_case()
    url = f"/staff/cases/{case.reference}/note/"
    clients = [Client() for _ in range(4)]
    for c in clients:
        c.force_login(officer_in_team)
    key = form_key(clients[0], url)
    body = {"version": Case.objects.get(pk=case.pk).version, "submission_key": key, "text": "Once"}
    barrier = threading.Barrier(len(clients))
    codes = []

    def send(c):
        try:
            barrier.wait()
            codes.append(c.post(url, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [302] * len(clients)
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTE).count() == 1
