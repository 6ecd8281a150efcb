"""Fixtures for starters, leavers and IT requests: the services and teams they need, seeded here (not from the
migration), and the people around a starter."""
from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f

TODAY = dt.date(2026, 12, 7)  # a Monday; dates are passed to the services, never read from the clock


@pytest.fixture
def today():
    return TODAY


@pytest.fixture
def people_setup(db):
    from oxtom.accounts.models import Team
    from oxtom.cases.models import Service
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    teams = {}
    for slug, name in [("recruitment", "Recruitment"), ("ict-service-desk", "ICT service desk"),
                       ("finance", "Finance")]:
        teams[slug], _ = Team.objects.get_or_create(slug=slug, defaults={"name": name})
    for code, prefix, team in [("staff-onboarding", "SO", "recruitment"), ("staff-leaver", "SL", "recruitment"),
                               ("staff-it-access", "IT", "ict-service-desk")]:
        Service.objects.get_or_create(code=code, defaults=dict(
            name=code, kind="request", reference_prefix=prefix, team=teams[team], qa_sample_rate=0,
            sla_working_days={str(p): 5 for p in (1, 2, 3, 4)}, notify_customer_on_change=False))
    return teams


@pytest.fixture
def role_profile(people_setup):
    from people.models import RoleProfile

    profile, _ = RoleProfile.objects.get_or_create(title="Graduate finance officer", grade="Grade 6",
                                                   directorate="Finance", defaults={"staff_roles": ["officer"]})
    profile.teams.add(people_setup["finance"])
    return profile


@pytest.fixture
def manager(db):
    return f.UserFactory(email="jane.manager@example.org", full_name="Jane Manager", roles=["line_manager"])


@pytest.fixture
def other_manager(db):
    return f.UserFactory(email="other.manager@example.org", full_name="Other Manager", roles=["line_manager"])


@pytest.fixture
def coordinator(people_setup):
    user = f.UserFactory(email="tom.recruitment@example.org", full_name="Tom Recruitment",
                         roles=["recruitment_coordinator"])
    f.TeamMembershipFactory(team=people_setup["recruitment"], user=user, team_role="officer")
    return user


@pytest.fixture
def ict_desk(people_setup):
    user = f.UserFactory(email="ian.ict@example.org", full_name="Ian ICT", roles=["ict_service_desk"])
    f.TeamMembershipFactory(team=people_setup["ict-service-desk"], user=user, team_role="officer")
    return user


@pytest.fixture
def sandra(people_setup):
    user = f.UserFactory(email="sandra@example.org", full_name="Sandra Finance", roles=["officer"])
    f.TeamMembershipFactory(team=people_setup["finance"], user=user)
    return user


@pytest.fixture
def sophie(role_profile, manager, coordinator, today):
    """Sophie's onboarding, opened as recruitment's hook opens it, starting in a week."""
    from people.onboarding import services

    onboarding, token = services.open_onboarding(
        role_profile=role_profile, name="Sophie Byrne", personal_email="sophie@example.com", manager=manager,
        coordinator=coordinator, start_date=today + dt.timedelta(days=7), offer_id=101, by=None, today=today)
    onboarding.token = token
    return onboarding


@pytest.fixture
def report_of(manager):
    """report_of(user, manager=manager): make `user` one of the manager's line reports."""
    from people.onboarding.models import LineReport

    def make(user, boss=None):
        LineReport.objects.update_or_create(staff=user, defaults={"manager": boss or manager})
        return user

    return make
