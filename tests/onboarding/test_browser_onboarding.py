"""End to end in Chromium with axe: Sophie from the accepted offer to a working staff sign-in on her start date
(two-factor set up at first sign-in), and a leaver's sign-in closing on the leaving date."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from oxtom.notify.models import OutboundMessage
from people import registry
from people.onboarding import services
from people.onboarding.models import Onboarding
from tests import factories as f
from tests.accounts.conftest import totp_code
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _link(recipient: str, key_part: str, live_url: str) -> str:
    message = OutboundMessage.objects.filter(recipient=recipient, idempotency_key__contains=key_part).latest("pk")
    path = re.search(r"https?://[^/\s]+(/\S+?/)(?:\s|\.|$)", message.context["message"]).group(1)
    return path


def test_sophie_from_acceptance_to_signing_in_on_her_start_date(page, live_server, settings, role_profile, manager,
                                                                 coordinator, sandra, ict_desk, totp_clock):
    settings.STAFF_MFA_REQUIRED = False  # the staff using the pages here; Sophie's own sign-in turns it on below
    registry.fire_offer_accepted(registry.Starter(
        offer_id=42, vacancy_id=1, vacancy_reference="FIN-1", role_profile_id=role_profile.pk, name="Sophie Byrne",
        email="sophie@example.com", phone="", manager_id=manager.pk, coordinator_id=coordinator.pk, start_date=None,
        confirmed=False))
    onboarding = Onboarding.objects.get(offer_id=42)

    # Jane, her manager, agrees the start date and assigns Sandra as buddy.
    sign_in(page, manager)
    page.goto("/staff/people/starters/")
    assert_accessible(page)
    page.get_by_role("link", name="Sophie Byrne").click()
    start = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("Day").fill(str(start.day))
    page.get_by_label("Month").fill(str(start.month))
    page.get_by_label("Year").fill(str(start.year))
    with page.expect_navigation():
        page.get_by_role("button", name="Save the start date").click()
    assert "the starter's sign-in is ready for it" in page.content()
    page.get_by_label("Buddy's email address").fill(sandra.email)
    with page.expect_navigation():
        page.get_by_role("button", name="Assign the buddy").click()
    assert "we have emailed them" in page.content()
    assert_accessible(page)
    onboarding.refresh_from_db()
    account = onboarding.account
    assert account is not None and not account.is_active

    # Sophie, before day one, on her own page: records her induction e-learning.
    page.context.clear_cookies()
    page.goto(_link("sophie@example.com", "welcome", live_server.url))
    assert page.get_by_role("heading", level=1).inner_text() == "Getting ready to start"
    assert sandra.email in page.content() and manager.email in page.content()
    assert_accessible(page)
    with page.expect_navigation():
        # With the stylesheet the hidden part of the name is a block of its own: "I have completed it : ..."
        page.get_by_role("button", name=re.compile(r"^I have completed it\s*: Corporate induction e-learning")).click()
    assert "Recorded: Corporate induction" in page.content()

    # The desk and HR get the day-one items ready; the job switches her sign-in on on the start date.
    for item in onboarding.items.filter(group__in=["day_one", "access"], done_at__isnull=True):
        services.onboarding_item_complete(item=item, by=ict_desk if item.owner == "ict" else coordinator)
    assert services.starters_activate_due(today=start - dt.timedelta(days=1)) == 0
    assert services.starters_activate_due(today=start) == 1

    # Day one: she chooses her password from the link, signs in and is made to set up two-factor.
    settings.STAFF_MFA_REQUIRED = True
    page.goto(_link("sophie@example.com", "password", live_server.url))
    page.get_by_label("Create a password").fill("ledger budget forecast")
    page.get_by_label("Confirm your password").fill("ledger budget forecast")
    with page.expect_navigation():
        page.get_by_role("button", name="Save new password").click()
    assert "Your password has been changed" in page.content()
    page.context.clear_cookies()
    sign_in(page, account, password="ledger budget forecast")
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill("ledger budget forecast")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.goto("/staff/")
    assert page.get_by_role("heading", level=1).inner_text() == "Staff home"
    assert_accessible(page)
    onboarding.refresh_from_db()
    assert onboarding.day_one_ready is True


def test_a_leavers_sign_in_closes_on_the_leaving_date(page, live_server, settings, manager, people_setup, report_of):
    settings.STAFF_MFA_REQUIRED = False
    lewis = report_of(f.UserFactory(email="lewis@example.org", full_name="Lewis Leaver", roles=["officer"]))
    f.TeamMembershipFactory(team=people_setup["finance"], user=lewis)
    sign_in(page, manager)
    page.goto("/staff/people/leavers/")
    assert_accessible(page)
    last = dt.date.today() + dt.timedelta(days=2)
    page.get_by_label("Who is leaving?").select_option(label="Lewis Leaver")
    page.get_by_label("Day").fill(str(last.day))
    page.get_by_label("Month").fill(str(last.month))
    page.get_by_label("Year").fill(str(last.year))
    with page.expect_navigation():
        page.get_by_role("button", name="Record the leaver").click()
    assert "their sign-in closes after their last day" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Mark done\s*: Handover of work agreed and done")).click()
    assert_accessible(page)

    # Lewis is signed in elsewhere until the job runs at the end of his last day.
    other = page.context.browser.new_context(base_url=live_server.url)
    lewis_page = other.new_page()
    sign_in(lewis_page, lewis)
    lewis_page.goto("/staff/")
    assert lewis_page.get_by_role("heading", level=1).inner_text() == "Staff home"
    assert services.leavers_deactivate_due(through=last - dt.timedelta(days=1)) == 0
    assert services.leavers_deactivate_due(through=last) == 1
    lewis_page.goto("/staff/")
    assert "/accounts/login/" in lewis_page.url
    other.close()

    page.reload()
    assert "Closed" in page.content()
    assert "Left" in page.content() and "finance" in page.content()
