"""Appointment times offered from a case: the officer offers, the customer chooses by signed link or account.

No double booking: one offer makes one appointment, and two offers of the same time make one booking
(real threads on PostgreSQL below; the same code path runs serialised on SQLite).
"""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse

from community.models import Appointment, AppointmentOffer, AppointmentService
from community.services.appointments import appointment_book, slots
from community.services.offers import appointment_offer_create, appointment_offer_take, offer_token
from oxtom.cases.models import CaseEvent
from oxtom.notify.models import OutboundMessage
from tests import factories as f
from tests.casework.factories import CaseFactory, ServiceFactory
from tests.conftest import require

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(db, team):
    return AppointmentService.objects.create(code="mobility", name="Blue badge mobility assessment",
                                             description="A face-to-face assessment.", team=team,
                                             opens_at=dt.time(9, 30), closes_at=dt.time(15, 30), slot_minutes=45,
                                             days_ahead=28, cutoff_hours=24)


@pytest.fixture
def badge_case(team, donna):
    return CaseFactory(service=ServiceFactory(code="blue-badge-test", name="Blue badge", team=team,
                                              reference_prefix="BB"), customer=donna, title="Blue badge application")


def _offer(case, service, officer, key, n=3, message=""):
    return appointment_offer_create(case=case, service=service, starts=slots(service)[:n], message=message,
                                    submission_key=key(), by=officer)


def test_officer_offers_times_and_the_customer_is_sent_a_signed_link(assessment, badge_case, officer_in_team, key,
                                                                     notify_templates):
    offer = _offer(badge_case, assessment, officer_in_team, key, message="Bring your walking aid, please.")
    assert offer.status == AppointmentOffer.Status.OPEN and len(offer.slots) == 3
    message = OutboundMessage.objects.get(idempotency_key=f"community:offer:{offer.pk}:made")
    assert message.customer == badge_case.customer
    link = re.search(r"/community/appointments/offers/([^/\s]+)/", message.body)
    assert link and "Bring your walking aid" in message.body
    from community.services.offers import offer_from_token

    assert offer_from_token(link.group(1)) == offer
    assert CaseEvent.objects.filter(case=badge_case, text__contains="Offered 3 appointment times").exists()
    # A second offer on the same case replaces the first.
    second = _offer(badge_case, assessment, officer_in_team, key, n=2)
    offer.refresh_from_db()
    assert offer.status == AppointmentOffer.Status.WITHDRAWN and second.status == AppointmentOffer.Status.OPEN


def test_only_an_officer_working_the_case_may_offer(assessment, badge_case, officer_outside_team, key):
    with pytest.raises(PermissionDenied):
        _offer(badge_case, assessment, officer_outside_team, key)
    assert not AppointmentOffer.objects.exists()


@pytest.mark.parametrize("bad, match", [("none", "at least one"), ("too many", "12 times or fewer"),
                                        ("not free", "just been taken"), ("hostile", "special characters"),
                                        ("long", "500 characters")])
def test_bad_offers_are_refused_and_nothing_is_saved(assessment, badge_case, officer_in_team, key, donna, bad, match):
    free = slots(assessment)
    starts, message = free[:2], ""
    if bad == "none":
        starts = []
    elif bad == "too many":
        starts = free[:13]
    elif bad == "not free":
        appointment_book(service=assessment, customer=donna, starts_at=free[0], submission_key=key(), by=donna.user)
    elif bad == "hostile":
        message = "hello\x00there"
    elif bad == "long":
        message = "x" * 501
    with pytest.raises(ValidationError, match=match):
        appointment_offer_create(case=badge_case, service=assessment, starts=starts, message=message,
                                 submission_key=key(), by=officer_in_team)
    assert not AppointmentOffer.objects.exists()


