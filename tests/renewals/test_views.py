"""The one-click email link: GET shows (scanners prefetch), POST renews; bad tokens; the fee path; query counts."""
from __future__ import annotations

import datetime as dt

import pytest

from applications.models import Application, Entitlement
from applications.renewals import services
from applications.renewals.models import RenewalInvitation
from applications.renewals.tokens import make_token
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Payment

pytestmark = pytest.mark.django_db
State = RenewalInvitation.State
CARD = {"card_number": "4444 3333 2222 1111", "expiry_month": "12", "expiry_year": "2030",
        "cardholder_name": "R Payer", "cvc": "123"}


@pytest.fixture
def invited(entitlement_factory, today, enqueued):
    """invited(code, **kw) -> (entitlement, token) with the invitation already sent."""

    def make(code="bus-pass", days=20, **kwargs):
        ent = entitlement_factory(code, expires_on=today + dt.timedelta(days=days), **kwargs)
        services.renewals_run(today=today)
        return ent, make_token(ent.pk, ent.expires_on)

    return make


def url(token: str, suffix: str = "") -> str:
    return f"/renew/{token}/{suffix}"


def test_get_shows_a_confirmation_page_and_changes_nothing(client, invited):
    ent, token = invited("bus-pass")
    # Names no page word contains (a generated "Cook" is inside "Cookies" in the footer).
    type(ent.customer).objects.filter(pk=ent.customer.pk).update(last_name="Zqxwvy", address_line_1="7 Qzxv Row")
    ent.customer.refresh_from_db()
    for _ in range(3):  # a mail scanner, a link preview, the resident
        response = client.get(url(token))
        assert response.status_code == 200
    html = response.content.decode()
    assert "Renew your older or disabled person&#x27;s bus pass" in html
    assert ent.number in html and 'method="post"' in html and "Nothing has changed: renew" in html
    assert url(token, "changed/") in html
    assert ent.customer.last_name not in html and ent.customer.address_line_1 not in html, "no personal data"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"].startswith("max-age=0")
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert (invitation.state, invitation.reply) == (State.INVITED, "")
    assert Entitlement.objects.count() == 1


def test_post_renews_once_and_a_second_post_changes_nothing(client, invited):
    ent, token = invited("bus-pass")
    response = client.post(url(token))
    assert response.status_code == 302 and response["Location"] == url(token)
    again = client.post(url(token))
    assert again.status_code == 302
    page = client.get(url(token))
    html = page.content.decode()
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.SUPERSEDED
    assert "is renewed" in html and ent.superseded_by.number in html
    invitation = RenewalInvitation.objects.get(entitlement=ent)
    assert (invitation.state, invitation.reply_channel) == (State.RENEWED, "email")
    assert Entitlement.objects.filter(customer=ent.customer).count() == 2
    assert OutboundMessage.objects.filter(template_code="renewal-renewed").count() == 1


@pytest.mark.parametrize("token", [
    "0" * 64,                                  # well-formed, matches nothing
    "a" * 63, "a" * 65, "ZZZ",                 # malformed
    "%3Cscript%3Ealert(1)%3C%5Cscript%3E",     # hostile
    "x" * 2000,                                # oversized
])
def test_forged_or_malformed_token_gets_the_not_valid_page_and_changes_nothing(client, invited, token):
    ent, _ = invited("bus-pass")
    for method in (client.get, client.post):
        response = method(url(token))
        assert response.status_code == 404
        html = response.content.decode()
        assert "This renewal link is not valid" in html and "Nothing has been renewed or charged" in html
        assert "<script>alert" not in html
    assert RenewalInvitation.objects.get(entitlement=ent).state == State.INVITED
    assert client.post(url(token, "changed/")).status_code == 404
    assert client.post(url(token, "pay/")).status_code == 404


def test_token_for_another_term_does_not_open_this_one(client, invited):
    ent, _ = invited("bus-pass")
    wrong = make_token(ent.pk, ent.expires_on + dt.timedelta(days=1))
    assert client.get(url(wrong)).status_code == 404


def test_expired_link_after_lapse(client, invited, today):
    ent, token = invited("bus-pass", days=2)
    services.renewals_run(today=today + dt.timedelta(days=3))
    response = client.get(url(token))
    assert response.status_code == 410
    assert "This renewal link has expired" in response.content.decode()
    client.post(url(token))
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.LAPSED and ent.superseded_by is None


