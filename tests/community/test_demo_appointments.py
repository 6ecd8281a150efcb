"""The Book it demo gives each role work: a day of assessments, the resident's callback and offered times."""
from __future__ import annotations

import pytest

from community.demo import seed_demo_appointments, seed_demo_community
from community.models import Appointment, AppointmentOffer
from tests import factories as f
from tests.casework.factories import CaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_demo_appointments_once(team, officer_in_team, donna, moderator, partner, notify_templates):
    for i in range(6):
        user = f.UserFactory(email=f"demo.person{i}@example.org")
        f.CustomerFactory(user=user, email=user.email)
    case = CaseFactory(service=ServiceFactory(code="demo-report", team=team), customer=donna)
    seed_demo_community(partner=partner, moderator=moderator, resident_customer=donna)
    made = seed_demo_appointments(resident_customer=donna, officer=officer_in_team, badge_officer=None)
    assert made >= 5
    assert Appointment.objects.filter(customer=donna, status="booked").count() == 1
    offer = AppointmentOffer.objects.get(case=case)
    assert offer.status == "open" and len(offer.slots) == 3
    assert seed_demo_appointments(resident_customer=donna, officer=officer_in_team, badge_officer=None) == 0
