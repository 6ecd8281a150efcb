"""Complaints fixtures: the complaints team and its two services seeded as the migration does (without
relying on its rows), two complaints officers, and a way to pin "today"."""
from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from tests import factories as f

seed_migration = importlib.import_module("bas.complaints.migrations.0002_team_services_measures")


@pytest.fixture
def complaint_services(db):
    from oxtom.cases.models import Service
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    seed_migration.seed(django_apps, None)
    return Service.objects.get(code="complaint-stage-1"), Service.objects.get(code="complaint-stage-2")


@pytest.fixture
def complaints_team(complaint_services):
    from oxtom.accounts.models import Team

    return Team.objects.get(slug="corporate-complaints")


def _officer(team, email, name):
    user = f.UserFactory(email=email, full_name=name, roles=["complaints_officer"])
    f.TeamMembershipFactory(team=team, user=user)
    return user


@pytest.fixture
def officer_1(complaints_team):
    return _officer(complaints_team, "complaints.1@example.org", "Cal Complaints")


@pytest.fixture
def officer_2(complaints_team):
    return _officer(complaints_team, "complaints.2@example.org", "Kit Complaints")


@pytest.fixture
def officer_not_in_team(db, other_team):
    """A complaints officer who is not in the complaints team."""
    user = f.UserFactory(email="complaints.out@example.org", roles=["complaints_officer"])
    f.TeamMembershipFactory(team=other_team, user=user)
    return user


@pytest.fixture
def other_service(db, team):
    from tests.casework.factories import ServiceFactory

    return ServiceFactory(code="bins", name="Missed bin collection", team=team, reference_prefix="BN", kind="report")


@pytest.fixture
def today(monkeypatch):
    """pin(date): make "today" that date for the complaints services and the engine's clock."""
    from django.utils import timezone

    def pin(day: dt.date):
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        monkeypatch.setattr(timezone, "now", lambda: moment)
        monkeypatch.setattr(timezone, "localdate", lambda value=None: day if value is None else
                            timezone.localtime(value).date())
        return day

    return pin


@pytest.fixture
def customer_a(resident_a):
    return resident_a.customer
