"""The pages through the test client: bad, hostile and duplicate input, the acting-for journey, constant queries."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Booking, ChangeRequest, Signposting, SupportPerson
from community.tasks import confirmations_run
from oxtom.customers.models import Customer, Interaction
from oxtom.notify.models import OutboundMessage

from .conftest import make_event, make_service

pytestmark = pytest.mark.django_db


def submission_key(page: str) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', page).group(1)


def book_page(client, event):
    response = client.get(reverse("community:event_book", args=[event.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_donna_books_her_mother_and_a_resend_is_one_booking(client_for, event, donna, dorothy, notify_templates):
    client = client_for(donna.user)
    page = book_page(client, event)
    assert "Dorothy (Mother)" in page
    data = {"who": str(dorothy.pk), "access_needs": "", "submission_key": submission_key(page)}
    first = client.post(reverse("community:event_book", args=[event.pk]), data)
    booking = Booking.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("community_account:booking", args=[booking.reference])
    again = client.post(reverse("community:event_book", args=[event.pk]), data)
    assert again.status_code == 302 and Booking.objects.count() == 1
    detail = client.get(first["Location"]).content.decode()
    assert "Booked" in detail and "Dorothy" in detail and booking.reference in detail
    ics = client.get(reverse("community_account:booking_calendar", args=[booking.reference]))
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content


@pytest.mark.parametrize("data,message", [
    ({"who": ""}, "Select who the place is for"),
    ({"who": "999999"}, "Select who the place is for"),
    ({"who": "self", "access_needs": "x" * 501}, "500 characters or fewer"),
])
def test_booking_form_bad_input_saves_nothing(client_for, event, donna, dorothy, data, message):
    client = client_for(donna.user)
    page = book_page(client, event)
    response = client.post(reverse("community:event_book", args=[event.pk]),
                           {"submission_key": submission_key(page), **data})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "There is a problem" in body and "<title>Error: " in body
    assert not Booking.objects.exists()


def test_a_nul_byte_is_refused_at_the_request_edge_and_books_nothing(client_for, event, donna, dorothy):
    """A NUL byte never reaches the form: the request edge (oxtom/core/hygiene.py) answers 400 with a message."""
    client = client_for(donna.user)
    page = book_page(client, event)
    response = client.post(reverse("community:event_book", args=[event.pk]),
                           {"submission_key": submission_key(page), "who": "self", "access_needs": "<script>\x00</script>"})
    assert response.status_code == 400 and "<script>" not in response.content.decode()
    assert not Booking.objects.exists()


def test_another_residents_person_cannot_be_booked(client_for, event, dorothy, resident_b):
    client = client_for(resident_b)
    page = book_page(client, event)
    response = client.post(reverse("community:event_book", args=[event.pk]),
                           {"who": str(dorothy.pk), "submission_key": submission_key(page)})
    assert response.status_code == 200 and "Select who the place is for" in response.content.decode()
    assert not Booking.objects.exists()


def test_adviser_books_for_a_resident_in_an_acting_for_session(client_for, adviser, event, donna, dorothy,
                                                                notify_templates):
    client = client_for(adviser)
    client.post(reverse("assist:session_start", args=[donna.reference]), {"channel": "phone", "customer_present": "yes"})
    page = book_page(client, event)
    assert "Dorothy" in page and "You are acting for" in page
    response = client.post(reverse("community:event_book", args=[event.pk]),
                           {"who": str(dorothy.pk), "submission_key": submission_key(page)})
    booking = Booking.objects.get()
    assert response.status_code == 302 and booking.booker == donna and booking.on_behalf_of
    assert booking.booked_by == adviser
    entry = Interaction.objects.get(customer=donna, kind="community.booked")
    assert entry.on_behalf_of and entry.channel == "phone" and entry.actor == adviser
    assert client.get(reverse("community_account:booking", args=[booking.reference])).status_code == 200


def test_search_page_bad_input_is_explained(client):
    response = client.get("/community/?postcode=NOT+A+POSTCODE&age=abc&time=99:99&day=9&q=" + "x" * 101)
    body = response.content.decode()
    assert response.status_code == 200
    for message in ("Enter a real postcode", "Age must be a whole number", "Enter a real time",
                    "Select a day from the list", "100 characters or fewer"):
        assert message in body
    assert "None" not in re.sub(r"<[^>]+>", "", body)


def test_find_page_queries_are_constant(client_for, services, donna, dorothy, group, places, county_cover):
    client = client_for(donna.user)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    urls = ["/community/", "/community/?postcode=OX4+1AB&need=loneliness&day=1", "/account/community/"]
    before = [count(u) for u in urls]
    for i in range(15):
        service = make_service(group, f"Extra {i}", place=places["near"], terms=("loneliness", "older-people"))
        make_event(service)
    assert [count(u) for u in urls] == before


def test_partner_and_staff_lists_cost_constant_queries(client_for, services, partner, moderator, group, places):
    from community.services.directory import snapshot
    from community.services.moderation import change_propose

    def count(client, url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    p, m = client_for(partner), None
    before_partner = count(p, "/community/partner/")
    m = client_for(moderator)
    before_staff = count(m, "/staff/community/")
    for i in range(6):
        service = make_service(group, f"Mine {i}", place=places["near"])
        make_event(service)
        change_propose(organisation=group, service=service, by=partner, data={**snapshot(service), "name": f"New {i}"})
    assert count(client_for(partner), "/community/partner/") == before_partner
    assert count(client_for(moderator), "/staff/community/") == before_staff


def test_partner_edit_goes_through_moderation_in_the_pages(client_for, services, partner, moderator, notify_templates):
    social = services["social"]
    client = client_for(partner)
    page = client.get(reverse("community:partner_service_edit", args=[social.pk])).content.decode()
    form = {"name": "Social Connections", "description": "Now with singing", "status": "active",
            "terms": ["loneliness"], "locations": [str(social.at_locations.first().location.uuid)],
            "opening": "Tuesday 10:00-12:00", "is_free": "on", "submission_key": submission_key(page)}
    response = client.post(reverse("community:partner_service_edit", args=[social.pk]), form)
    assert response.status_code == 302
    change = ChangeRequest.objects.get(status="pending")
    social.refresh_from_db()
    assert social.description == "Social Connections description"
    staff = client_for(moderator)
    page = staff.get(reverse("community_staff:change", args=[change.pk])).content.decode()
    assert "Now with singing" in page and "Changed" in page
    response = staff.post(reverse("community_staff:change", args=[change.pk]),
                          {"decision": "approve", "submission_key": submission_key(page)})
    assert response.status_code == 302
    social.refresh_from_db()
    assert social.description == "Now with singing"
    assert "Now with singing" in client_for(None).get(reverse("community:service", args=[social.pk])).content.decode()


def test_partner_form_hostile_input_keeps_every_word(client_for, services, partner):
    social = services["social"]
    client = client_for(partner)
    long = "word " * 1000
    response = client.post(reverse("community:partner_service_edit", args=[social.pk]), {
        "name": "Bad\u202ename", "description": long, "terms": [], "locations": [], "url": "javascript:x"})
    body = response.content.decode()
    assert response.status_code == 200 and not ChangeRequest.objects.exists()
    # The bidi override is stripped at the request edge (oxtom/core/hygiene.py), so the name reads "Badname".
    for message in ("4,000 characters or fewer", "Select at least one place", "https://"):
        assert message in body
    assert long.strip()[:200] in body and "Badname" in body and "\u202e" not in body


def test_moderator_reject_needs_a_reason(client_for, services, partner, moderator):
    from community.services.directory import snapshot
    from community.services.moderation import change_propose

    social = services["social"]
    change = change_propose(organisation=social.organisation, service=social, by=partner,
                            data={**snapshot(social), "name": "Other"})
    response = client_for(moderator).post(reverse("community_staff:change", args=[change.pk]),
                                          {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and "Enter a reason, so the partner" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "pending"
    # A POST with nothing in it (no decision) asks for one, and decides nothing.
    response = client_for(moderator).post(reverse("community_staff:change", args=[change.pk]), {})
    assert response.status_code == 200 and "Select approve or not approve" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "pending"


def test_people_form(client_for, donna, taxonomy):
    client = client_for(donna.user)
    bad = client.post(reverse("community_account:person_new"), {"name": "", "age": "200", "needs": ["carers"]})
    assert bad.status_code == 200 and not SupportPerson.objects.exists()
    body = bad.content.decode()
    assert "Enter their name" in body and "between 0 and 120" in body
    bad = client.post(reverse("community_account:person_new"), {"name": "Sam", "needs": ["nope"]})
    assert "Select needs from the list" in bad.content.decode() and not SupportPerson.objects.exists()
    ok = client.post(reverse("community_account:person_new"), {"name": "Sam", "relationship": "Son", "age": "3",
                                                               "needs": ["early-years"]})
    assert ok.status_code == 302
    assert SupportPerson.objects.get().needs.get().code == "early-years"


def test_organisation_create_refuses_duplicates(client_for, moderator, group):
    client = client_for(moderator)
    response = client.post(reverse("community_staff:organisation_new"), {"name": group.name, "description": "x",
                                                                         "kind": "voluntary"})
    assert response.status_code == 200 and "already in the directory" in response.content.decode()


def test_adviser_signposts_and_it_is_on_the_timeline(client_for, adviser, services, donna, notify_templates):
    client = client_for(adviser)
    response = client.post(reverse("community_staff:signpost", args=[donna.reference]),
                           {"service": str(services["social"].pk), "channel": "email"})
    assert response.status_code == 302
    row = Signposting.objects.get()
    assert row.customer == donna and row.by == adviser
    assert OutboundMessage.objects.filter(customer=donna, body__contains="Social Connections").exists()
    assert Interaction.objects.filter(customer=donna, kind="community.signposted").exists()
    bad = client.post(reverse("community_staff:signpost", args=[donna.reference]), {"service": "999", "channel": "fax"})
    assert bad.status_code == 200 and Signposting.objects.count() == 1


def test_unconfirmed_entries_are_flagged_to_the_partner_then_hidden(services, partner, notify_templates):
    import datetime as dt

    from django.utils import timezone

    from community.models import Service

    social = services["social"]
    Service.objects.filter(pk=social.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=366))
    assert confirmations_run() == {"flagged": 1, "hidden": 0}
    assert confirmations_run() == {"flagged": 0, "hidden": 0}  # once
    assert OutboundMessage.objects.filter(recipient=partner.email, body__contains="not been confirmed").count() == 1
    later = timezone.now() + dt.timedelta(days=31)
    assert confirmations_run(now=later) == {"flagged": 0, "hidden": 1}
    social.refresh_from_db()
    assert social.hidden_at and not social.at_locations.first().listed
    from community.services.directory import service_confirm

    service_confirm(service=social, by=partner)
    social.refresh_from_db()
    assert social.is_listed and social.at_locations.first().listed
