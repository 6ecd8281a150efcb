"""The demo step gives manager@, recruitment@ and ict.desk@ real work, and does nothing on a second run."""
from __future__ import annotations

import pytest
from django.utils import timezone

from oxtom.core.demo import DEMO_DOMAIN, DemoContext
from people.onboarding import demo, selectors
from people.onboarding.models import AccessRequest, Leaver, Onboarding
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_demo_step_gives_each_role_work(people_setup, client_for):
    users = {part: f.UserFactory(email=f"{part}@{DEMO_DOMAIN}", roles=[role]) for part, role in [
        ("manager", "line_manager"), ("recruitment", "recruitment_coordinator"), ("ict.desk", "ict_service_desk"),
        ("officer", "officer"), ("officer.parking", "officer")]}
    f.TeamMembershipFactory(team=people_setup["ict-service-desk"], user=users["ict.desk"])
    assert demo.onboarding_step(DemoContext(options={})) == 4
    assert demo.onboarding_step(DemoContext(options={})) == 0  # idempotent
    sophie = Onboarding.objects.get(personal_email=demo.SOPHIE_EMAIL)
    assert sophie.buddy.email == f"sandra@{DEMO_DOMAIN}" and not sophie.account.is_active
    page = selectors.starter_page(users["manager"])
    assert [r.onboarding for r in page.rows] == [sophie] and page.rows[0].overdue >= 2
    assert selectors.starter_page(users["recruitment"]).rows[0].onboarding == sophie
    leaver = Leaver.objects.get(manager=users["manager"])
    assert leaver.last_working_day > timezone.localdate() and leaver.status == "open"
    assert AccessRequest.objects.filter(status="with_desk").count() == 1
    assert AccessRequest.objects.filter(status="awaiting_check", checker=users["manager"]).count() == 1
    desk = client_for(users["ict.desk"]).get("/staff/people/access/").content.decode()
    assert "Mosaic" in desk and "Laptop and ICT equipment ready" in desk
    home = client_for(users["manager"]).get("/staff/").content.decode()
    assert "Starters getting ready: 1" in home and "to confirm: 1" in home
