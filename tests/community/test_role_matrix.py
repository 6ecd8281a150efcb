"""One role matrix for every community URL (public, residents', partners', moderators', Open Referral), GET and POST.

A URL added to community's URLconfs without a row here fails test_every_community_url_is_in_the_matrix.
Refused POSTs change nothing (bookings, changes, services and people are compared before and after).
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver

from community.models import Appointment, Booking, ChangeRequest, Event, Service, SupportPerson
from community.services.bookings import booking_create
from community.services.directory import snapshot
from community.services.moderation import change_propose
from community.services.people import person_save
from oxtom.customers.models import Customer

from .conftest import make_event

ROLES = ["anonymous", "resident_a", "resident_b", "adviser", "officer_in_team", "partner", "other_partner",
         "moderator", "administrator"]
SIGNED_IN = set(ROLES) - {"anonymous"}
LOGIN = "login"
PUBLIC = {r: 200 for r in ROLES}


def signed_in(ok=200):
    return {"anonymous": LOGIN, **{r: ok for r in SIGNED_IN}}


def owner(ok=200):
    return {"anonymous": LOGIN, **{r: ok if r == "resident_a" else 404 for r in SIGNED_IN}}


def partner(ok=200, *, other=404):
    """Partners of the organisation, moderators and administrators; another partner 404; everyone else 403."""
    return {"anonymous": LOGIN, **{r: 403 for r in SIGNED_IN},
            "partner": ok, "other_partner": other, "moderator": ok, "administrator": ok}


def moderator(ok=200):
    return {"anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "moderator": ok, "administrator": ok}


MATRIX = {
    ("community", "find"): ("/community/?postcode=OX4+1AB&need=loneliness", "get", PUBLIC),
    ("community", "service"): ("/community/services/{service}/", "get", PUBLIC),
    ("community", "event"): ("/community/events/{event}/", "get", PUBLIC),
    ("community", "event_book"): ("/community/events/{event}/book/", "get", signed_in()),
    ("community", "partner"): ("/community/partner/", "get", partner(other=200)),
    ("community", "partner_service_new"): ("/community/partner/organisations/{org}/services/new/", "get", partner()),
    ("community", "partner_service_edit"): ("/community/partner/services/{service}/edit/", "get", partner()),
    ("community", "partner_service_confirm"): ("/community/partner/services/{service}/confirm/", "post", partner(302)),
    ("community", "partner_event"): ("/community/partner/events/{event}/", "get", partner()),
    ("community", "partner_event_new"): ("/community/partner/services/{service}/events/new/", "get", partner()),
    ("community", "partner_feedback"): ("/community/partner/feedback/", "get", partner(other=200)),
    ("community_staff", "event_review"): ("/staff/community/events/{pending_event}/", "get", moderator()),
    ("community_staff", "feedback"): ("/staff/community/feedback/", "get", moderator()),
    ("community_staff", "feedback_recent"): ("/staff/community/feedback/recent/?service=a1", "get", moderator()),
    ("community", "partner_event_attendance"): ("/community/partner/events/{event}/attendance/", "post", partner(302)),
    ("community", "partner_event_message"): ("/community/partner/events/{event}/message/", "post", partner(302)),
    ("community", "partner_event_cancel"): ("/community/partner/events/{event}/cancel/", "post", partner(302)),
    ("community", "partner_booking_cancel"): ("/community/partner/events/{event}/bookings/{booking_id}/cancel/",
                                              "post", partner(302)),
    ("community", "appointments"): ("/community/appointments/", "get", PUBLIC),
    ("community", "appointment_new"): ("/community/appointments/{appointment_service}/", "get", signed_in()),
    ("community_account", "appointment"): ("/account/community/appointments/{appointment}/", "get", owner()),
    ("community_account", "appointment_cancel"): ("/account/community/appointments/{appointment}/cancel/", "post",
                                                  owner(302)),
    ("community_account", "appointment_move"): ("/account/community/appointments/{appointment}/move/", "get", owner()),
    # Feedback on one's own appointment: this one is not yet attended, so the owner is told so on the appointment's
    # page (302), others 404.
    ("community_account", "appointment_feedback"): ("/account/community/appointments/{appointment}/feedback/",
                                                    "post", owner(302)),
    ("community_account", "appointment_calendar"): ("/account/community/appointments/{appointment}/calendar.ics",
                                                    "get", owner()),
    # Times offered from a case: the signed link is the key (it names no one); in the account, the customer's own.
    ("community", "offer"): ("/community/appointments/offers/{offer_token}/", "get", PUBLIC),
    ("community_account", "offer"): ("/account/community/offers/{offer}/", "get", owner()),
    # Only an officer who may work the case offers times; other staff 404 (the case is not theirs to see).
    ("community_staff", "offer_new"): ("/staff/community/cases/{case}/offer/", "get", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 404, "officer_in_team": 200, "moderator": 404,
        "administrator": 200}),
    # Staff see the appointments of their teams' services (others' answer 404, a directory moderator's too:
    # an appointment is the team's business); everyone else 403.
    ("community_staff", "appointments"): ("/staff/community/appointments/", "get", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 200, "officer_in_team": 200, "moderator": 200,
        "administrator": 200}),
    ("community_staff", "appointment_mark"): ("/staff/community/appointments/{appointment_id}/mark/", "post", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 404, "officer_in_team": 302, "moderator": 404,
        "administrator": 302}),
    ("community_staff", "appointment_move"): ("/staff/community/appointments/{appointment_id}/move/", "get", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 404, "officer_in_team": 200, "moderator": 404,
        "administrator": 200}),
    ("community_staff", "appointment_cancel"): ("/staff/community/appointments/{appointment_id}/cancel/", "post", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 404, "officer_in_team": 302, "moderator": 404,
        "administrator": 302}),
    # A service's officers, rooms, hours and absences: its team's leader and the services' administrator only
    # (an officer of the team, an adviser or a moderator 404); everyone else 403.
    **{("community_staff", name): (path, "get", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 404, "officer_in_team": 404, "moderator": 404,
        "administrator": 200}) for name, path in [
        ("resource_services", "/staff/community/appointment-services/"),
        ("resources", "/staff/community/appointment-services/{callback_id}/"),
        ("resource_new", "/staff/community/appointment-services/{callback_id}/new/"),
        ("resource", "/staff/community/appointment-services/{callback_id}/{room}/"),
        ("resource_hours", "/staff/community/appointment-services/{callback_id}/{room}/hours/"),
        ("absence_new", "/staff/community/appointment-services/{callback_id}/{room}/absences/new/"),
        ("absence", "/staff/community/appointment-services/{callback_id}/{room}/absences/{absence}/")]},
    ("community_account", "home"): ("/account/community/", "get", signed_in()),
    ("community_account", "booking"): ("/account/community/bookings/{booking}/", "get", owner()),
    ("community_account", "booking_cancel"): ("/account/community/bookings/{booking}/cancel/", "post", owner(302)),
    ("community_account", "booking_accept"): ("/account/community/bookings/{booking}/accept/", "post", owner(302)),
    ("community_account", "booking_pay"): ("/account/community/bookings/{booking}/pay/", "post", owner(302)),
    ("community_account", "booking_calendar"): ("/account/community/bookings/{booking}/calendar.ics", "get", owner()),
    ("community_account", "booking_feedback"): ("/account/community/bookings/{booking}/feedback/", "post", owner()),
    ("community_account", "self"): ("/account/community/you/", "get", signed_in()),
    ("community_account", "person_new"): ("/account/community/people/new/", "get", signed_in()),
    ("community_account", "person"): ("/account/community/people/{person}/", "get", owner()),
    ("community_account", "person_remove"): ("/account/community/people/{person}/remove/", "post", owner(302)),
    ("community_staff", "home"): ("/staff/community/", "get", moderator()),
    ("community_staff", "change"): ("/staff/community/changes/{change}/", "get", moderator()),
    ("community_staff", "organisation_new"): ("/staff/community/organisations/new/", "get", moderator()),
    ("community_staff", "organisation"): ("/staff/community/organisations/{org}/", "get", moderator()),
    # Advisers signpost from the contact log (CONTACT_LOG); an officer sees only the records behind their work,
    # and Alice has a case in the officer's team here (the offer of times below), so the officer may.
    ("community_staff", "signpost"): ("/staff/community/signpost/{customer}/", "get", {
        "anonymous": LOGIN, **{r: 403 for r in SIGNED_IN}, "adviser": 200, "officer_in_team": 200,
        "administrator": 200}),
    ("openreferral", "root"): ("/openreferral/", "get", PUBLIC),
    ("openreferral", "services"): ("/openreferral/services", "get", PUBLIC),
    ("openreferral", "service"): ("/openreferral/services/{service_uuid}", "get", PUBLIC),
    ("openreferral", "taxonomies"): ("/openreferral/taxonomies", "get", PUBLIC),
    ("openreferral", "taxonomy"): ("/openreferral/taxonomies/{taxonomy_uuid}", "get", PUBLIC),
    ("openreferral", "taxonomy_terms"): ("/openreferral/taxonomy_terms", "get", PUBLIC),
    ("openreferral", "taxonomy_term"): ("/openreferral/taxonomy_terms/{term_uuid}", "get", PUBLIC),
    ("openreferral", "service_at_locations"): ("/openreferral/service_at_locations", "get", PUBLIC),
    ("openreferral", "service_at_location"): ("/openreferral/service_at_locations/{sal_uuid}", "get", PUBLIC),
}


def _names(urlconf: str, namespace: str) -> set[tuple[str, str]]:
    return {(namespace, p.name) for p in get_resolver(urlconf).url_patterns if p.name}


def test_every_community_url_is_in_the_matrix():
    names = (_names("community.urls", "community") | _names("community.account_urls", "community_account")
             | _names("community.staff_urls", "community_staff")
             | _names("community.openreferral_urls", "openreferral"))
    assert names == set(MATRIX)


@pytest.fixture
def world(services, partner, other_partner, resident_a, moderator, key, notify_templates, team, officer_in_team):
    alice = Customer.objects.get(user=resident_a)
    person = person_save(customer=alice, person=None, by=resident_a, data={"name": "Gran", "needs": ["carers"]})
    social = services["social"]
    event = make_event(social)
    booking = booking_create(event=event, booker=alice, attendee=person, submission_key=key(), by=resident_a)
    change = change_propose(organisation=social.organisation, service=social, by=partner,
                            data={**snapshot(social), "name": "Renamed"})
    from community.models import AppointmentService
    from community.services.appointments import appointment_book, slots

    callback = AppointmentService.objects.create(code="callback", name="Callback", description="We call you",
                                                 team=team, opens_at=dt.time(9), closes_at=dt.time(17), slot_minutes=30)
    appointment = appointment_book(service=callback, customer=alice, starts_at=slots(callback)[0],
                                   submission_key=key(), by=resident_a)
    sal = social.at_locations.first()
    term = social.terms.first()
    from community.services.offers import appointment_offer_create, offer_token
    from tests.casework.factories import CaseFactory, ServiceFactory

    case = CaseFactory(service=ServiceFactory(code="matrix-case", team=team), customer=alice)
    from community.services.events import event_propose

    loc = social.at_locations.first().location_id
    [pending] = event_propose(service=social, by=partner, submission_key=key(), data={
        "title": "Pending", "location": loc, "date": dt.date.today() + dt.timedelta(days=9), "starts": dt.time(10),
        "ends": dt.time(11), "capacity": 5})
    offer = appointment_offer_create(case=case, service=callback, starts=slots(callback)[1:4], message="",
                                     submission_key=key(), by=officer_in_team)
    from community.models import AppointmentResource, ResourceAbsence

    room = AppointmentResource.objects.create(service=callback, name="Room 1", kind="room")
    absence = ResourceAbsence.objects.create(resource=room, **ResourceAbsence.whole_days(
        dt.date.today() + dt.timedelta(days=40), dt.date.today() + dt.timedelta(days=40)))
    return {"callback_id": callback.pk, "room": room.pk, "absence": absence.pk,
            "service": social.pk, "event": event.pk, "org": social.organisation_id, "booking": booking.reference,
            "booking_id": booking.pk, "person": person.pk, "change": change.pk, "customer": alice.reference,
            "service_uuid": social.uuid, "sal_uuid": sal.uuid, "term_uuid": term.uuid,
            "taxonomy_uuid": term.taxonomy.uuid, "appointment_service": callback.code,
            "appointment": appointment.reference, "appointment_id": appointment.pk, "case": case.reference,
            "offer": offer.pk, "offer_token": offer_token(offer), "pending_event": pending.pk}


def _snapshot():
    return (list(Booking.objects.order_by("pk").values_list("pk", "status", "attended")),
            list(ChangeRequest.objects.order_by("pk").values_list("pk", "status")),
            list(Service.objects.order_by("pk").values_list("pk", "version", "confirmed_at")),
            list(Event.objects.order_by("pk").values_list("pk", "status")),
            list(SupportPerson.objects.order_by("pk").values_list("pk", "name")),
            list(Appointment.objects.order_by("pk").values_list("pk", "status")))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key_", sorted(MATRIX), ids=[f"{ns}:{name}" for ns, name in sorted(MATRIX)])
def test_role_matrix(request, client_for, world, role, key_):
    path, method, expected = MATRIX[key_]
    url = path.format(**world)
    client = client_for(None if role == "anonymous" else request.getfixturevalue(role))
    before = _snapshot()
    if method == "get":
        response = client.get(url)
    else:
        data = {"reason": "The hall is closed.", "message": "Bring a coat.", "rating": "5", "attended": [world["booking_id"]]}
        response = client.post(url, data)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (role, url)
    else:
        assert response.status_code == want, (role, url, response.status_code)
    if method == "post" and (want == LOGIN or want in (403, 404)):
        assert _snapshot() == before, (role, url)
