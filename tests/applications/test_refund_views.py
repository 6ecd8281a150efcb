"""Refunds, the pages: the holder cancels from their permit's page and is told the refund being processed; the
officer sees "Refund due" on the application page, confirms the amount on its own page and refunds once. Role
matrix: the holder, another resident (404), the team's officer, another team's officer (404), a worker of the
team who may not refund (403), a signed-out visitor (sign in)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from applications.ending import entitlement_cancel
from applications.models import Entitlement
from applications.refunds import refund_due
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Refund
from tests import factories as f

from .conftest import officer_of
from .test_refused_change import _issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def parking_officer(db):
    return officer_of("parking-services", "parking.officer@example.org")


@pytest.fixture
def permit(svc, rose):
    return _issued(svc, rose)


@pytest.fixture
def cancelled(permit, rose):
    ended = entitlement_cancel(entitlement=permit, by=rose.user)
    ended.application.refresh_from_db()
    return ended


def _urls(entitlement):
    ref = entitlement.application.reference
    return (reverse("applications:assess", args=[ref]), reverse("applications:refund", args=[ref]))


def _post(client, url, amount="10.00", reason="Cancelled by the holder", key="k" * 24):
    return client.post(url, {"amount": amount, "reason": reason, "submission_key": key})


# --- the holder --------------------------------------------------------------------------------------

def test_the_holder_cancels_from_their_permit_page_and_sees_the_refund_being_processed(client, permit, rose):
    client.force_login(rose.user)
    page = client.get(reverse("apply:entitlement", args=[permit.number])).content.decode()
    assert reverse("apply:cancel", args=[permit.number]) in page
    check = client.get(reverse("apply:cancel", args=[permit.number])).content.decode()
    assert "Are you sure you want to cancel" in check and "We will refund <strong>£" in check
    response = client.post(reverse("apply:cancel", args=[permit.number]), {"submission_key": "c" * 24})
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.CANCELLED
    due = refund_due(permit.application)
    page = client.get(reverse("apply:entitlement", args=[permit.number])).content.decode()
    assert f"A refund of <strong>{due.suggested_display}</strong>" in page and "being processed" in page
    assert "contact us" not in page.lower().split('id="refund-state"')[1][:400]
    assert reverse("apply:cancel", args=[permit.number]) not in page  # nothing left to cancel
    # Its application's page says the same, not "we will remind you before it runs out".
    page = client.get(reverse("apply:application", args=[permit.application.reference])).content.decode()
    assert "can no longer be used" in page and f"A refund of <strong>{due.suggested_display}</strong>" in page
    assert "We will remind you before it runs out" not in page
    # The same form again (double click): nothing more happens.
    client.post(reverse("apply:cancel", args=[permit.number]), {"submission_key": "c" * 24})
    assert OutboundMessage.objects.filter(idempotency_key=f"entitlement:{permit.pk}:ended").count() == 1


def test_another_resident_cannot_see_or_cancel_it(client, permit, resident_b):
    client.force_login(resident_b)
    assert client.get(reverse("apply:cancel", args=[permit.number])).status_code == 404
    assert client.post(reverse("apply:cancel", args=[permit.number]), {"submission_key": "b" * 24}).status_code == 404
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE


@pytest.mark.parametrize("number", ["", "X" * 300, "<script>", "RP-NOPE"])
def test_hostile_numbers_are_not_found(client, rose, permit, number):
    client.force_login(rose.user)
    assert client.post(f"/account/entitlements/{number}/cancel/", {"submission_key": "h" * 24}).status_code == 404


# --- the officer --------------------------------------------------------------------------------------

def test_the_officer_sees_refund_due_confirms_and_refunds_once(client, cancelled, parking_officer,
                                                              django_assert_max_num_queries):
    assess, refund = _urls(cancelled)
    client.force_login(parking_officer)
    with django_assert_max_num_queries(60):
        html = client.get(assess).content.decode()
    due = refund_due(cancelled.application)
    assert "Refund due" in html and due.suggested_display in html and refund in html
    assert "ended early: a refund of the unused term is due" in html  # why the case is here
    case_page = client.get(reverse("casework:case", args=[cancelled.application.case.reference])).content.decode()
    assert "refund_for" not in case_page and "rule_reasons" not in case_page
    confirm = client.get(refund).content.decode()
    assert "Issue the refund" in confirm and due.suggested_display in confirm
    assert f'value="{due.suggested_pence / 100:.2f}"' in confirm
    response = _post(client, refund, amount=f"{due.suggested_pence / 100:.2f}")
    assert response.status_code == 302 and response["Location"] == assess
    due.payment.refresh_from_db()
    assert due.payment.refunded_pence == due.suggested_pence
    assert OutboundMessage.objects.filter(template_code="refund-made").count() == 1
    # The same form again (double click): refunded once.
    again = _post(client, refund, amount=f"{due.suggested_pence / 100:.2f}")
    assert again.status_code == 302 and Refund.objects.count() == 1
    html = client.get(assess).content.decode()
    assert "Refund due" not in html and "Cancelled by the holder" in html
    # Now nothing is due: the confirm page sends the officer back saying why, and a new form is refused.
    page = client.get(refund, follow=True).content.decode()
    assert "This has already been refunded." in page
    late = _post(client, refund, key="n" * 24)
    assert late.status_code == 400 and "This has already been refunded." in late.content.decode()
    assert Refund.objects.count() == 1
    # The holder's page says it was refunded.
    client.force_login(cancelled.customer.user)
    page = client.get(reverse("apply:entitlement", args=[cancelled.number])).content.decode()
    assert f"We refunded <strong>{due.suggested_display}</strong>" in page


@pytest.mark.parametrize("amount, reason, message", [
    ("", "Cancelled", "Enter the amount to refund"), ("abc", "Cancelled", "Enter the amount in pounds"),
    ("0", "Cancelled", "at least 1p"), ("-5", "Cancelled", "at least 1p"),
    ("1.234", "Cancelled", "pounds and pence"), ("99999", "Cancelled", "at most"),
    ("1" * 40, "Cancelled", "£100,000 or less"), ("5.00", "", "Say why it is being refunded"),
    ("5.00", "x" * 256, "255 characters or fewer"),
])
def test_bad_amounts_refund_nothing(client, cancelled, parking_officer, amount, reason, message):
    _, refund = _urls(cancelled)
    client.force_login(parking_officer)
    response = _post(client, refund, amount=amount, reason=reason, key="m" * 24)
    body = response.content.decode()
    assert response.status_code == 400 and message in body and "There is a problem" in body
    assert body.count('class="govuk-error-summary"') == 1 and body.count('Error: ') >= 1  # base.html's summary
    assert '<title>Error: Error' not in body
    assert Refund.objects.count() == 0


def test_a_hostile_reason_is_kept_as_text(client, cancelled, parking_officer):
    assess, refund = _urls(cancelled)
    client.force_login(parking_officer)
    assert _post(client, refund, reason="<script>alert(1)</script>").status_code == 302
    html = client.get(assess).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_others_cannot_refund(client, cancelled, officer_in_team, resident_a, resident_b):
    assess, refund = _urls(cancelled)
    client.force_login(officer_in_team)  # highways, not parking
    assert client.get(assess).status_code == 404
    assert client.get(refund).status_code == 404 and _post(client, refund).status_code == 404
    for resident in (resident_a, resident_b):  # the holder too: the staff pages are not theirs
        client.force_login(resident)
        assert client.get(refund).status_code == 403 and _post(client, refund).status_code == 403
    client.logout()
    assert _post(client, refund).status_code == 302  # to sign in
    assert Refund.objects.count() == 0


def test_a_worker_of_the_team_who_may_not_refund_is_refused(client, cancelled):
    assess, refund = _urls(cancelled)
    worker = f.UserFactory(email="complaints.in.parking@example.org", roles=[])
    f.TeamMembershipFactory(team=cancelled.application.case.team, user=worker, team_role="complaints_officer")
    client.force_login(worker)
    html = client.get(assess).content.decode()
    assert "Refund due" in html and refund not in html and "who may make refunds" in html
    assert client.get(refund).status_code == 403 and _post(client, refund).status_code == 403
    assert Refund.objects.count() == 0


def test_the_officer_revokes_from_the_application_page(client, svc, rose, parking_officer):
    # Every automatic approval is sampled for QA, so this permit's application has a (closed) case the team
    # can open; revoking gives it a "Refund due" follow-on case.
    service = svc("parking-permit")
    service.case_service.qa_sample_rate = 1
    service.case_service.save(update_fields=["qa_sample_rate"])
    permit = _issued(svc, rose)
    sampled = permit.application.case
    assert sampled is not None
    assess, refund = _urls(permit)
    client.force_login(parking_officer)
    html = client.get(assess).content.decode()
    assert f"Revoke {permit.number}" in html and "Refund due" not in html
    revoke = reverse("applications:revoke", args=[permit.application.reference])
    bad = client.post(revoke, {"reason": "", "submission_key": "v" * 24})
    assert bad.status_code == 400 and "Say why it is being revoked" in bad.content.decode()
    done = client.post(revoke, {"reason": "The vehicle is not kept at the address", "submission_key": "w" * 24})
    assert done.status_code == 302
    permit.refresh_from_db()
    permit.application.refresh_from_db()
    assert permit.status == Entitlement.Status.REVOKED
    assert permit.application.case.parent_id == sampled.pk  # the engine's follow-on link
    html = client.get(assess).content.decode()
    assert "Refund due" in html and f"Revoke {permit.number}" not in html
    client.force_login(rose.user)
    page = client.get(reverse("apply:entitlement", args=[permit.number])).content.decode()
    assert "The vehicle is not kept at the address" in page and "being processed" in page


def test_a_team_worker_who_may_not_work_cases_sees_no_revoke(client, svc, rose, resident_b):
    service = svc("parking-permit")
    service.case_service.qa_sample_rate = 1
    service.case_service.save(update_fields=["qa_sample_rate"])
    permit = _issued(svc, rose)
    revoke = reverse("applications:revoke", args=[permit.application.reference])
    client.force_login(resident_b)
    assert client.post(revoke, {"reason": "x", "submission_key": "z" * 24}).status_code in (403, 404)
    permit.refresh_from_db()
    assert permit.status == Entitlement.Status.ACTIVE


def test_a_provider_failure_shows_a_clear_message_and_leaves_it_due(client, cancelled, parking_officer, monkeypatch):
    from oxtom.payments.providers import ProviderError, sandbox

    monkeypatch.setattr(sandbox.SandboxProvider, "refund",
                        lambda self, *a, **k: (_ for _ in ()).throw(ProviderError("timeout")))
    assess, refund = _urls(cancelled)
    client.force_login(parking_officer)
    response = _post(client, refund, amount="12.00", key="p" * 24)
    body = response.content.decode()
    assert response.status_code == 400 and "did not answer" in body and "still due" in body
    assert not OutboundMessage.objects.filter(template_code="refund-made").exists()
    monkeypatch.undo()
    # The page shown again keeps its key: sending it again makes the same refund, once.
    assert "no answer came back" in client.get(refund).content.decode()
    assert _post(client, refund, amount="12.00", key="p" * 24).status_code == 302
    assert Refund.objects.count() == 1 and Refund.objects.get().status == "success"
    assert OutboundMessage.objects.filter(template_code="refund-made").count() == 1
