"""seed_demo and demo_signins: every role can sign in, data lands in the right divisions, reruns add nothing."""
from __future__ import annotations

import datetime as dt
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
from oxtom.core.management.commands.seed_demo import ALL_DEMO_SIGN_INS, DEMO_PASSWORD, DEMO_SIGN_INS
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
    # seed_demo's eight teams, plus the teams each capability's own migration seeds: Environmental Enforcement
    # (the report-it catalogue), Member Services (members' enquiries), business admin's directorate teams and
    # Property Services, Corporate Complaints, Information Governance (FOI), Recruitment, the ICT service
    # desk and Finance (people's onboarding).
    from oxtom.core.management.commands.seed_demo import TEAMS

    demo_slugs = {slug for _, slug, _ in TEAMS}
    assert demo_slugs <= set(Team.objects.values_list("slug", flat=True))
    assert set(Team.objects.exclude(slug__in=demo_slugs).values_list("slug", flat=True)) == {
        "environmental-enforcement", "member-services", "bas-environment", "bas-people", "property",
        "corporate-complaints", "information-governance", "recruitment", "ict-service-desk", "finance", "mash"}
    # The team leader leads every team but those led by their own sign-in (MASH: Lee, its safeguarding manager).
    from oxtom.core.management.commands.seed_demo import OWN_LEADERS

    leader = User.objects.get(email="team.leader@demo.oxtom.example")
    led = TeamMembership.objects.filter(user=leader, is_leader=True).count()
    assert led == Team.objects.count() - len(OWN_LEADERS)
    assert not TeamMembership.objects.filter(user=leader, team__slug__in=OWN_LEADERS).exists()
    lee = TeamMembership.objects.get(team__slug="mash", is_leader=True)
    assert lee.user.roles == ["safeguarding_manager"]
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
    # A few queries per step: places, teams, sign-ins and memberships, councillors, residents, then each
    # app's registered step (22 of them, 69 queries together on 3 December 2026; the costliest, community's and
    # the project office's at 11 and FOI's at 8, ask whether each of their parts is there). Constant in data.
    with django_assert_max_num_queries(100):
        out = _seed()
    assert "already present" in out
    assert _counts() == before


def test_a_small_scale_run_tops_customers_up_to_the_number_asked_for(seeded):
    before = Customer.objects.count()  # the demo's residents, suppliers and the records its journeys made
    out = _seed("--customers", "2000", "--batch-size", "700")
    assert re.search(r"Inserted 1,\d{3} customers in [\d.]+s: [\d,]+ rows/s", out)
    assert Customer.objects.count() == 2000
    generated = Customer.objects.filter(email__regex=r"@example\.(com|org)$")
    assert generated.count() == 2000 - before
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


def test_every_address_demo_signins_prints_can_sign_in(seeded):
    """Tools (and people) take every address in the list for a sign-in: each must be an account with the
    demo password (the walkthrough tried an FOI requester with no account, named by address)."""
    import re

    out = StringIO()
    call_command("demo_signins", "--url", "http://127.0.0.1:8123", stdout=out)
    printed = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", out.getvalue()))
    users = {u.email: u for u in User.objects.filter(email__in=printed)}
    assert printed and set(users) == printed
    assert all(u.is_active and u.check_password(DEMO_PASSWORD) for u in users.values())


def test_demo_signins_before_seeding_says_what_to_run(db):
    out = StringIO()
    call_command("demo_signins", stdout=out)
    assert "run `manage.py seed_demo`" in out.getvalue()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "ftp://example.org/"])
def test_demo_signins_refuses_a_url_that_is_not_http(db, url):
    with pytest.raises(CommandError, match="not an http"):
        call_command("demo_signins", "--url", url)


def test_demo_activity_is_real_reports_in_every_state_dated_over_the_year_and_sends_nothing(seeded, monkeypatch):
    from oxtom.cases.models import Case, Status
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
    # The 24 asked for, worked through the services; the demo's Open311 client files one more of its own.
    reports = StreetReport.objects.select_related("case").exclude(case__created_by__open311_key__isnull=False)
    assert reports.count() == 24
    statuses = {r.case.status for r in reports}
    assert Status.CLOSED in statuses and statuses - {Status.CLOSED}  # some closed, some still being worked
    assert all(r.division_id for r in reports)
    ages = [(timezone.now() - r.reported_at).days for r in reports]
    assert max(ages) > 200 and min(ages) <= 20
    assert all(r.closed_at and r.closed_at >= r.reported_at for r in reports if r.case.status == Status.CLOSED)
    # History, not news: the residents are not told about it now.
    assert OutboundMessage.objects.exists()
    # Nothing about those reports waits to go to their residents. What does wait is news: the renewal invitation
    # (a text to reply YES to on /notify/dev/) and the other apps' demo journeys (staff alerts, the Open311 report).
    pending = OutboundMessage.objects.exclude(status=OutboundMessage.Status.SENT)
    assert "renewal-invite" in set(pending.values_list("template_code", flat=True))
    about_reports = {f"case:{r.case_id}:" for r in reports}
    assert not [k for k in pending.values_list("idempotency_key", flat=True) if k.startswith(tuple(about_reports))]
    assert Value.objects.exists()  # the division pages have figures straight away
    from performance.models import Target

    from performance.models import Period

    # One a month for the 13 months, except the closed months, which keep what they were reported against.
    closed = Period.objects.filter(status="closed").count()
    assert Target.objects.filter(measure__code="street-reports-fixed-on-time-percent").count() == 13 - closed
    assert "24 street reports" not in _seed("--reports", "24")  # a rerun adds nothing
    assert Case.objects.filter(submission_key__startswith="demo-activity-").count() == 24


