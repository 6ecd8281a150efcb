"""The decision promise: its timescale read from the service's target, and the decision by text on request."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from applications import services as s
from applications.catalogue import application_service_settings_update
from applications.decision_text import DecisionTextError, application_text_when_decided, decision_text_state
from applications.models import Application
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Channel, Interaction
from oxtom.notify.models import OutboundMessage

from .conftest import BADGE_REFER, PDF, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def mobile_rose(rose):
    rose.phone, rose.preferred_channel = "07700 900123", "email"
    rose.save()
    return rose


@pytest.fixture
def referred(svc, mobile_rose):
    return s.application_submit(service=svc("blue-badge"), customer=mobile_rose, answers=BADGE_REFER,
                                evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB,
                                by=mobile_rose.user, submission_key="promise-test")


def _decide(application, officer, decision="approve"):
    application.refresh_from_db()
    return s.application_decide(application=application, decision=decision, reasons="Walking is very difficult.",
                                by=officer, version=application.version)


def _texts(application):
    return OutboundMessage.objects.filter(idempotency_key=f"application:{application.pk}:decision-text")


# --- the timescale from the target --------------------------------------------------------------------

def test_the_promise_reads_the_target_and_follows_a_change(svc):
    badge = svc("blue-badge")
    assert "((working_days))" in badge.decision_promise
    assert badge.promise.endswith("within 60 working days if an officer needs to assess your application")
    case_service = badge.case_service
    case_service.sla_working_days = {**case_service.sla_working_days, "3": 1}
    case_service.save()
    assert "within 1 working day if" in svc("blue-badge").promise


def test_a_promise_without_the_placeholder_is_the_administrators_words(svc):
    permit = svc("parking-permit")
    permit.decision_promise = "We will tell you within 24 hours"
    assert permit.promise == "We will tell you within 24 hours"


@pytest.mark.parametrize("code", ["parking-permit", "blue-badge", "bus-pass"])
def test_start_and_confirmation_pages_show_the_target(client, svc, code):
    service = svc(code)
    body = client.get(f"/apply/{code}/").content.decode()
    assert f"within {service.officer_working_days} working days" in body and "((" not in body


def test_only_the_one_placeholder_is_accepted(svc, administrator):
    service = svc("bus-pass")
    for bad in ("Within ((days))", "We will tell you ((name))", "<script>alert(1)</script> ((x"):
        with pytest.raises(ValidationError) as caught:
            application_service_settings_update(service=service, fee_pence=0, replacement_fee_pence=1000,
                                                validity_months=60, decision_promise=bad, by=administrator)
        assert "decision_promise" in caught.value.message_dict
    application_service_settings_update(service=service, fee_pence=0, replacement_fee_pence=1000, validity_months=60,
                                        decision_promise="Decided within ((working_days))", by=administrator)
    assert svc("bus-pass").promise == "Decided within 10 working days"


# --- the decision by text -----------------------------------------------------------------------------

def test_asking_records_once_audited_and_on_the_timeline(referred, mobile_rose):
    assert decision_text_state(referred) == {"state": "offer", "to": "+44••••••0123"}
    first = application_text_when_decided(application=referred, by=mobile_rose.user)
    again = application_text_when_decided(application=referred, by=mobile_rose.user)
    assert first.text_when_decided_at == again.text_when_decided_at is not None
    assert AuditEvent.objects.filter(summary="Applicant asked to be texted the decision").count() == 1
    assert Interaction.objects.filter(kind="application.text_requested", customer=mobile_rose).count() == 1
    assert decision_text_state(first)["state"] == "asked"


def test_the_decision_is_texted_once(referred, mobile_rose, badge_officer):
    application_text_when_decided(application=referred, by=mobile_rose.user)
    decided = _decide(referred, badge_officer)
    texts = list(_texts(decided))
    assert len(texts) == 1 and texts[0].channel == "sms" and texts[0].recipient == "+447700900123"
    assert decided.reference in texts[0].body and "approved, pay" in texts[0].body
    # The preferred channel still carries the full decision.
    assert OutboundMessage.objects.filter(idempotency_key=f"application:{decided.pk}:decision:approved",
                                          channel="email").exists()
    with pytest.raises(Exception):
        _decide(decided, badge_officer)  # decided already: refused, and no second text
    assert _texts(decided).count() == 1


def test_a_refusal_is_texted_too(referred, mobile_rose, badge_officer):
    application_text_when_decided(application=referred, by=mobile_rose.user)
    decided = _decide(referred, badge_officer, "refuse")
    assert "not approved" in _texts(decided).get().body


def test_no_text_without_asking(referred, badge_officer):
    assert not _texts(_decide(referred, badge_officer)).exists()


def test_someone_who_prefers_texts_is_not_offered_a_second_one(referred, mobile_rose, badge_officer):
    mobile_rose.preferred_channel = "sms"
    mobile_rose.save()
    referred.refresh_from_db()
    assert decision_text_state(referred)["state"] == "by_text_anyway"
    Application.objects.filter(pk=referred.pk).update(text_when_decided_at="2026-01-01T00:00Z")
    assert not _texts(_decide(referred, badge_officer)).exists()


def test_refused_when_decided_or_without_a_mobile(referred, mobile_rose, badge_officer):
    mobile_rose.phone = "01865 792422"  # a landline cannot take texts
    mobile_rose.save()
    referred.refresh_from_db()
    assert decision_text_state(referred)["state"] == ""
    with pytest.raises(DecisionTextError, match="no mobile number"):
        application_text_when_decided(application=referred, by=mobile_rose.user)
    mobile_rose.phone = "07700 900123"
    mobile_rose.save()
    decided = _decide(referred, badge_officer)
    with pytest.raises(DecisionTextError, match="already decided"):
        application_text_when_decided(application=decided, by=mobile_rose.user)


# --- the pages ----------------------------------------------------------------------------------------

def test_application_page_offers_then_confirms(client_for, referred, mobile_rose, django_assert_max_num_queries):
    client = client_for(mobile_rose.user)
    page = reverse("apply:application", args=[referred.reference])
    with django_assert_max_num_queries(25):
        body = client.get(page).content.decode()
    assert 'id="text-me"' in body and "+44••••••0123" in body and "07700" not in body
    url = reverse("apply:text_me", args=[referred.reference])
    key = {"submission_key": "k1"}
    assert client.post(url, key)["Location"] == f"{page}#decision-text"
    assert client.post(url, key)["Location"] == f"{page}#decision-text"  # the same again: still once
    referred.refresh_from_db()
    assert referred.text_when_decided_at is not None
    body = client.get(page).content.decode()
    assert 'id="text-me"' not in body and "We will text +44••••••0123 as soon as we have decided" in body


def test_others_cannot_ask(client_for, referred, resident_b, badge_officer):
    url = reverse("apply:text_me", args=[referred.reference])
    assert client_for(resident_b).post(url).status_code == 404
    assert client_for(None).post(url).status_code == 302
    assert client_for(referred.customer.user).get(url).status_code == 405
    referred.refresh_from_db()
    assert referred.text_when_decided_at is None


def test_back_to_the_confirmation_only_for_the_application_just_sent(client_for, referred, mobile_rose):
    client = client_for(mobile_rose.user)
    url = reverse("apply:text_me", args=[referred.reference])
    assert client.post(url, {"back": "confirmation"})["Location"].startswith("/apply/applications/")
    session = client.session
    session["apply_done"] = referred.reference
    session.save()
    assert client.post(url, {"back": "confirmation"})["Location"] == "/apply/blue-badge/confirmation/#decision-text"
    body = client.get("/apply/blue-badge/confirmation/").content.decode()
    assert "within 60 working days" in body and "We will text +44••••••0123" in body


def test_the_demo_sign_ins_name_a_resident_waiting_for_a_decision(svc, mobile_rose):
    from applications.demo import demo_listing

    assert demo_listing("http://127.0.0.1:8000/") == []  # nothing waiting: nothing printed
    waiting = s.application_submit(service=svc("blue-badge"), customer=mobile_rose, answers=BADGE_REFER,
                                   evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB,
                                   by=mobile_rose.user, submission_key="demo-badge-1")
    lines = demo_listing("http://127.0.0.1:8000/")
    assert mobile_rose.user.email in lines[1]
    assert lines[1].endswith(f"http://127.0.0.1:8000/apply/applications/{waiting.reference}/")
