"""Rose's story end to end in Chromium with axe: she agrees to pay renewals with her card when she pays,
then next year one text (YES, through the /notify/dev/ phone) renews and pays, and she can stop it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from applications.models import Entitlement
from applications.renewals import tasks
from applications.renewals.services import renewals_run
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import AgreementStatus, Status
from tests.browser_support import assert_accessible, sign_in

from .test_browser_renewal import click, heading, invite, link_path, no_broker  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def tasks_inline(monkeypatch):
    # The worker's task, run in the server's thread when the YES commits.
    monkeypatch.setattr(tasks.pay_renewals_by_agreement, "delay", lambda ids: tasks.pay_renewals_by_agreement(ids))


def test_rose_agrees_to_pay_with_her_card_then_renews_by_one_text(page, invite, settings, adviser, tasks_inline):
    settings.DEBUG = True  # the dev phone page
    ent, email = invite("parking-permit", preferred_channel="email", email="rose@example.org", phone="+447700900347")
    page.goto(link_path(email.body))
    click(page, "button", "Nothing has changed: renew")
    assert heading(page) == "Pay to renew your residents' parking permit"
    page.get_by_label("Use this card to pay for renewals").check()
    click(page, "button", "Continue to payment")
    page.get_by_label("Card number").fill("4444 3333 2222 1111")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2030")
    page.get_by_label("Name on card").fill("Rose Baker")
    page.get_by_label("Card security code").fill("123")
    click(page, "button", "Continue")
    assert heading(page) == "Payment received"
    ent.refresh_from_db()
    this_year = ent.superseded_by
    agreement = this_year.payment_agreement
    assert agreement is not None and agreement.status == AgreementStatus.ACTIVE
    assert agreement.card_last_four == "1111"

    # A year on: the reminder goes by text, as Rose now prefers, and she replies YES from her phone.
    today = timezone.localdate()
    Entitlement.objects.filter(pk=this_year.pk).update(starts_on=today - dt.timedelta(days=345),
                                                       expires_on=today + dt.timedelta(days=20))
    this_year.customer.__class__.objects.filter(pk=this_year.customer_id).update(preferred_channel="sms")
    renewals_run()
    reminder = OutboundMessage.objects.get(idempotency_key=f"renewal:{this_year.pk}:invite")
    assert reminder.channel == "sms"
    sign_in(page, adviser)  # the dev page shows everyone's texts: staff only
    page.goto("/notify/dev/")
    page.get_by_label("Mobile number the reply comes from").fill("07700 900347")
    page.get_by_label("Text message").fill("YES")
    click(page, "button", "Send reply")
    assert "Reply received" in page.locator("main").inner_text()

    this_year.refresh_from_db()
    assert this_year.status == "superseded", "renewed by the text alone"
    paid = agreement.payments.exclude(sets_up_agreement=True).get()
    assert (paid.status, paid.amount_pence) == (Status.SUCCESS, this_year.application.fee_pence or paid.amount_pence)
    confirmation = OutboundMessage.objects.filter(template_code="entitlement-issued", channel="sms").latest("created_at")
    assert this_year.superseded_by.number in confirmation.body
    assert not OutboundMessage.objects.filter(idempotency_key=f"renewal:{this_year.pk}:pay").exists(), "no link needed"


def test_a_resident_stops_paying_with_the_saved_card(page, invite, resident_a, tasks_inline):
    from oxtom.payments.services import agreement_create, payment_create, payment_refresh_status
    from oxtom.payments.models import SandboxCharge
    from oxtom.payments.providers import sandbox
    from oxtom.customers.models import Customer
    from tests import factories as f

    customer = Customer.objects.filter(user=resident_a).first() or f.CustomerFactory(user=resident_a)
    agreement = agreement_create(customer=customer, description="Renewals of your residents' parking permit",
                                 by=None, idempotency_key="browser-agreement")
    started = payment_create(customer=customer, amount_pence=6500, description="Residents' parking permit",
                             for_object=f.TeamFactory(slug="browser-paid-for"), return_url="/account/", by=None,
                             idempotency_key="browser-first", set_up_agreement=agreement)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), "4444333322221111")
    payment_refresh_status(payment=started.payment, by=None)

    sign_in(page, resident_a)
    page.goto("/account/")
    click(page, "link", "Paying renewals with a saved card")
    assert "Visa ending 1111" in page.locator("main").inner_text()
    click(page, "link", "Stop paying Renewals of your residents' parking permit with this card")
    click(page, "button", "Stop paying with this card")
    assert "We will not take any more payments" in page.locator("main").inner_text()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CANCELLED