def test_choosing_by_the_signed_link_books_once_linked_to_the_case(client, assessment, badge_case, officer_in_team,
                                                                   key, notify_templates):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    url = reverse("community:offer", args=[offer_token(offer)])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Choose a time" in body and "Donna" not in body and badge_case.reference not in body  # names no one
    first, second = offer.slots[0], offer.slots[1]
    k = key()
    done = client.post(url, {"slot": first, "submission_key": k})
    assert done.status_code == 200 and "Appointment booked" in done.content.decode()
    again = client.post(url, {"slot": first, "submission_key": k})  # the same form twice: one booking
    assert again.status_code == 200 and "Appointment booked" in again.content.decode()
    other = client.post(url, {"slot": second, "submission_key": key()})
    assert "A time has already been chosen" in other.content.decode()
    appointment = Appointment.objects.get()
    assert appointment.case_reference == badge_case.reference and appointment.customer == badge_case.customer
    offer.refresh_from_db()
    assert offer.status == AppointmentOffer.Status.TAKEN and offer.appointment == appointment
    assert OutboundMessage.objects.filter(idempotency_key=f"community:appointment:{appointment.pk}:booked").count() == 1
    # The officer who offered is told, and the case page shows the booking.
    assert OutboundMessage.objects.filter(recipient=officer_in_team.email, template_code="staff-alert",
                                          subject__contains=badge_case.reference).exists()
    client.force_login(officer_in_team)
    case_page = client.get(reverse("casework:case", args=[badge_case.reference])).content.decode()
    assert 'id="case-appointments"' in case_page and appointment.reference in case_page


def test_forged_or_altered_links_are_refused(client, assessment, badge_case, officer_in_team, key):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    token = offer_token(offer)
    for bad in (token[:-2] + "xx", "nonsense", "a" * 400):
        page = client.get(reverse("community:offer", args=[bad]))
        assert page.status_code == 404 and "not valid" in page.content.decode()
    page = client.post(reverse("community:offer", args=[token[:-1] + "0"]), {"slot": offer.slots[0],
                                                                             "submission_key": key()})
    assert page.status_code == 404 and not Appointment.objects.exists()


def test_a_time_taken_meanwhile_gets_a_clear_answer_and_the_offer_stays_open(client, assessment, badge_case,
                                                                             officer_in_team, key, resident_b):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    first = dt.datetime.fromisoformat(offer.slots[0])
    appointment_book(service=assessment, customer=resident_b.customer, starts_at=first, submission_key=key(),
                     by=resident_b)
    url = reverse("community:offer", args=[offer_token(offer)])
    assert offer.slots[0] not in client.get(url).content.decode()  # only still-free times are shown
    page = client.post(url, {"slot": offer.slots[0], "submission_key": key()})
    assert "just been taken" in page.content.decode()
    offer.refresh_from_db()
    assert offer.status == AppointmentOffer.Status.OPEN
    assert Appointment.objects.filter(customer=badge_case.customer).count() == 0


def test_expired_and_withdrawn_offers(assessment, badge_case, officer_in_team, key):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    AppointmentOffer.objects.filter(pk=offer.pk).update(expires_at=offer.created_at)
    offer.refresh_from_db()
    with pytest.raises(ValidationError, match="expired"):
        appointment_offer_take(offer=offer, starts_at=dt.datetime.fromisoformat(offer.slots[0]),
                               submission_key=key(), by=None)
    _offer(badge_case, assessment, officer_in_team, key)
    offer.refresh_from_db()
    with pytest.raises(ValidationError, match="withdrawn"):
        appointment_offer_take(offer=offer, starts_at=dt.datetime.fromisoformat(offer.slots[0]),
                               submission_key=key(), by=None)
    assert not Appointment.objects.exists()


def test_a_time_not_offered_is_refused(assessment, badge_case, officer_in_team, key):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    not_offered = slots(assessment)[5]
    with pytest.raises(ValidationError, match="Choose one of the times shown"):
        appointment_offer_take(offer=offer, starts_at=not_offered, submission_key=key(), by=None)


