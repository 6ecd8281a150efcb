"""End to end in Chromium with axe on every page: renewing by the email link and by a text reply.

- a bus pass renewed with one click from the email (the link's page first, then the button);
- a parking permit renewed from the email and paid for through the sandbox card page;
- a forged link;
- a bus pass renewed by texting YES, sent through the /notify/dev/ page's "phone" (DEBUG).
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from applications.models import ApplicationService, Entitlement
from applications.renewals.models import RenewalInvitation
from applications.renewals.services import renewals_run
from oxtom.notify import services as notify_services
from oxtom.notify.models import OutboundMessage
from tests.browser_support import assert_accessible, sign_in
from tests.renewals.conftest import make_entitlement, seed_everything

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def no_broker(monkeypatch):
    monkeypatch.setattr(notify_services, "enqueue", lambda message_id, **_options: True)


@pytest.fixture
def invite(db, no_broker):
    seed_everything()

    def make(code: str, **customer_fields) -> tuple[Entitlement, str]:
        service = ApplicationService.objects.get(code=code)
        ent = make_entitlement(service, expires_on=timezone.localdate() + dt.timedelta(days=20),
                               fee_pence=service.fee_pence if code == "parking-permit" else 0, **customer_fields)
        renewals_run()
        message = OutboundMessage.objects.get(idempotency_key=f"renewal:{ent.pk}:invite")
        return ent, message

    return make


def click(page, role, name):
    with page.expect_navigation():
        page.get_by_role(role, name=name).click()
    assert_accessible(page)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def link_path(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/renew/[0-9a-f]{64}/)", body).group(1)


def test_bus_pass_renewed_with_one_click_from_the_email(page, invite):
    ent, email = invite("bus-pass", preferred_channel="email", email="rose@example.org")
    assert email.channel == "email"
    page.goto(link_path(email.body))
    assert_accessible(page)
    assert heading(page) == "Renew your older or disabled person's bus pass"
    assert ent.number in page.locator("main").inner_text()
    assert RenewalInvitation.objects.get(entitlement=ent).state == "invited", "opening the link changes nothing"
    click(page, "button", "Nothing has changed: renew")
    assert heading(page).startswith("Your older or disabled person's bus pass is renewed")
    ent.refresh_from_db()
    assert ent.superseded_by.number in page.locator("#new-number").inner_text()
    page.reload()  # reloading the outcome renews nothing more
    assert Entitlement.objects.filter(customer=ent.customer).count() == 2


def test_permit_renewed_from_the_email_and_paid_for(page, invite):
    ent, email = invite("parking-permit", preferred_channel="email", email="rose@example.org")
    page.goto(link_path(email.body))
    assert_accessible(page)
    assert "Renewing costs £65.00" in page.locator("main").inner_text()
    click(page, "button", "Nothing has changed: renew")
    assert heading(page) == "Pay to renew your residents' parking permit"
    click(page, "button", "Continue to payment")
    page.get_by_label("Card number").fill("4444 3333 2222 1111")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2030")
    page.get_by_label("Name on card").fill("Rose Baker")
    page.get_by_label("Card security code").fill("123")
    click(page, "button", "Continue")
    assert heading(page) == "Payment received"
    click(page, "link", "Continue")
    assert heading(page).startswith("Your residents' parking permit is renewed")
    ent.refresh_from_db()
    assert ent.status == "superseded" and ent.superseded_by.number in page.locator("main").inner_text()


def test_forged_link_is_not_valid(page, invite):
    invite("bus-pass")
    page.goto("/renew/" + "0" * 64 + "/")
    assert_accessible(page)
    assert heading(page) == "This renewal link is not valid"


def test_bus_pass_renewed_by_texting_yes_from_the_dev_phone(page, invite, settings, adviser):
    settings.DEBUG = True  # the embedded default's /notify/dev/ page stands in for a phone
    ent, text = invite("bus-pass", preferred_channel="sms", phone="+447700900345")
    sign_in(page, adviser)  # the dev page shows everyone's texts: staff only, even in the demo
    assert text.channel == "sms" and "Reply YES to renew it" in text.body
    page.goto("/notify/dev/")
    assert_accessible(page)
    page.get_by_label("Mobile number the reply comes from").fill("07700 900345")
    page.get_by_label("Text message").fill("YES")
    click(page, "button", "Send reply")
    assert "Reply received" in page.locator("main").inner_text()
    ent.refresh_from_db()
    assert ent.status == "superseded"
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert (invitation.state, invitation.reply_channel) == ("renewed", "sms")
    confirmation = OutboundMessage.objects.get(template_code="renewal-renewed")
    assert confirmation.channel == "sms" and ent.superseded_by.number in confirmation.body
