"""Sending an application and what follows: confirmation, paying, the issued permit, referral, refusal.

Through the test client with the real rules, services and sandbox payment
provider. Double submits, paying twice, forged payment returns and other
customers' references each answer clearly and issue or charge nothing twice.
"""
from __future__ import annotations

from datetime import date

import pytest

from applications import services as app_services
from applications.models import Application, ApplicationEvidence, Entitlement
from oxtom.payments.models import Payment

from .test_apply_support import (
    BADGE_AUTOMATIC, BADGE_REFERRED, BUS_PASS_OLD, PERMIT_OK, add_evidence, answer_questions, apply_through,
)

# A bus pass needs a home in the county: the postcode centroids and a division covering them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]

GOOD_CARD = "4444333322221111"
DECLINED_CARD = "4000000000000002"


def pay_on_sandbox(client, location: str, card: str = GOOD_CARD):
    """Fill in the sandbox provider's hosted card page; returns the redirect to our return page."""
    assert location.startswith("/pay/sandbox/"), location
    response = client.post(location, {"card_number": card, "expiry_month": "12", "expiry_year": str(date.today().year + 2),
                                       "cardholder_name": "Alice Resident", "cvc": "123"})
    assert response.status_code == 302 and response["Location"].startswith("/pay/return/")
    return client.get(response["Location"])


@pytest.fixture
def signed_in(client, resident_a):
    client.force_login(resident_a)
    return client


def test_permit_apply_confirm_pay_and_issue(signed_in, resident_a):
    client = signed_in
    response = apply_through(client, "parking-permit", PERMIT_OK)
    assert response["Location"] == "/apply/parking-permit/confirmation/"
    application = Application.objects.get()
    assert application.customer == resident_a.customer and application.submitted_by == resident_a
    assert application.status == "awaiting_payment" and application.fee_pence == 6500
    assert application.answers["vehicle_registration"] == "AB12 CDE"
    assert application.evidence.get().kind == ApplicationEvidence.Kind.VEHICLE
    html = client.get(response["Location"]).content.decode()
    assert application.reference in html and "Application sent" in html
    assert "We will tell you straight away" in html and "Pay £65.00 now" in html

    # A second click on "Accept and send" makes no second application.
    assert client.post("/apply/parking-permit/check/")["Location"] == "/apply/parking-permit/confirmation/"
    assert Application.objects.count() == 1

    pay = client.post(f"/apply/applications/{application.reference}/pay/")
    returned = pay_on_sandbox(client, pay["Location"])
    assert "Payment received" in returned.content.decode()
    page = client.get(f"/apply/applications/{application.reference}/")
    html = page.content.decode()
    entitlement = Entitlement.objects.get()
    assert "Your residents&#x27; parking permit has been issued" in html
    assert entitlement.number in html and entitlement.expires_on.strftime("%-d %B %Y") in html
    assert entitlement.details["vehicle_registration"] == "AB12 CDE"

    # Paying again: refused with a clear message, no second payment or permit.
    response = client.post(f"/apply/applications/{application.reference}/pay/", follow=True)
    assert "nothing to pay" in response.content.decode()
    assert Payment.objects.count() == 1 and Entitlement.objects.count() == 1


def test_declined_or_cancelled_payment_says_so_issues_nothing_and_can_be_tried_again(signed_in):
    client = signed_in
    apply_through(client, "parking-permit", PERMIT_OK)
    application = Application.objects.get()
    pay = client.post(f"/apply/applications/{application.reference}/pay/")
    pay_on_sandbox(client, pay["Location"], card=DECLINED_CARD)
    html = client.get(f"/apply/applications/{application.reference}/").content.decode()
    assert "Your payment was not taken" in html and "No money has been taken" in html and "Try paying again" in html
    assert not Entitlement.objects.exists()
    # Try again: a new payment; cancel it on the hosted page.
    pay = client.post(f"/apply/applications/{application.reference}/pay/")
    assert Payment.objects.count() == 2
    client.post(pay["Location"] + "cancel/")
    html = client.get(f"/apply/applications/{application.reference}/").content.decode()
    assert "You cancelled the payment" in html and not Entitlement.objects.exists()
    # And a third time, paid.
    pay = client.post(f"/apply/applications/{application.reference}/pay/")
    pay_on_sandbox(client, pay["Location"])
    assert Entitlement.objects.count() == 1
    application.refresh_from_db()
    assert application.status == "issued"


