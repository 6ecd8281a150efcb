"""Starters, leavers and IT requests through their services and scheduled jobs (dates passed, never the clock)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.accounts.models import TeamMembership
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage
from people import registry
from people.onboarding import services
from people.onboarding.models import AccessRequest, Leaver, LineReport, Onboarding
from tests import factories as f

pytestmark = pytest.mark.django_db
User = get_user_model()


def _starter(role_profile, manager, coordinator, *, offer_id=7, start_date=None):
    return registry.Starter(offer_id=offer_id, vacancy_id=1, vacancy_reference="VAC-1", role_profile_id=role_profile.pk,
                            name="Sophie Byrne", email="Sophie@Example.com", phone="", manager_id=manager.pk,
                            coordinator_id=coordinator.pk, start_date=start_date, confirmed=start_date is not None)


# --- onboarding ----------------------------------------------------------------------------------------------

def test_acceptance_opens_a_case_and_checklist_once(role_profile, manager, coordinator):
    registry.fire_offer_accepted(_starter(role_profile, manager, coordinator))
    registry.fire_offer_accepted(_starter(role_profile, manager, coordinator))  # a retried request
    onboarding = Onboarding.objects.get(offer_id=7)
    assert Onboarding.objects.count() == 1
    assert onboarding.personal_email == "sophie@example.com" and onboarding.account is None
    case = Case.objects.get(pk=onboarding.case_id)
    assert case.requested_by == manager and case.customer is None and case.service.code == "staff-onboarding"
    codes = set(onboarding.items.values_list("code", flat=True))
    assert {"buddy", "elearning-induction", "id-pass", "ict-equipment", "mobile-phone", "desk", "council-systems",
            "first-week-training"} <= codes
    assert "elearning-safeguarding" not in codes  # the post needs no DBS check
    assert OutboundMessage.objects.filter(recipient="sophie@example.com").count() == 1  # the welcome link


def test_a_dbs_post_adds_safeguarding_e_learning(role_profile, manager, coordinator):
    role_profile.dbs_level = "enhanced"
    role_profile.save()
    registry.fire_offer_accepted(_starter(role_profile, manager, coordinator))
    assert Onboarding.objects.get(offer_id=7).items.filter(code="elearning-safeguarding").exists()


def test_confirmation_makes_the_switched_off_account_with_the_profiles_access(role_profile, manager, coordinator,
                                                                               people_setup):
    registry.fire_offer_accepted(_starter(role_profile, manager, coordinator))
    start = dt.date.today() + dt.timedelta(days=10)
    registry.fire_appointment_confirmed(_starter(role_profile, manager, coordinator, start_date=start))
    onboarding = Onboarding.objects.select_related("account").get(offer_id=7)
    account = onboarding.account
    assert onboarding.start_date == start
    assert account.email == "sophie.byrne@oxtom.example" and not account.is_active and account.roles == ["officer"]
    assert not account.has_usable_password()
    assert set(account.team_memberships.values_list("team__slug", flat=True)) == {"finance"}
    assert LineReport.objects.get(staff=account).manager == manager
    assert onboarding.items.get(code="platform-account").done_at is not None
    assert onboarding.items.get(code="desk").due_on == start - dt.timedelta(days=5)
    # Confirming again changes nothing.
    registry.fire_appointment_confirmed(_starter(role_profile, manager, coordinator, start_date=start))
    assert User.objects.filter(email__startswith="sophie.byrne").count() == 1


def test_a_role_profile_cannot_hand_out_administrator(role_profile, manager):
    role_profile.staff_roles = ["officer", "administrator"]
    role_profile.save()
    with pytest.raises(ValidationError) as refused:
        services.open_onboarding(role_profile=role_profile, name="X", personal_email="x@example.com", manager=manager)
    assert "administrator" in str(refused.value)
    assert not Onboarding.objects.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "  "}, "Enter the starter's name"),
    ({"name": "x" * 151}, "150 characters"),
    ({"personal_email": "not-an-email"}, "Enter the starter's email"),
    ({"start_date": dt.date(2026, 12, 1)}, "today or in the future"),
])
def test_bad_onboarding_input(role_profile, manager, today, kwargs, message):
    args = dict(role_profile=role_profile, name="Sophie", personal_email="s@example.com", manager=manager,
                today=today) | kwargs
    with pytest.raises(ValidationError) as bad:
        services.open_onboarding(**args)
    assert message in str(bad.value)


def test_a_resident_cannot_be_the_manager(role_profile, resident_a):
    with pytest.raises(ValidationError):
        services.open_onboarding(role_profile=role_profile, name="S", personal_email="s@example.com",
                                 manager=resident_a)


def test_buddy_is_told_and_can_message_the_starter(sophie, manager, sandra, other_manager):
    services.onboarding_assign_buddy(onboarding=sophie, buddy=sandra, by=manager)
    assert OutboundMessage.objects.filter(recipient=sandra.email).exists()
    assert sophie.items.get(code="buddy").done_at is not None
    with pytest.raises(ValidationError):
        services.onboarding_assign_buddy(onboarding=sophie, buddy=sandra, by=manager)  # already the buddy
    with pytest.raises(PermissionDenied):
        services.onboarding_assign_buddy(onboarding=sophie, buddy=sandra, by=other_manager)
    services.buddy_message_send(onboarding=sophie, text="Bike racks are by the back door", by=sandra)
    assert any("Bike" in m.context["message"] for m in OutboundMessage.objects.filter(recipient="sophie@example.com"))
    with pytest.raises(PermissionDenied):
        services.buddy_message_send(onboarding=sophie, text="Hi", by=other_manager)
    with pytest.raises(ValidationError):
        services.buddy_message_send(onboarding=sophie, text="x" * 2001, by=sandra)


def test_who_ticks_what(sophie, manager, other_manager, ict_desk, coordinator):
    phone = sophie.items.get(code="mobile-phone")
    desk = sophie.items.get(code="desk")
    with pytest.raises(PermissionDenied):
        services.onboarding_item_complete(item=desk, by=ict_desk)  # not the desk's line
    with pytest.raises(PermissionDenied):
        services.onboarding_item_complete(item=desk, by=other_manager)  # not their starter
    with pytest.raises(PermissionDenied):
        services.onboarding_item_complete(item=sophie.items.get(code="platform-account"), by=coordinator)
    services.onboarding_item_complete(item=phone, by=ict_desk)
    with pytest.raises(ValidationError) as twice:
        services.onboarding_item_complete(item=phone, by=manager)
    assert "already" in str(twice.value)
    services.onboarding_item_complete(item=desk, by=manager)
    assert AuditEvent.objects.filter(target_type="onboarding.onboarding", summary__startswith="Checklist").count() == 2


def _tick_all_day_one(onboarding, by):
    for item in onboarding.items.filter(group__in=["day_one", "access"], done_at__isnull=True):
        services.onboarding_item_complete(item=item, by=by)


def test_the_start_date_job_switches_the_account_on_and_sends_the_password_link(sophie, coordinator, today):
    _tick_all_day_one(sophie, coordinator)
    start = sophie.start_date
    assert services.starters_activate_due(today=start - dt.timedelta(days=1)) == 0  # not yet
    sophie.refresh_from_db()
    assert not sophie.account.is_active
    assert services.starters_activate_due(today=start) == 1
    assert services.starters_activate_due(today=start) == 0  # a double run does nothing twice
    sophie.refresh_from_db()
    assert sophie.account.is_active and sophie.status == "started" and sophie.day_one_ready is True
    link = OutboundMessage.objects.get(recipient="sophie@example.com", idempotency_key__contains="password")
    assert "/accounts/password/reset/key/" in link.context["message"]
    assert AuditEvent.objects.filter(action="activate", target_id=str(sophie.account_id)).exists()


def test_a_starter_with_items_missing_is_not_ready_on_day_one(sophie):
    services.starters_activate_due(today=sophie.start_date)
    sophie.refresh_from_db()
    assert sophie.account.is_active and sophie.day_one_ready is False


def test_e_learning_recorded_by_the_starter(sophie):
    services.onboarding_elearning_complete(onboarding=sophie, code="elearning-induction")
    with pytest.raises(ValidationError):
        services.onboarding_elearning_complete(onboarding=sophie, code="elearning-induction")
    with pytest.raises(ValidationError):
        services.onboarding_elearning_complete(onboarding=sophie, code="desk")  # not theirs to tick
    with pytest.raises(ValidationError):
        services.onboarding_elearning_complete(onboarding=sophie, code="no-such-thing")


# --- leavers --------------------------------------------------------------------------------------------------

@pytest.fixture
def lewis(people_setup, report_of):
    user = f.UserFactory(email="lewis@example.org", full_name="Lewis Leaver", roles=["officer"])
    f.TeamMembershipFactory(team=people_setup["finance"], user=user, team_role="officer")
    return report_of(user)


def test_a_leaver_is_closed_on_the_leaving_date(lewis, manager, today, client):
    client.force_login(lewis)
    assert Session.objects.count() == 1
    leaver = services.leaver_record(account=lewis, last_working_day=today + dt.timedelta(days=3), by=manager,
                                    today=today)
    assert leaver.case.requested_by == manager and leaver.items.count() == 3
    assert services.leavers_deactivate_due(through=today + dt.timedelta(days=2)) == 0
    lewis.refresh_from_db()
    assert lewis.is_active
    assert services.leavers_deactivate_due(through=today + dt.timedelta(days=3)) == 1
    assert services.leavers_deactivate_due(through=today + dt.timedelta(days=3)) == 0
    lewis.refresh_from_db()
    leaver.refresh_from_db()
    assert not lewis.is_active and not lewis.has_usable_password()
    assert not TeamMembership.objects.filter(user=lewis).exists()
    assert Session.objects.count() == 0
    assert leaver.status == "left" and leaver.ended_memberships == [
        {"team": "finance", "team_role": "officer", "is_leader": False}]
    event = AuditEvent.objects.get(action="deactivate", target_id=str(lewis.pk))
    assert event.actor is None and "left" in event.summary and event.detail["sessions_ended"] == 1
    assert client.get("/staff/").status_code == 302  # signed out


def test_leaver_rules(lewis, manager, other_manager, today):
    with pytest.raises(PermissionDenied):
        services.leaver_record(account=lewis, last_working_day=today, by=other_manager, today=today)
    with pytest.raises(ValidationError):
        services.leaver_record(account=lewis, last_working_day=today - dt.timedelta(days=1), by=manager, today=today)
    with pytest.raises(ValidationError):
        services.leaver_record(account=lewis, last_working_day=today + dt.timedelta(days=400), by=manager, today=today)
    services.leaver_record(account=lewis, last_working_day=today, by=manager, today=today)
    with pytest.raises(ValidationError) as twice:
        services.leaver_record(account=lewis, last_working_day=today, by=manager, today=today)
    assert "already recorded" in str(twice.value)
    leaver = Leaver.objects.get(account=lewis)
    services.leaver_cancel(leaver=leaver, by=manager)
    assert services.leavers_deactivate_due(through=today) == 0
    lewis.refresh_from_db()
    assert lewis.is_active


def test_the_cutoff_closes_today_in_the_evening_and_yesterday_in_the_morning():
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    assert services.deactivation_cutoff(dt.datetime(2026, 12, 7, 23, 30, tzinfo=london)) == dt.date(2026, 12, 7)
    assert services.deactivation_cutoff(dt.datetime(2026, 12, 8, 6, 30, tzinfo=london)) == dt.date(2026, 12, 7)


def test_a_role_change_moves_team_memberships(lewis, manager, people_setup, role_profile):
    from people.models import RoleProfile

    desk_role = RoleProfile.objects.create(title="ICT analyst", grade="Grade 7", directorate="Resources",
                                           staff_roles=["ict_service_desk"])
    desk_role.teams.add(people_setup["ict-service-desk"])
    moved = services.role_change(account=lewis, role_profile=desk_role, by=manager)
    lewis.refresh_from_db()
    assert moved == {"ended": ["finance"], "added": ["ict-service-desk"]}
    assert lewis.roles == ["ict_service_desk"]
    assert set(lewis.team_memberships.values_list("team__slug", flat=True)) == {"ict-service-desk"}
    assert AuditEvent.objects.filter(target_id=str(lewis.pk), summary__startswith="Role changed").exists()
    with pytest.raises(ValidationError):
        services.role_change(account=lewis, role_profile=desk_role, by=manager)  # already in that role


# --- IT access requests -------------------------------------------------------------------------------------

def test_an_access_request_waits_for_the_manager_then_reaches_the_desk(lewis, manager, other_manager):
    request = services.access_request_submit(requester=lewis, kind="password_reset", system="mosaic",
                                             submission_key="k1")
    again = services.access_request_submit(requester=lewis, kind="password_reset", system="mosaic",
                                           submission_key="k1")
    assert again.pk == request.pk and AccessRequest.objects.count() == 1
    assert request.status == "awaiting_check" and request.case is None
    with pytest.raises(PermissionDenied):
        services.access_request_check(request=request, confirmed=True, by=other_manager)
    services.access_request_check(request=request, confirmed=True, by=manager)
    request.refresh_from_db()
    case = request.case
    assert case.service.code == "staff-it-access" and case.requested_by == lewis and "Mosaic" in case.title
    assert case.team.slug == "ict-service-desk"
    with pytest.raises(ValidationError):
        services.access_request_check(request=request, confirmed=False, by=manager)


@pytest.mark.parametrize("kwargs, message", [
    ({"kind": "root"}, "Choose a password reset or access"),
    ({"system": "mainframe"}, "Choose the system"),
    ({"system": "other"}, "Say which system"),
    ({"kind": "access"}, "Say what access"),
    ({"details": "x" * 1001}, "1,000 characters"),
])
def test_bad_access_requests(lewis, kwargs, message):
    args = dict(requester=lewis, kind="password_reset", system="mosaic") | kwargs
    with pytest.raises(ValidationError) as bad:
        services.access_request_submit(**args)
    assert message in str(bad.value)


def test_no_manager_no_request(people_setup):
    loner = f.UserFactory(roles=["officer"])
    with pytest.raises(ValidationError) as refused:
        services.access_request_submit(requester=loner, kind="password_reset", system="vpn")
    assert "line manager" in str(refused.value)
    with pytest.raises(PermissionDenied):
        services.access_request_submit(requester=f.UserFactory(roles=["resident"]), kind="password_reset",
                                       system="vpn")