def test_something_changed_get_shows_then_post_records(client, invited):
    ent, token = invited("parking-permit", fee_pence=6500)
    page = client.get(url(token, "changed/"))
    assert page.status_code == 200 and "Tell us something has changed" in page.content.decode()
    assert RenewalInvitation.objects.get(entitlement=ent).state == State.INVITED
    response = client.post(url(token, "changed/"))
    assert response.status_code == 302
    html = client.get(url(token)).content.decode()
    assert "You told us something has changed" in html and f"/account/entitlements/{ent.number}/change/" in html
    assert RenewalInvitation.objects.get(entitlement=ent).state == State.CHANGED
    assert OutboundMessage.objects.filter(template_code="renewal-changed").count() == 1
    # "Nothing changed" after "something changed" renews nothing.
    client.post(url(token))
    ent.refresh_from_db()
    assert ent.status == Entitlement.Status.ACTIVE


def test_blue_badge_link_goes_to_the_prefilled_reapplication(client, invited):
    badge, token = invited("blue-badge")
    html = client.get(url(token)).content.decode()
    assert "cannot be renewed without a new application" in html
    client.post(url(token))
    page = client.get(url(token)).content.decode()
    assert f"/apply/blue-badge/?renewing={badge.number}" in page
    badge.refresh_from_db()
    assert badge.status == Entitlement.Status.ACTIVE


def test_permit_fee_path_pay_then_renewed_once(client, invited):
    permit, token = invited("parking-permit", fee_pence=6500)
    assert "£65.00" in client.get(url(token)).content.decode()
    client.post(url(token))
    html = client.get(url(token)).content.decode()
    assert "Pay to renew" in html and "£65.00" in html
    assert Payment.objects.count() == 0, "a payment is only started when the resident chooses to pay"

    response = client.post(url(token, "pay/"))
    assert response.status_code == 302 and response["Location"].startswith("/pay/sandbox/")
    again = client.post(url(token, "pay/"))
    assert again["Location"] == response["Location"], "paying twice resumes the same payment"
    assert Payment.objects.count() == 1
    paid = client.post(response["Location"], CARD)
    outcome = client.get(paid["Location"])
    assert "Payment received" in outcome.content.decode()

    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.SUPERSEDED
    new = permit.superseded_by
    assert new.starts_on == permit.expires_on + dt.timedelta(days=1)
    application = Application.objects.get(kind=Application.Kind.RENEWAL)
    assert application.status == Application.Status.ISSUED and application.payment.amount_pence == 6500
    page = client.get(url(token)).content.decode()
    assert "is renewed" in page and new.number in page
    assert client.post(url(token, "pay/")).status_code == 302
    assert Payment.objects.count() == 1, "nothing charged twice"
    assert services.renewals_reconcile() == 1
    invitation = RenewalInvitation.objects.get(entitlement=permit)
    assert (invitation.state, invitation.renewed_entitlement_id) == (State.RENEWED, new.pk)


def test_pay_needs_post(client, invited):
    _, token = invited("parking-permit", fee_pence=6500)
    assert client.get(url(token, "pay/")).status_code == 405


def test_renewal_pages_query_counts_are_constant(client, invited, django_assert_max_num_queries):
    _, token = invited("bus-pass")
    with django_assert_max_num_queries(4):
        assert client.get(url(token)).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(url(token, "changed/")).status_code == 200
    client.post(url(token))
    with django_assert_max_num_queries(4):
        assert client.get(url(token)).status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get(url("0" * 64)).status_code == 404


def test_payment_service_down_says_so_and_takes_nothing(client, invited, monkeypatch):
    from applications import services as application_services
    from oxtom.payments.services import PaymentError

    _, token = invited("parking-permit", fee_pence=6500)
    client.post(url(token))

    def down(**kwargs):
        raise PaymentError("The payment service is not available. No money has been taken. Try again in a few minutes.")

    monkeypatch.setattr(application_services, "application_payment_start", down)
    response = client.post(url(token, "pay/"), follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "The payment service is not available" in html
    assert "Pay to renew" in html and Payment.objects.count() == 0