def test_a_forged_return_status_issues_nothing(signed_in):
    client = signed_in
    apply_through(client, "parking-permit", PERMIT_OK)
    application = Application.objects.get()
    client.post(f"/apply/applications/{application.reference}/pay/")  # started, never paid
    for url in (f"/apply/applications/{application.reference}/?status=success&paid=1",
                f"/pay/return/{Payment.objects.get().return_token}/?status=success"):
        client.get(url)
    html = client.get(f"/apply/applications/{application.reference}/").content.decode()
    assert not Entitlement.objects.exists() and "Carry on paying" in html
    # A made-up return token is a 404, not a payment.
    assert client.get("/pay/return/made-up-token/").status_code == 404


def test_a_capturable_payment_is_still_pending_and_asked_about_again(signed_in, monkeypatch):
    """Every state GOV.UK Pay has not finished counts as pending, capturable included."""
    from oxtom.payments import services as payment_services

    client = signed_in
    apply_through(client, "parking-permit", PERMIT_OK)
    application = Application.objects.get()
    client.post(f"/apply/applications/{application.reference}/pay/")
    Payment.objects.update(status="capturable")
    asked = []
    monkeypatch.setattr(payment_services, "payment_refresh_status",
                        lambda *, payment, by: asked.append(payment.reference) or payment)
    html = client.get(f"/apply/applications/{application.reference}/").content.decode()
    assert asked == [Payment.objects.get().reference]
    assert "Carry on paying" in html and "We have not received your payment yet" in html


def test_starting_payment_twice_gives_back_the_live_payment(signed_in):
    client = signed_in
    apply_through(client, "parking-permit", PERMIT_OK)
    reference = Application.objects.get().reference
    first = client.post(f"/apply/applications/{reference}/pay/")["Location"]
    second = client.post(f"/apply/applications/{reference}/pay/")["Location"]
    assert first == second and Payment.objects.count() == 1


def test_free_bus_pass_is_issued_at_once_and_the_confirmation_shows_it(signed_in):
    client = signed_in
    response = apply_through(client, "bus-pass", BUS_PASS_OLD)
    html = client.get(response["Location"]).content.decode()
    entitlement = Entitlement.objects.get()
    assert entitlement.number.startswith("BP-") and entitlement.number in html
    assert "Valid from" in html and not Payment.objects.exists()


def test_referred_blue_badge_says_why_and_when_then_officer_approval_shows(signed_in, resident_a, django_user_model):
    client = signed_in
    response = apply_through(client, "blue-badge", BADGE_REFERRED)
    application = Application.objects.get()
    assert application.status == "referred" and application.case is not None
    html = client.get(response["Location"]).content.decode()
    assert "An officer needs to look at your application" in html and "difficulty walking" in html
    assert "within 60 working days" in html
    officer = _officer_for(application, django_user_model)
    app_services.application_decide(application=application, decision="approve", reasons="Assessed: walking is very difficult",
                                     by=officer, version=application.version)
    html = client.get(f"/apply/applications/{application.reference}/").content.decode()
    assert "Your application has been approved" in html and "Pay £10.00 now" in html


def test_refused_after_assessment_shows_reasons_and_reconsideration(signed_in, django_user_model):
    client = signed_in
    apply_through(client, "blue-badge", BADGE_REFERRED)
    application = Application.objects.get()
    officer = _officer_for(application, django_user_model)
    app_services.application_decide(application=application, decision="refuse",
                                     reasons="The assessment found you can walk 200 metres unaided",
                                     by=officer, version=application.version)
    url = f"/apply/applications/{application.reference}/"
    html = client.get(url).content.decode()
    assert "Your application has been refused" in html and "200 metres unaided" in html
    assert "Ask us to reconsider" in html and "Dial-a-Ride" in html
    for grounds, message in (("", "Enter why we should look at our decision again"),
                             ("<script>alert(1)</script> please", "can’t include code or HTML"),
                             ("x" * 2001, "2,000 characters or fewer"),
                             ("no", "at least 10 characters")):
        response = client.post(url + "reconsider/", {"grounds": grounds})
        assert response.status_code == 200 and message in response.content.decode()
        assert response.content.decode().count("<title>Error: ") == 1
    assert application.reconsiderations.count() == 0
    response = client.post(url + "reconsider/", {"grounds": "My condition got worse since the assessment in May."})
    again = Application.objects.get(kind="reconsideration")
    assert response["Location"] == f"/apply/applications/{again.reference}/"
    assert again.status == "referred" and again.reconsideration_of == application
    # Asking twice makes no second request.
    response = client.post(url + "reconsider/", {"grounds": "Once more with feeling, please."}, follow=True)
    assert "already asked" in response.content.decode()
    assert Application.objects.filter(kind="reconsideration").count() == 1


