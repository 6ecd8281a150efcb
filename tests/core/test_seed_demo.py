"""seed_demo and demo_signins: every role can sign in, data lands in the right divisions, reruns add nothing."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership, User
from oxtom.accounts.roles import ALL_ROLES
from oxtom.core.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SIGN_INS
from oxtom.customers.models import Customer
from oxtom.places.models import BoundarySet, Division, PostcodeCentroid
from oxtom.places.selectors import clear_geometry_cache, division_for_address, division_for_point


def _seed(*args) -> str:
    out = StringIO()
    # Demo activity (a year of street reports) has its own test below; the rest don't need it.
    if "--reports" not in args:
        args = (*args, "--reports", "0")
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    clear_geometry_cache()
    return _seed()


def _counts():
    return {
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "customers": Customer.objects.count(),
        "teams": Team.objects.count(),
        "memberships": TeamMembership.objects.count(),
        "divisions": Division.objects.count(),
        "sets": BoundarySet.objects.count(),
        "postcodes": PostcodeCentroid.objects.count(),
    }


def test_there_is_one_demo_sign_in_for_every_role_and_each_can_sign_in(seeded):
    assert {s.role for s in DEMO_SIGN_INS} == {r.code for r in ALL_ROLES}
    for sign_in in DEMO_SIGN_INS:
        user = User.objects.get(email=sign_in.email)
        assert user.roles == [sign_in.role]
        assert EmailAddress.objects.filter(user=user, email=sign_in.email, verified=True, primary=True).exists()
        assert authenticate(email=sign_in.email, password=DEMO_PASSWORD) == user
        assert authenticate(email=sign_in.email, password="wrong password") is None


def test_the_resident_demo_sign_in_works_through_the_sign_in_form(seeded, client):
    response = client.post("/accounts/login/", {"login": f"resident@demo.oxtom.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="resident@demo.oxtom.example").pk


def test_staff_are_in_their_teams_and_the_councillor_has_a_division(seeded):
    # seed_demo's eight teams, plus Environmental Enforcement (the report-it catalogue) and
    # Member Services (the members' enquiry service), each seeded by its own migration.
    from oxtom.core.management.commands.seed_demo import TEAMS

    demo_slugs = {slug for _, slug, _ in TEAMS}
    assert demo_slugs <= set(Team.objects.values_list("slug", flat=True))
    assert set(Team.objects.exclude(slug__in=demo_slugs).values_list("slug", flat=True)) == {
        "environmental-enforcement", "member-services"}
    leader = User.objects.get(email="team.leader@demo.oxtom.example")
    assert TeamMembership.objects.get(user=leader).is_leader
    assert TeamMembership.objects.get(user__email="officer@demo.oxtom.example").team.slug == "highways-north"
    assert TeamMembership.objects.get(user__email="adviser@demo.oxtom.example").team.slug == "contact-centre"
    councillor = User.objects.get(email="councillor@demo.oxtom.example")
    assert councillor.member_division.slug == "banbury-calthorpe"


def test_places_are_loaded_with_demo_geometry_and_a_current_set(seeded):
    bs = BoundarySet.objects.get(is_current=True)
    assert bs.geometry_is_demo
    assert bs.divisions.count() == 69
    assert not bs.divisions.filter(geometry__isnull=True).exists()
    assert PostcodeCentroid.objects.exists()


def test_every_division_has_exactly_one_fictional_councillor(seeded):
    councillors = User.objects.exclude(member_division=None)
    assert councillors.count() == 69
    assert councillors.values("member_division").distinct().count() == 69
    assert all("councillor" in u.roles for u in councillors)
    assert all(u.full_name.startswith("Cllr ") for u in councillors)


def test_residents_are_spread_over_the_divisions_that_contain_their_homes(seeded):
    residents = Customer.objects.exclude(latitude=None)
    assert 275 <= residents.count() <= 300  # the dozen with accounts are located by postcode (below)
    assert residents.values("division").distinct().count() >= 50
    for customer in residents:
        assert customer.division_id == division_for_point(customer.latitude, customer.longitude).pk
        assert re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", customer.postcode)
        assert customer.phone.startswith(("+447700900", "+441632960"))  # Ofcom drama ranges only
    # Residents with accounts gave a postcode: their division is the public finder's answer for it.
    with_accounts = Customer.objects.exclude(user=None).exclude(postcode="")
    assert with_accounts.count() == 12
    for customer in with_accounts:
        assert customer.latitude is None
        assert customer.division == division_for_address(postcode=customer.postcode)


def test_a_second_run_creates_nothing_and_is_quick(seeded, django_assert_max_num_queries):
    before = _counts()
    with django_assert_max_num_queries(25):
        out = _seed()
    assert "already present" in out
    assert _counts() == before


def test_a_small_scale_run_tops_customers_up_to_the_number_asked_for(seeded):
    out = _seed("--customers", "2000", "--batch-size", "700")
    assert re.search(r"Inserted 1,\d{3} customers in [\d.]+s: [\d,]+ rows/s", out)
    assert Customer.objects.count() == 2000
    generated = Customer.objects.filter(email__regex=r"@example\.(com|org)$")
    assert generated.count() == 2000 - 301
    assert not generated.filter(division=None).exists()
    assert generated.values("email").distinct().count() == generated.count()
    assert generated.values("reference").distinct().count() == generated.count()
    assert generated.values("division").distinct().count() >= 60
    assert "nothing to add" in _seed("--customers", "2000")
    assert Customer.objects.count() == 2000


@pytest.mark.parametrize("args, message", [(["--customers", "-1"], "0 or more"), (["--batch-size", "0"], "1 or more"),
                                           (["--reports", "-1"], "0 or more"),
                                           (["--scale", "planet"], "invalid choice")])
def test_bad_options_are_refused(db, args, message):
    with pytest.raises(CommandError, match=message):
        _seed(*args)


@override_settings(DEBUG=False, TESTING=False)
def test_it_refuses_to_create_published_passwords_outside_the_demo(db):
    with pytest.raises(CommandError, match="published password"):
        _seed()
    assert not User.objects.exists()
    assert "Demo data created" in _seed("--allow-demo-passwords")


def test_demo_signins_prints_the_url_and_a_sign_in_per_role(seeded):
    out = StringIO()
    call_command("demo_signins", "--url", "http://127.0.0.1:8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text and DEMO_PASSWORD in text
    for sign_in in DEMO_SIGN_INS:
        assert sign_in.email in text


def test_demo_signins_before_seeding_says_what_to_run(db):
    out = StringIO()
    call_command("demo_signins", stdout=out)
    assert "run `manage.py seed_demo`" in out.getvalue()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "ftp://example.org/"])
def test_demo_signins_refuses_a_url_that_is_not_http(db, url):
    with pytest.raises(CommandError, match="not an http"):
        call_command("demo_signins", "--url", url)


def test_demo_activity_is_real_reports_in_every_state_dated_over_the_year_and_sends_nothing(seeded, monkeypatch):
    from casework.models import Case, Status
    from oxtom.notify.models import OutboundMessage
    from performance.models import Value
    from portal.models import StreetReport

    from oxtom.notify import tasks as notify_tasks

    published = []
    monkeypatch.setattr(notify_tasks, "enqueue_dispatch", lambda message_id: published.append(message_id) or True)
    out = _seed("--reports", "24")
    assert "24 street reports" in out
    # Nor is the broker filled with a dispatch task per historical message (ahead of the heartbeat).
    assert published == []
    reports = StreetReport.objects.select_related("case")
    assert reports.count() == 24
    statuses = {r.case.status for r in reports}
    assert Status.CLOSED in statuses and statuses - {Status.CLOSED}  # some closed, some still being worked
    assert all(r.division_id for r in reports)
    ages = [(timezone.now() - r.reported_at).days for r in reports]
    assert max(ages) > 200 and min(ages) <= 20
    assert all(r.closed_at and r.closed_at >= r.reported_at for r in reports if r.case.status == Status.CLOSED)
    # History, not news: the residents are not told about it now.
    assert OutboundMessage.objects.exists()
    assert not OutboundMessage.objects.exclude(status=OutboundMessage.Status.SENT).exists()
    assert Value.objects.exists()  # the division pages have figures straight away
    from performance.models import Target

    assert Target.objects.filter(measure__code="street-reports-fixed-on-time-percent").count() == 13
    assert "24 street reports" not in _seed("--reports", "24")  # a rerun adds nothing
    assert Case.objects.filter(submission_key__startswith="demo-activity-").count() == 24