# --- every role has work (issue 10) ------------------------------------------------------------------

def test_every_team_has_an_officer_and_a_leader_among_the_printed_sign_ins(seeded):
    from oxtom.accounts.permissions import Permission

    out = StringIO()
    call_command("demo_signins", "--url", "http://127.0.0.1:8123/", stdout=out)
    printed = out.getvalue()
    demo_emails = {s.email for s in ALL_DEMO_SIGN_INS}
    for team in Team.objects.all():
        members = [m for m in team.memberships.select_related("user") if m.user.email in demo_emails]
        workers = [m.user for m in members if not m.is_leader and m.user.is_active]
        leaders = [m.user for m in members if m.is_leader and m.user.has_permission(Permission.TEAM_MANAGE)]
        assert workers and leaders, team.slug
        if team.services.exists():  # a team with a queue has an officer who can work its cases (a role held in it counts)
            assert any(u.has_team_permission(Permission.CASE_WORK, team.pk) for u in workers), team.slug
        line = next(line for line in printed.splitlines() if line.strip().startswith(team.name) and "leader:" in line)
        assert all(u.email in line for u in workers + leaders), line
    for sign_in in ALL_DEMO_SIGN_INS:
        assert sign_in.email in printed


def test_there_is_a_second_analyst_for_two_person_approval(seeded):
    analysts = [s for s in ALL_DEMO_SIGN_INS if s.role == "performance_analyst"]
    assert len(analysts) == 2
    assert all(authenticate(email=s.email, password=DEMO_PASSWORD) for s in analysts)


def test_a_rerun_on_an_older_demo_adds_the_missing_team_members(seeded):
    TeamMembership.objects.filter(team__slug="blue-badge-concessions").delete()
    assert "team memberships" in _seed()
    assert TeamMembership.objects.filter(team__slug="blue-badge-concessions", is_leader=True).exists()
    assert TeamMembership.objects.filter(team__slug="blue-badge-concessions", is_leader=False).exists()


def test_each_team_officer_opens_their_queue_and_their_applications(seeded, client):
    for sign_in in ALL_DEMO_SIGN_INS:
        if sign_in.role != "officer":
            continue
        client.force_login(User.objects.get(email=sign_in.email))
        assert client.get(f"/staff/queues/{sign_in.team}/").status_code == 200, sign_in.email
        assert client.get("/staff/applications/").status_code == 200, sign_in.email


def test_the_demo_resident_lives_in_a_permit_zone_in_the_county(seeded):
    from applications import rules
    from applications.models import ApplicationService

    resident = Customer.objects.get(user__email="resident@demo.oxtom.example")
    assert resident.division is not None  # in the county: a bus pass and a blue badge need that
    # The record's division is the one the public finder gives for the same address.
    assert resident.division_id == division_for_address(
        postcode=resident.postcode, latitude=resident.latitude, longitude=resident.longitude).pk
    permit = ApplicationService.objects.get(code="parking-permit")
    address = {"postcode": resident.postcode, "address_line_1": resident.address_line_1}
    assert rules.find_zone(permit.config, address) is not None
    assert not rules.excluded_property(permit.config, address)


def test_the_demo_gives_every_role_work(seeded):
    """A referred badge for the badge officer, a councillor's enquiry for member services, a renewal text."""
    from applications.models import Application
    from oxtom.cases.models import Case
    from applications.renewals.models import RenewalInvitation
    from oxtom.notify.models import OutboundMessage

    referred = Application.objects.get(submission_key__startswith="demo-", status=Application.Status.REFERRED)
    officer = User.objects.get(email="officer.blue-badge@demo.oxtom.example")
    from applications.services import can_decide

    assert can_decide(officer, referred)
    assert Case.objects.filter(team__slug="member-services").exclude(status="closed").exists()
    invitation = RenewalInvitation.objects.get()
    assert invitation.invited_by_channel == "sms"
    text = OutboundMessage.objects.get(channel="sms", template_code="renewal-invite")
    assert text.status == OutboundMessage.Status.PENDING  # left for the worker to deliver to /notify/dev/
    assert "renewal invitations" not in _seed()  # once
    # A paid permit the rules issued with no case, for the parking officer to revoke from its application's page.
    from applications.ending import can_revoke
    from applications.models import Entitlement
    from applications.refunds import refund_if_ended_today
    from applications.selectors import get_application_for_officer

    revocable = Entitlement.objects.get(application__submission_key__startswith="demo-revoke-",
                                        application__case__isnull=True, status=Entitlement.Status.ACTIVE)
    parking = User.objects.get(email="officer.parking@demo.oxtom.example")
    assert can_revoke(parking, revocable) and refund_if_ended_today(revocable) > 0
    assert get_application_for_officer(parking, revocable.application.reference) == revocable.application
    assert not RenewalInvitation.objects.filter(entitlement=revocable).exists()


