"""In Chromium at 375 px: a post-room officer and an FOI co-ordinator reach their queues from the staff
navigation (the collapsed menu on a phone), and each page passes axe-core. Screenshots go to var/screens/."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.browser_support import assert_accessible, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENS = Path(__file__).resolve().parents[2] / "var" / "screens"


@pytest.mark.parametrize("roles, link, path", [
    (["bas_officer"], "Post room", "/staff/bas/intake/post/"),
    (["foi_coordinator"], "FOI requests", "/staff/foi/"),
])
def test_a_queue_is_one_tap_from_the_staff_navigation_on_a_phone(page, roles, link, path):
    user = f.UserFactory(email=f"{roles[0]}@example.org", roles=roles)
    if path == "/staff/foi/":  # FOI staff work the information governance queue
        from oxtom.accounts.models import Team

        team, _ = Team.objects.get_or_create(slug="information-governance", defaults={"name": "Information Governance"})
        f.TeamMembershipFactory(team=team, user=user, team_role="officer")
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, user)
    page.goto("/staff/")
    menu = page.locator(".govuk-service-navigation__toggle")
    if menu.is_visible():
        menu.click()
    page.locator(".govuk-service-navigation").get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(f"**{path}")
    assert page.locator(f'.govuk-service-navigation a[href="{path}"]').get_attribute("aria-current") == "page"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"nav-{roles[0]}.png"), full_page=True)
