"""The sandbox card page and our return page, through the test client."""
from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command

from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from oxtom.payments.models import Payment, SandboxCharge, Status

pytestmark = pytest.mark.django_db

GOOD = {"card_number": "4444 3333 2222 1111", "expiry_month": "12", "expiry_year": "2030",
        "cardholder_name": "R Payer", "cvc": "123"}


def _card_page(payment):
    return f"/pay/sandbox/{payment.provider_payment_id}/"


def _return_page(payment):
    return f"/pay/return/{payment.return_token}/"


def test_card_page_shows_amount_and_marks_the_payment_started(client, make_payment):
    payment, next_url = make_payment()
    response = client.get(next_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "£65.00" in html and "Residents&#x27; parking permit" in html
    assert "Enter card details" in html
    assert response["Cache-Control"].startswith("max-age=0")
    assert SandboxCharge.objects.get(payment_id=payment.provider_payment_id).status == Status.STARTED


def test_successful_journey_and_reloading_the_return_page_records_once(client, make_payment, customer):
    payment, next_url = make_payment()
    client.get(next_url)
    response = client.post(next_url, GOOD)
    assert response.status_code == 302 and response["Location"] == _return_page(payment)
    for _ in range(3):
        page = client.get(_return_page(payment))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Payment received" in html and payment.reference in html and "ending 1111" in html
        assert 'href="/apply/done/"' in html
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS
    assert AuditEvent.objects.filter(target_id=str(payment.pk), summary__contains="-> success").count() == 1
    assert Interaction.objects.filter(customer=customer, kind="payment.success").count() == 1


def test_another_residents_visit_to_the_return_page_is_not_recorded_as_theirs(client, make_payment, resident_b):
    """The provider check a GET triggers is a system action: nothing is attributed to whoever looks."""
    payment, next_url = make_payment()
    client.get(next_url)
    client.post(next_url, GOOD)  # paid, but the payer never came back to the return page
    client.force_login(resident_b)
    assert client.get(_return_page(payment)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS  # the provider's answer is still recorded
    assert not AuditEvent.objects.filter(actor=resident_b).exists()
    moved = AuditEvent.objects.get(target_id=str(payment.pk), summary__contains="-> success")
    assert moved.actor is None


def test_paying_twice_is_impossible(client, make_payment):
    payment, next_url = make_payment()
    client.post(next_url, GOOD)
    again = client.post(next_url, {**GOOD, "card_number": "4000000000000002"})
    assert again.status_code == 302 and again["Location"] == _return_page(payment)  # straight to the outcome
    client.get(_return_page(payment))
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS


def test_declined_card_says_no_money_was_taken(client, make_payment):
    payment, next_url = make_payment()
    client.post(next_url, {**GOOD, "card_number": "4000000000000002"})
    html = client.get(_return_page(payment)).content.decode()
    assert "Your payment was not taken" in html and "declined" in html and "No money has been taken" in html
    assert "Go back and try again" in html


def test_cancel(client, make_payment):
    payment, next_url = make_payment()
    response = client.post(f"{next_url}cancel/")
    assert response["Location"] == _return_page(payment)
    html = client.get(_return_page(payment)).content.decode()
    assert "You cancelled the payment" in html
    payment.refresh_from_db()
    assert payment.status == Status.CANCELLED and payment.failure_code == "P0030"


def test_cancel_needs_post(client, make_payment):
    payment, next_url = make_payment()
    assert client.get(f"{next_url}cancel/").status_code == 405


def test_returning_without_paying_is_not_a_success_whatever_the_url_says(client, make_payment):
    payment, next_url = make_payment()
    response = client.get(_return_page(payment) + "?status=success&state=success")
    html = response.content.decode()
    assert "Your payment is not finished" in html and "Continue your payment" in html
    payment.refresh_from_db()
    assert payment.status == Status.CREATED


@pytest.mark.parametrize("path", [
    "/pay/return/forged-token/", "/pay/return/" + "a" * 65 + "/", "/pay/sandbox/nope/",
    "/pay/sandbox/" + "a" * 65 + "/", "/pay/sandbox/nope/cancel/",
])
def test_unknown_or_forged_ids_are_not_found(client, make_payment, path):
    make_payment()
    response = client.post(path) if path.endswith("cancel/") else client.get(path)
    assert response.status_code == 404


def test_return_page_methods(client, make_payment):
    payment, _ = make_payment()
    assert client.post(_return_page(payment)).status_code == 405


BAD = [
    ({"card_number": ""}, "Enter a card number"),
    ({"card_number": "4444 3333 2222 1112"}, "Enter a valid card number"),  # fails the Luhn check
    ({"card_number": "abcd efgh ijkl mnop"}, "Enter a valid card number"),
    ({"card_number": "٤٤٤٤٣٣٣٣٢٢٢٢١١١١"}, "Enter a valid card number"),  # Arabic-Indic digits
    ({"card_number": "4" * 5000}, "Enter a valid card number"),
    ({"card_number": "4111 1111 1111 1111"}, "test card numbers"),  # real-looking, not a sandbox card
    ({"card_number": "<script>alert(1)</script>"}, "Enter a valid card number"),
    ({"expiry_month": "13"}, "The expiry date must be a real date"),
    ({"expiry_month": "xx"}, "The expiry date must be a real date"),
    ({"expiry_year": "2001"}, "The expiry date must be this month or in the future"),
    ({"expiry_year": "99999"}, "The expiry date must be a real date"),
    ({"expiry_year": "2099"}, "The expiry date must be a real date"),
    ({"expiry_month": ""}, "The expiry date must include a month"),
    ({"expiry_month": "", "expiry_year": ""}, "Enter the expiry date"),
    ({"cvc": "12"}, "Enter a valid card security code"),
    ({"cvc": "abc"}, "Enter a valid card security code"),
    ({"cvc": "1" * 1000}, "Enter a valid card security code"),
    ({"cardholder_name": ""}, "Enter the name as it appears on the card"),
    ({"cardholder_name": "x" * 101}, "100 characters or fewer"),
    ({"cardholder_name": "R\x07Payer"}, "letters, spaces and punctuation"),
    # A NUL byte never reaches the form: the request edge answers 400 (tests/core/test_request_hygiene.py).
]


@pytest.mark.parametrize("overrides,message", BAD)
def test_bad_card_details_get_a_clear_message_and_change_nothing(client, make_payment, overrides, message):
    payment, next_url = make_payment()
    response = client.post(next_url, {**GOOD, **overrides})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert "<title>Error: " in html
    charge = SandboxCharge.objects.get(payment_id=payment.provider_payment_id)
    assert charge.status == Status.STARTED and charge.last_digits_card_number == ""
    # What was typed as a card number or security code is never put back in the page.
    for key in ("card_number", "cvc"):
        typed = {**GOOD, **overrides}[key]
        if typed and len(typed) > 3:
            assert f'value="{typed}"' not in html


def test_card_number_is_never_stored_or_logged_beyond_the_last_four(client, make_payment, caplog):
    number = "4000000000000002"
    payment, next_url = make_payment()
    with caplog.at_level(logging.DEBUG):
        client.post(next_url, {**GOOD, "card_number": "4444333322221112", "cvc": "987"})  # invalid: re-rendered
        client.post(next_url, {**GOOD, "card_number": number, "cvc": "987"})
        client.get(_return_page(payment))
    payment.refresh_from_db()
    assert payment.card_last_four == "0002"
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    everything = dump.getvalue() + caplog.text
    for secret in (number, "4444333322221112", "444433332222", "400000000000"):
        assert secret not in everything


def test_card_page_redirects_once_finished_and_after_expiry(client, make_payment):
    from datetime import timedelta

    from django.utils import timezone

    payment, next_url = make_payment()
    SandboxCharge.objects.update(created_date=timezone.now() - timedelta(minutes=91))
    response = client.get(next_url)
    assert response.status_code == 302
    html = client.get(_return_page(payment)).content.decode()
    assert "The payment timed out" in html


ROLES = ["anonymous", "resident_a", "resident_b", "adviser", "officer_in_team", "officer_outside_team",
         "team_leader", "councillor_of_division", "councillor_elsewhere", "administrator"]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, make_payment, role):
    """The pages are reached by unguessable ids (like GOV.UK Pay's): the same for every role.

    They show no personal data: the reference, the amount, the description and the last four digits.
    """
    user = None if role == "anonymous" else request.getfixturevalue(role)
    c = client_for(user)
    payment, next_url = make_payment()
    assert c.get(next_url).status_code == 200
    assert c.get(_return_page(payment)).status_code == 200
    assert c.get("/pay/return/not-a-token/").status_code == 404
    html = c.get(_return_page(payment)).content.decode()
    assert payment.customer.last_name not in html and payment.customer.email not in html


def test_return_page_query_count_is_constant(client, make_payment, django_assert_max_num_queries):
    payment, next_url = make_payment()
    client.post(next_url, GOOD)
    client.get(_return_page(payment))  # records the outcome
    for _ in range(20):
        make_payment()
    with django_assert_max_num_queries(4):
        client.get(_return_page(payment))


def test_moto_for_request_follows_the_acting_for_session(rf, monkeypatch):
    from oxtom.customers import assist
    from oxtom.payments.services import moto_for_request

    request = rf.get("/")
    monkeypatch.setattr(assist, "is_assisted", lambda req: True)
    assert moto_for_request(request) is True
    monkeypatch.setattr(assist, "is_assisted", lambda req: False)
    assert moto_for_request(request) is False


def test_moto_card_page_says_telephone(client, make_payment):
    payment, next_url = make_payment(moto=True)
    assert "Telephone (card holder not present)" in client.get(next_url).content.decode()


def test_payment_rows_hold_no_card_fields():
    names = {f.name for f in Payment._meta.get_fields()}
    assert not names & {"card_number", "cvc", "expiry_month", "expiry_year", "cardholder_name"}


def test_an_empty_expiry_date_is_one_message_in_the_error_summary(client, make_payment):
    """Month and year are one date input: leaving both blank says so once, linking to the month box."""
    payment, next_url = make_payment()
    html = client.post(next_url, {**GOOD, "expiry_month": "", "expiry_year": ""}).content.decode()
    summary = html[html.index("govuk-error-summary"):html.index("</ul>", html.index("govuk-error-summary"))]
    assert summary.count("Enter the expiry date") == 1 and 'href="#id_expiry_month"' in summary
