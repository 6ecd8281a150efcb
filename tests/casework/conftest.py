"""Casework fixtures on top of the shared role fixtures (tests/conftest.py)."""
from __future__ import annotations

import pytest

from oxtom.cases.services import case_create
from tests import factories as f

from .factories import ServiceFactory


@pytest.fixture
def service(team):
    # Not "pothole": that code is the seeded street report type (portal migration 0002), with its own SLA.
    return ServiceFactory(code="casework-pothole", name="Report a pothole", team=team, reference_prefix="HW")


@pytest.fixture
def customer_a(resident_a):
    return resident_a.customer


@pytest.fixture
def make_case(service, customer_a):
    """make_case(**overrides) -> a case created through the real service."""

    def _make(**kwargs):
        params = dict(service=service, customer=customer_a, answers={"where": "High Street"},
                      channel="web", by=None, title="Pothole on High Street")
        params.update(kwargs)
        return case_create(**params)

    return _make


@pytest.fixture
def other_officer_in_team(team):
    user = f.UserFactory(email="officer.two@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=team, user=user)
    return user


@pytest.fixture
def enquiry_service(team):
    """The members' enquiry service (seeded by migration 0008) with its 10 working day response
    target, worked by this test's team."""
    from oxtom.cases.models import Service

    service, _ = Service.objects.update_or_create(
        code="members-enquiry",
        defaults={"name": "Members' enquiry", "kind": Service.Kind.ENQUIRY, "team": team, "reference_prefix": "ME",
                  "sla_working_days": {"1": 10, "2": 10, "3": 10, "4": 10}, "qa_sample_rate": 0, "is_active": True},
    )
    return service
