"""Report it inside an adviser's acting-for session (issue 10, blocker 3): the report is the customer's,
made by the adviser on the session's channel, audited and on the customer's timeline as done for them."""
from __future__ import annotations

import pytest
from django.urls import reverse

from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent
from oxtom.customers import services as customer_services
from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from portal.models import ReportSubscription, StreetReport

from .conftest import jpeg_bytes
from .test_journey import postcode, upload  # noqa: F401 - the postcode fixture
from .test_selectors import north_of, quick_report


@pytest.fixture(autouse=True)
def _templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


def start_session(client, customer):
    response = client.post(reverse("assist:session_start", args=[customer.reference]),
                           {"channel": "phone", "customer_present": "yes"})
    assert response.status_code == 302, response.content.decode()[:500]


def walk_to_check(client):
    assert client.post("/report/new/").status_code == 302
    assert client.post("/report/type/", {"report_type": "pothole"})["Location"] == "/report/location/"
    assert client.post("/report/location/", {"postcode": "OX16 1AA", "where": "By the bus stop"}).status_code == 302
    response = client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road",
                                                "details": "Deep hole"})
    assert response["Location"] == "/report/photos/"
    assert client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})["Location"] == "/report/check/"


def test_adviser_reports_a_pothole_for_the_customer(client, catalogue, postcode, adviser, resident_a):
    customer = resident_a.customer
    client.force_login(adviser)
    start_session(client, customer)
    walk_to_check(client)
    html = client.get("/report/check/").content.decode()
    assert f"Now send the report for {customer.display_name}" in html
    response = client.post("/report/check/")
    assert response["Location"] == "/report/confirmation/", response.content.decode()[:400]
    report = StreetReport.objects.select_related("case").get()
    case = report.case
    assert case.customer == customer and case.created_by == adviser and case.channel == "phone"
    page = client.get("/report/confirmation/").content.decode()
    assert case.reference in page and "We have sent them a confirmation" in page
    # Audited as the adviser's, on the customer's behalf, like Apply for it.
    audit = AuditEvent.objects.get(target_type="portal.streetreport", target_id=str(report.pk), action="create")
    assert audit.actor == adviser and audit.detail["on_behalf_of"] is True and audit.detail["channel"] == "phone"
    entry = Interaction.objects.get(customer=customer, kind="case.created")
    assert entry.on_behalf_of and entry.actor == adviser and entry.channel == "phone"
    # The customer (not the adviser) is told, and the adviser gets no customer record of their own.
    assert OutboundMessage.objects.filter(customer=customer, template_code="report-received").exists()
    assert not hasattr(adviser, "customer") or adviser.customer is None
    # Sending again (a second click) gives the same report.
    assert client.post("/report/check/")["Location"] in ("/report/confirmation/", "/report/type/", "/report/")
    assert StreetReport.objects.count() == 1


def test_the_customer_sees_it_as_done_for_them(client, catalogue, postcode, adviser, resident_a):
    client.force_login(adviser)
    start_session(client, resident_a.customer)
    walk_to_check(client)
    client.post("/report/check/")
    reference = Case.objects.get().reference
    client.logout()
    client.force_login(resident_a)
    assert reference in client.get("/report/your-reports/").content.decode()
    assert reference in client.get("/account/details/done-for-you/").content.decode()


def test_a_draft_started_for_nobody_is_not_sent_for_the_customer(client, catalogue, postcode, adviser, resident_a):
    client.force_login(adviser)
    assert client.post("/report/new/").status_code == 302
    client.post("/report/type/", {"report_type": "pothole"})
    start_session(client, resident_a.customer)
    # The draft belonged to no one: it starts again for the customer.
    assert client.get("/report/location/")["Location"] == "/report/type/"
    walk_to_check(client)
    client.post("/report/check/")
    assert Case.objects.get().customer == resident_a.customer


def test_a_draft_for_one_customer_is_not_sent_for_another(client, catalogue, postcode, adviser, resident_a, resident_b):
    client.force_login(adviser)
    start_session(client, resident_a.customer)
    walk_to_check(client)
    from oxtom.customers.models import AssistedSession

    customer_services.assisted_session_end(session=AssistedSession.objects.get(), by=adviser)
    start_session(client, resident_b.customer)  # the next call
    assert client.post("/report/check/")["Location"] == "/report/type/"
    assert not Case.objects.exists()


def test_not_allowed_to_act_for_customers_cannot_report_for_one(catalogue, resident_a, resident_b, officer_in_team):
    from django.core.exceptions import PermissionDenied

    from portal import services

    from .conftest import HERE, POTHOLE_OK

    for user in (resident_b, None):
        with pytest.raises(PermissionDenied):
            services.report_create(report_type=catalogue["pothole"], customer=resident_a.customer, latitude=HERE[0],
                                   longitude=HERE[1], answers=dict(POTHOLE_OK), photos=[], by=user,
                                   channel="phone", on_behalf_of=True, photos_optional=True)
    assert not Case.objects.exists()


def test_adviser_follows_and_unfollows_for_the_customer(client, pothole, adviser, resident_a, resident_b):
    report = quick_report(pothole, north_of(0))
    client.force_login(adviser)
    start_session(client, resident_a.customer)
    response = client.post(f"/reports/{report.case.reference}/follow/")
    assert response.status_code == 302
    assert ReportSubscription.objects.filter(report=report, customer=resident_a.customer).exists()
    entry = Interaction.objects.get(customer=resident_a.customer, kind="report.followed")
    assert entry.on_behalf_of and entry.actor == adviser and entry.channel == "phone"
    client.post(f"/reports/{report.case.reference}/unfollow/")
    assert not ReportSubscription.objects.filter(report=report).exists()
    assert Interaction.objects.get(customer=resident_a.customer, kind="report.unfollowed").on_behalf_of


def test_reopening_inside_a_session_is_refused_and_saves_nothing(client, make_report, adviser, resident_a):
    report = make_report()
    client.force_login(adviser)
    start_session(client, resident_a.customer)
    response = client.post(f"/reports/{report.case.reference}/reopen/", {"reason": "Still there"})
    assert response.status_code == 403 and "Nothing was saved" in response.content.decode()


def test_ending_the_session_forgets_the_customers_draft(client, catalogue, postcode, adviser, resident_a):
    from oxtom.customers.models import AssistedSession

    client.force_login(adviser)
    start_session(client, resident_a.customer)
    walk_to_check(client)
    customer_services.assisted_session_end(session=AssistedSession.objects.get(), by=adviser)
    # Now the adviser is themselves again: the customer's draft is not sent as the adviser's.
    assert client.post("/report/check/")["Location"] == "/report/type/"
    assert not Case.objects.exists()