def test_the_demo_queues_have_cases_overdue_and_due_soon_and_figures_to_show(seeded):
    from oxtom.cases import selectors
    from performance.models import Measure, Value

    _seed("--reports", "60")
    # Benefits realised: once there are figures, one approved project tracks two benefits against measures'
    # county figures, one on track and one off (the first run, with no activity, had none to track against).
    from strategy.models import Project
    from strategy.selectors import benefit_rows, portfolio_benefits

    tracked = Project.objects.get(title="Customer contact online", status="approved")
    rows = benefit_rows(list(tracked.benefits.select_related("measure").prefetch_related("realisations")))
    assert sorted(r.status for r in rows if r.benefit.measure_id) == ["off-track", "on-track"]
    assert portfolio_benefits()[0].status == "off-track"
    team = Team.objects.get(slug="highways-north")
    counts = selectors.queue_page(user=None, team=team, filters=selectors.QueueFilters()).counts
    assert counts["overdue"] and counts["due_soon"] and counts["on_track"]
    # The figures were computed after the activity and agree with the queues on what is overdue now.
    this_month = timezone.localdate().replace(day=1)
    overdue = Value.objects.get(measure=Measure.objects.get(code="cases-overdue"), period__start=this_month,
                                division=None).value
    from oxtom.cases.models import Case

    open_cases = Case.objects.exclude(status="closed")
    assert overdue == sum(selectors.queue_page(user=None, team=t, filters=selectors.QueueFilters()).counts["overdue"]
                          for t in Team.objects.filter(pk__in=open_cases.values("team_id")))
    # The demo councillor's division has enough recent reports to publish (5 or more), not "fewer than 5".
    councillor_division = User.objects.get(email="councillor@demo.oxtom.example").member_division
    recent = Case.objects.filter(division=councillor_division, submission_key__startswith="demo-activity-",
                                 received_at__gte=timezone.now() - dt.timedelta(days=75)).count()
    assert recent >= 5


def test_the_demo_has_published_cabinet_reports_for_councillors_and_one_for_the_second_analyst(seeded, client):
    from performance.models import CabinetReport

    reports = list(CabinetReport.objects.select_related("period", "approved_by").order_by("period__start"))
    assert len(reports) == 3
    assert [r.is_published for r in reports] == [True, True, False]
    assert {r.approved_by.email for r in reports[:2]} == {"analyst.2@demo.oxtom.example"}
    assert {r.period.closed_by.email for r in reports} == {"analyst@demo.oxtom.example"}
    councillor = User.objects.get(email="councillor@demo.oxtom.example")
    client.force_login(councillor)
    assert client.get(f"/members/reports/{reports[1].month}/").status_code == 200
    assert "Cabinet reports" not in _seed()  # once


def test_the_demo_has_a_project_board_in_every_state_and_consultations(seeded, client):
    from strategy.models import Consultation, Project
    from strategy.selectors import portfolio

    rows = portfolio()
    assert {r.worst for r in rows} >= {"red", "amber", "green", ""}
    assert rows[0].exception and any(r.late for r in rows)
    late = next(r for r in rows if r.late)
    assert late.project.project_manager.email == "project.manager@demo.oxtom.example"  # the PM has one to write
    assert Project.objects.filter(status="proposed", proposed_by__email="project.manager@demo.oxtom.example").exists()
    open_one = Consultation.objects.get(status="published")
    assert open_one.is_open_on(timezone.localdate())
    closed = Consultation.objects.get(status="closed")
    assert closed.summary_published_at is not None
    assert client.get(f"/consultations/{closed.slug}/results/").status_code == 200
    assert "projects and consultations" not in _seed()  # once


def test_the_demo_has_demand_history_and_forecasts_for_the_bi_team(db, client):
    from insight.models import Forecast

    clear_geometry_cache()
    _seed("--reports", "30")
    forecasts = list(Forecast.objects.select_related("measure"))
    assert forecasts and all(f.history_months >= 36 and len(f.points) == 12 for f in forecasts)
    client.force_login(User.objects.get(email="bi.analyst@demo.oxtom.example"))
    assert client.get("/staff/insight/").status_code == 200
    # One team's capacity is short of its forecast's busy months: the analyst and the team leader are warned.
    from insight.selectors import capacity_warnings

    [warning] = capacity_warnings()
    assert warning.months
    for email in ("analyst@demo.oxtom.example", "team.leader@demo.oxtom.example"):
        client.force_login(User.objects.get(email=email))
        assert "capacity-warning" in client.get("/staff/").content.decode()
    forecast_page = client.get(f"/staff/insight/forecasts/{warning.measure.code}/").content.decode()
    assert "capacity-warning" in forecast_page and 'id="forecast-chart"' in forecast_page
    assert "demand forecasts" not in _seed("--reports", "30")  # once
