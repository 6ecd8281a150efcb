"""Smaller Report it faults (issue 10): the location description is never cut without a word, and a
follower can stop following a report (a plain form, no JavaScript)."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oxtom.customers.models import Interaction
from oxtom.notify.models import OutboundMessage
from portal import services
from portal.models import ReportStatus, ReportSubscription, StreetReport

from .test_journey import postcode  # noqa: F401 - the postcode fixture
from .test_selectors import north_of, quick_report

LONG = ("Outside the bus shelter opposite the church, on the northbound side, about ten metres before the "
        "zebra crossing, next to the green telecoms cabinet with a sticker on it, under the oak tree by the "
        "bench. The end of this sentence must not be lost.")


def start(client, code="pothole"):
    client.post("/report/new/")
    client.post("/report/type/", {"report_type": code})


def test_a_long_location_description_is_refused_with_a_message_and_kept(client, catalogue, postcode):  # noqa: F811
    assert len(LONG) > 200
    start(client)
    page = client.get("/report/location/").content.decode()
    assert 'maxlength="200"' not in page  # a browser would cut it silently
    response = client.post("/report/location/", {"postcode": "OX16 1AA", "where": LONG})
    assert response.status_code == 200
    html = response.content.decode()
    assert "must be 200 characters or fewer" in html and f"it has {len(LONG)}" in html
    assert "The end of this sentence must not be lost." in html  # what they typed is still in the box
    assert "Error:" in html


def test_the_street_choice_form_refuses_a_long_description_too():
    from portal.forms import StreetChoiceForm

    form = StreetChoiceForm({"choice": "", "where": LONG}, streets=[])
    assert not form.is_valid() and "must be 200 characters or fewer" in form.errors["where"][0]
    assert "maxlength" not in str(form["where"])


def test_exactly_200_characters_is_kept_whole_on_the_report(client, catalogue, postcode, resident_a):  # noqa: F811
    from .conftest import jpeg_bytes
    from .test_journey import upload

    words = ("x" * 199) + "!"
    start(client)
    assert client.post("/report/location/", {"postcode": "OX16 1AA", "where": words}).status_code == 302
    client.post("/report/details/", {"depth_mm": "55", "width_mm": "400", "position": "road"})
    client.post("/report/photos/", {"photo_1": upload(jpeg_bytes())})
    client.force_login(resident_a)
    assert client.post("/report/check/")["Location"] == "/report/confirmation/"
    assert StreetReport.objects.get().location_text == f"OX16 1AA {words}"


def test_the_street_page_offers_location_only_with_javascript(client, catalogue):
    start(client)
    html = client.get("/report/location/street/").content.decode()
    assert '<span data-js-only="geolocation" hidden> or use your location</span>' in html


# --- stop following --------------------------------------------------------------------------------

@pytest.fixture
def followed(pothole, resident_b):
    report = quick_report(pothole, north_of(0))
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    return report


def test_unfollow_service_stops_messages_and_is_on_the_timeline(followed, resident_b, officer_in_team):
    assert services.report_unsubscribe(report=followed, customer=resident_b.customer, by=resident_b)
    assert not ReportSubscription.objects.filter(report=followed).exists()
    assert Interaction.objects.filter(customer=resident_b.customer, kind="report.unfollowed").exists()
    assert not services.report_unsubscribe(report=followed, customer=resident_b.customer, by=resident_b)  # twice
    assert Interaction.objects.filter(customer=resident_b.customer, kind="report.unfollowed").count() == 1


def test_the_reporter_cannot_unfollow_their_own_report(make_report, resident_a):
    report = make_report()
    with pytest.raises(ValidationError):
        services.report_unsubscribe(report=report, customer=resident_a.customer, by=resident_a)


def test_unfollow_from_the_report_page_without_javascript(client, followed, resident_b):
    client.force_login(resident_b)
    page = client.get(f"/reports/{followed.case.reference}/").content.decode()
    assert "Stop getting updates on this report" in page
    response = client.post(f"/reports/{followed.case.reference}/unfollow/")
    assert response["Location"] == f"/reports/{followed.case.reference}/"
    page = client.get(response["Location"]).content.decode()
    assert "no longer following this report" in page and "Get updates on this report" in page
    assert not ReportSubscription.objects.exists()
    # Twice (a second tab, the back button): harmless, and says so.
    client.post(f"/reports/{followed.case.reference}/unfollow/")
    assert "were not following this report" in client.get(f"/reports/{followed.case.reference}/").content.decode()


def test_unfollow_from_your_reports(client, followed, resident_b):
    client.force_login(resident_b)
    page = client.get("/report/your-reports/").content.decode()
    assert "Stop following" in page
    response = client.post(f"/reports/{followed.case.reference}/unfollow/", {"next": "your-reports"})
    assert response["Location"] == "/report/your-reports/"


def test_unfollow_a_closed_report(client, pothole, resident_b):
    report = quick_report(pothole, north_of(0))
    ReportSubscription.objects.create(report=report, customer=resident_b.customer)
    StreetReport.objects.filter(pk=report.pk).update(public_status=ReportStatus.FIXED)
    client.force_login(resident_b)
    client.post(f"/reports/{report.case.reference}/unfollow/")
    assert not ReportSubscription.objects.exists()


@pytest.mark.parametrize("reference", ["HW-2026-NOSUCH", "x" * 500, "<script>"])
def test_unfollow_bad_references_are_404(client, resident_b, reference):
    client.force_login(resident_b)
    assert client.post(f"/reports/{reference}/unfollow/").status_code == 404


def test_unfollow_needs_sign_in_and_post(client, followed, resident_b):
    response = client.post(f"/reports/{followed.case.reference}/unfollow/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(resident_b)
    assert client.get(f"/reports/{followed.case.reference}/unfollow/").status_code == 405
    assert ReportSubscription.objects.exists()


def test_after_unfollowing_no_update_is_sent(make_report, resident_b, officer_in_team):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    report = make_report()
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    services.report_unsubscribe(report=report, customer=resident_b.customer, by=resident_b)
    services.report_change_status(report=report, status=ReportStatus.ACCEPTED, expected_version=report.case.version,
                                  by=officer_in_team, public_text="An inspector will visit")
    assert not OutboundMessage.objects.filter(customer=resident_b.customer, template_code="report-update").exists()
    assert OutboundMessage.objects.filter(customer=report.case.customer,
                                          template_code__in=["report-update", "report-feedback"]).exists()
