"""Demo data: Sophie Byrne starting in Finance next week with some items overdue and Sandra as her buddy, a leaver
with a leaving date ahead, and IT requests, so manager@, recruitment@ and ict.desk@ have real work on `make run`."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.core.demo import DEMO_DOMAIN

from . import services
from .models import AccessRequest, BuddyMessage, LineReport, Onboarding

SOPHIE_EMAIL = "sophie.byrne@example.com"  # her own address before she joins (a reserved example domain)


def _demo_user(email: str, full_name: str, roles: list[str], team: Team | None):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password

    from oxtom.core.management.commands.seed_demo import DEMO_PASSWORD

    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(email=email, full_name=full_name, roles=roles, password=make_password(DEMO_PASSWORD))
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if team is not None:
        TeamMembership.objects.get_or_create(team=team, user=user)
    return user


@transaction.atomic
def onboarding_step(context) -> int:
    if Onboarding.objects.filter(personal_email=SOPHIE_EMAIL).exists():
        return 0
    from people.models import RoleProfile

    people = context.users("manager", "recruitment", "ict.desk", "officer", "officer.parking")
    manager = people.get("manager")
    if manager is None:
        return 0
    today = timezone.localdate()
    finance = Team.objects.filter(slug="finance").first()
    # The desk and the recruitment team work their queues' cases (officer of that team only).
    TeamMembership.objects.filter(user__email__in=[f"ict.desk@{DEMO_DOMAIN}", f"recruitment@{DEMO_DOMAIN}"],
                                  team__slug__in=["ict-service-desk", "recruitment"], team_role="").update(
        team_role="officer")
    profile, _ = RoleProfile.objects.get_or_create(
        title="Graduate finance officer", grade="Grade 6", directorate="Finance and Procurement",
        defaults=dict(summary="Supports budget holders with monitoring, forecasts and month-end close.",
                      essential_skills=["Numeracy", "Spreadsheets", "Clear writing"], staff_roles=["officer"]))
    if finance is not None:
        profile.teams.add(finance)
    sandra = _demo_user(f"sandra@{DEMO_DOMAIN}", "Sandra Demo-Finance", ["officer"], finance)
    sophie, _token = services.open_onboarding(
        role_profile=profile, name="Sophie Byrne", personal_email=SOPHIE_EMAIL, manager=manager,
        coordinator=people.get("recruitment"), start_date=today + dt.timedelta(days=7), vacancy_reference="DEMO-FIN-1",
        by=None, today=today)
    services.onboarding_assign_buddy(onboarding=sophie, buddy=sandra, by=manager)
    BuddyMessage.objects.create(onboarding=sophie, sender=sandra, sent_at=timezone.now(),
                                text="Hello Sophie! There is covered bike storage by the back entrance of County Hall. "
                                     "I will meet you at reception at 9am on your first day.")
    services.onboarding_elearning_complete(onboarding=sophie, code="elearning-induction")
    # Lewis is leaving in a fortnight; his manager has the checklist to work through.
    lewis = _demo_user(f"lewis.leaver@{DEMO_DOMAIN}", "Lewis Demo-Leaver", ["officer"], finance)
    for staff in [lewis, people.get("officer"), people.get("officer.parking")]:
        if staff is not None:
            LineReport.objects.get_or_create(staff=staff, defaults={"manager": manager})
    services.leaver_record(account=lewis, last_working_day=today + dt.timedelta(days=14), by=manager, today=today)
    made = 2
    olive = people.get("officer")
    if olive is not None:
        request = services.access_request_submit(requester=olive, kind=AccessRequest.Kind.PASSWORD_RESET,
                                                 system="mosaic", details="Locked out after a holiday")
        services.access_request_check(request=request, confirmed=True, by=manager)
        made += 1
    parveen = people.get("officer.parking")
    if parveen is not None:
        services.access_request_submit(requester=parveen, kind=AccessRequest.Kind.ACCESS, system="confirm",
                                       details="Read access to the highways asset register for permit checks")
        made += 1
    return made
