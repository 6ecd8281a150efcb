"""Tom keeps the role profiles (issue 14), in Chromium with axe at a phone's width: he sees his work on the
staff home, adds a profile (a missing title is refused, nothing lost), edits it, retires it and brings it back."""
from __future__ import annotations

import re

import pytest

from people.models import RoleProfile
from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _click(page, name, role="button"):
    with page.expect_navigation():
        page.get_by_role(role, name=re.compile(name)).first.click()


def test_tom_adds_edits_retires_and_brings_back_a_role_profile(page):
    tom = f.UserFactory(email="tom.recruitment@example.org", full_name="Tom Recruiter",
                        roles=["recruitment_coordinator"])
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, tom)
    page.goto("/staff/")
    assert page.locator("#recruitment-work").count() == 1  # his section on the staff home
    assert_accessible(page)

    before = RoleProfile.objects.count()
    page.goto("/staff/people/profiles/")
    _click(page, "Add a role profile", role="button")
    page.get_by_label("Grade").fill("Grade 6")
    page.get_by_label("Directorate").fill("Environment and Place")
    page.get_by_label("Essential skills").fill("highways, risk assessment")
    _click(page, "Add the role profile")
    assert "Enter" in page.locator(".govuk-error-summary").inner_text()  # no title: refused
    assert page.get_by_label("Grade").input_value() == "Grade 6"  # what he typed is kept
    assert RoleProfile.objects.count() == before
    assert_accessible(page)

    page.get_by_label("Job title").fill("Bridge Inspector")
    page.get_by_label("Basic").check()
    _click(page, "Add the role profile")
    profile = RoleProfile.objects.get(title="Bridge Inspector")
    assert profile.essential_skills == ["highways", "risk assessment"]
    assert "Bridge Inspector" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)

    _click(page, r"Edit\s*Bridge Inspector", role="link")
    page.get_by_label("Enhanced", exact=True).check()
    _click(page, "Save the role profile")
    profile.refresh_from_db()
    assert profile.dbs_level == "enhanced" and profile.version == 2

    _click(page, r"Retire\s*Bridge Inspector")
    assert "Retired profiles" in page.locator("main").inner_text()
    profile.refresh_from_db()
    assert not profile.active
    _click(page, r"Bring back\s*Bridge Inspector")
    profile.refresh_from_db()
    assert profile.active
    assert_accessible(page)