def _officer_for(application, django_user_model):
    from tests import factories as f

    user = f.UserFactory(email="bb.officer@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=application.case.service.team, user=user)
    return user


def test_automatic_blue_badge_approval_asks_for_the_fee(signed_in):
    client = signed_in
    apply_through(client, "blue-badge", BADGE_AUTOMATIC)
    application = Application.objects.get()
    assert application.status == "awaiting_payment" and application.fee_pence == 1000
    assert {e.kind for e in application.evidence.all()} == {"photo", "benefit"}


def test_another_customers_application_is_404(client, signed_in, resident_b):
    apply_through(signed_in, "parking-permit", PERMIT_OK)
    reference = Application.objects.get().reference
    client.force_login(resident_b)
    for url in (f"/apply/applications/{reference}/", f"/apply/applications/{reference}/reconsider/",
                "/apply/applications/NOPE/", "/apply/applications/" + "A" * 300 + "/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/apply/applications/{reference}/pay/").status_code == 404
    assert not Payment.objects.exists()
    client.logout()
    assert client.get(f"/apply/applications/{reference}/")["Location"].startswith("/accounts/login/")


def test_submit_without_evidence_or_with_expired_files_keeps_answers_and_says_so(signed_in):
    from django.core.files.storage import default_storage

    client = signed_in
    answer_questions(client, "parking-permit", PERMIT_OK)
    assert client.get("/apply/parking-permit/check/")["Location"] == "/apply/parking-permit/evidence/"
    add_evidence(client, "parking-permit", None)
    item = client.session["apply_draft"]["evidence"]["0"]
    default_storage.delete(f"apply-drafts/{item['token']}.{item['extension']}")
    response = client.post("/apply/parking-permit/check/")
    assert response.status_code == 200 and "Your files have expired" in response.content.decode()
    assert "<title>Error: Check your answers" in response.content.decode()
    assert not Application.objects.exists() and client.session["apply_draft"]["answers"]


def test_blue_badge_for_someone_else_asks_their_details_not_yours(signed_in, resident_a):
    client = signed_in
    answers = {**BADGE_AUTOMATIC, "applying_for": "someone_else", "holder_first_name": "Tom",
               "holder_last_name": "Resident", "relationship": "Son", "holder_date_of_birth": date(2015, 6, 1)}
    response = answer_questions(client, "blue-badge", answers)
    add_evidence(client, "blue-badge", None)
    html = client.get("/apply/blue-badge/check/").content.decode()
    assert "Someone else" in html and "Tom" in html and "1 June 2015" in html
    client.post("/apply/blue-badge/check/")
    application = Application.objects.get()
    assert application.customer == resident_a.customer
    assert application.answers["holder_first_name"] == "Tom" and application.answers["holder_date_of_birth"] == "2015-06-01"
    assert application.details["holder_name"] == "Tom Resident"
    assert response["Location"] == "/apply/blue-badge/evidence/"


def test_creating_an_account_at_check_answers_keeps_the_answers(client, mailoutbox):
    import re

    from .test_apply_support import BUS_PASS_OLD

    answer_questions(client, "bus-pass", BUS_PASS_OLD)
    add_evidence(client, "bus-pass", None)
    html = client.get("/apply/bus-pass/check/").content.decode()
    assert "Create an account" in html and "/accounts/signup/?next=/apply/bus-pass/check/" in html
    response = client.post("/accounts/signup/?next=/apply/bus-pass/check/", {
        "full_name": "New Person", "email": "new.person@example.org", "password1": "a long and unusual passphrase 42",
        "password2": "a long and unusual passphrase 42"})
    assert response.status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mailoutbox[-1].body).group(1)
    client.post(link)
    html = client.get("/apply/bus-pass/check/").content.decode()
    assert "Accept and send" in html and "2 January 1950" in html
    response = client.post("/apply/bus-pass/check/")
    assert response["Location"] == "/apply/bus-pass/confirmation/"
    application = Application.objects.get()
    assert application.customer.user.email == "new.person@example.org"
    assert application.answers["date_of_birth"] == "1950-01-02" and application.status == "issued"