def test_the_customer_chooses_in_their_account_and_others_get_404(client, assessment, badge_case, officer_in_team,
                                                                  key, donna, resident_b, notify_templates):
    offer = _offer(badge_case, assessment, officer_in_team, key)
    client.force_login(donna.user)
    home = client.get(reverse("community_account:home")).content.decode()
    assert reverse("community_account:offer", args=[offer.pk]) in home
    url = reverse("community_account:offer", args=[offer.pk])
    done = client.post(url, {"slot": offer.slots[1], "submission_key": key()})
    appointment = Appointment.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("community_account:appointment",
                                                                   args=[appointment.reference])
    client.force_login(resident_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": offer.slots[2], "submission_key": key()}).status_code == 404


def test_the_officers_offer_page(client, assessment, badge_case, officer_in_team, officer_outside_team, resident_b,
                                 key, notify_templates, django_assert_max_num_queries):
    url = reverse("community_staff:offer_new", args=[badge_case.reference])
    client.force_login(officer_in_team)
    case_page = client.get(reverse("casework:case", args=[badge_case.reference])).content.decode()
    assert url in case_page
    with django_assert_max_num_queries(25):
        page = client.get(url)
    assert page.status_code == 200
    free = [s.isoformat() for s in slots(assessment)[:2]]
    k = key()
    empty = client.post(url, {"submission_key": key()})
    assert "Choose at least one time to offer" in empty.content.decode()
    hostile = client.post(url, {"slots": free, "message": "<script>alert(1)</script>" * 40, "submission_key": key()})
    assert "500 characters" in hostile.content.decode()
    for _ in range(2):
        done = client.post(url, {"slots": free, "message": "<script>alert(1)</script>", "submission_key": k})
        assert done.status_code == 302
    offer = AppointmentOffer.objects.get()
    assert offer.message == "<script>alert(1)</script>"
    link = reverse("community:offer", args=[offer_token(offer)])
    body = client.get(link).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    client.force_login(officer_outside_team)
    assert client.get(url).status_code == 404
    client.force_login(resident_b)
    assert client.get(url).status_code in (302, 403, 404)
    client.logout()
    assert client.get(url).status_code == 302


def test_signed_link_page_query_count(client, assessment, badge_case, officer_in_team, key,
                                      django_assert_max_num_queries):
    offer = _offer(badge_case, assessment, officer_in_team, key, n=12)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("community:offer", args=[offer_token(offer)])).status_code == 200


# --- no double booking, with real concurrency on PostgreSQL ---------------------------------------------------

def _race(n, work):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as exc:  # kept for the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_offer_chosen_from_many_tabs_at_once_makes_one_appointment(team, notify_templates):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the offer race test needs PostgreSQL (set DATABASE_URL)")
    officer = f.UserFactory(email="race.officer@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=team, user=officer)
    user = f.UserFactory(email="race.customer@example.org")
    customer = f.CustomerFactory(user=user, email=user.email)
    service = AppointmentService.objects.create(code="race", name="Race", description="d", team=team,
                                                opens_at=dt.time(9), closes_at=dt.time(17), slot_minutes=30,
                                                cutoff_hours=1)
    case = CaseFactory(service=ServiceFactory(code="race-case", team=team), customer=customer)
    offer = appointment_offer_create(case=case, service=service, starts=slots(service)[:6], message="",
                                     submission_key="race-offer-000000000", by=officer)
    starts = [dt.datetime.fromisoformat(s) for s in offer.slots]
    results = _race(6, lambda i: appointment_offer_take(offer=offer, starts_at=starts[i],
                                                        submission_key=f"race-take-{i:03d}-abcdefgh", by=None))
    made = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 5, results
    assert all("already been chosen" in r.messages[0] for r in refused)
    assert Appointment.objects.filter(service=service).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_customers_offered_the_same_time_get_one_booking(team, notify_templates):
    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the offer race test needs PostgreSQL (set DATABASE_URL)")
    officer = f.UserFactory(email="race.officer2@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=team, user=officer)
    service = AppointmentService.objects.create(code="race2", name="Race", description="d", team=team,
                                                opens_at=dt.time(9), closes_at=dt.time(17), slot_minutes=30,
                                                cutoff_hours=1, desks=1)
    offers = []
    for i in range(8):
        user = f.UserFactory(email=f"race.c{i}@example.org")
        customer = f.CustomerFactory(user=user, email=user.email)
        case = CaseFactory(service=ServiceFactory(code="race-case2", team=team), customer=customer)
        offers.append(appointment_offer_create(case=case, service=service, starts=slots(service)[:1], message="",
                                               submission_key=f"race-offer2-{i:03d}-abcdef", by=officer))
    start = dt.datetime.fromisoformat(offers[0].slots[0])
    results = _race(8, lambda i: appointment_offer_take(offer=offers[i], starts_at=start,
                                                        submission_key=f"race-take2-{i:03d}-abcdef", by=None))
    made = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 7, results
    assert all("just been taken" in r.messages[0] for r in refused)
    assert Appointment.objects.filter(service=service, status="booked").count() == 1
    assert AppointmentOffer.objects.filter(status="open").count() == 7  # they may choose again when offered more
