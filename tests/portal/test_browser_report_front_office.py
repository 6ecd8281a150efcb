"""End to end in Chromium with axe (issue 10): the front office as its users meet Report it.

- an adviser acting for a caller reports a pothole for them (blocker 3);
- an officer asks the reporter for information: the text is in the SMS sink, the resident replies from
  their account, and the public report page never shows the question or the reply (blocker 4);
- a street light with its wiring showing interrupts the journey with the number to call (item 13);
- a follower stops following a report without JavaScript.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from oxtom.cases.models import Case, Priority, Status
from oxtom.customers.models import Customer, Interaction
from oxtom.notify.models import OutboundMessage
from portal.models import ReportSubscription, StreetReport
from tests.browser_support import _new_context, _new_page, assert_accessible, sign_in

from .conftest import jpeg_bytes
from .test_browser_report import check_accessible, click, heading, no_js, postcode  # noqa: F401 - fixtures
from .test_selectors import north_of, quick_report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _templates(transactional_db):
    from oxtom.customers.assist_defaults import seed_message_templates
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    seed_message_templates(MessageTemplate)


def test_adviser_reports_a_pothole_for_a_caller(page, catalogue, postcode, adviser, resident_a):  # noqa: F811
    sign_in(page, adviser)
    page.goto("/staff/assist/")
    page.get_by_label("Search for a customer").fill("Alice Resident")
    click(page, "button", "Search")
    click(page, "link", "Alice Resident")
    click(page, "link", "Act for this customer")
    page.get_by_label("Telephone").check()
    page.locator("#id_customer_present_0").check()
    click(page, "button", "Start session")
    click(page, "link", "Report a street problem")
    assert "You are acting for Alice Resident" in page.locator(".oxtom-assist-banner").inner_text()
    click(page, "button", "Start now")
    page.get_by_label("Pothole").check()
    click(page, "button", "Continue")
    page.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    click(page, "button", "Continue")
    page.get_by_label("How deep is it, in millimetres?").fill("60")
    page.get_by_label("How wide is it at its widest, in millimetres?").fill("400")
    page.get_by_label("In the road").check()
    click(page, "button", "Continue")
    page.set_input_files("#id_photo_1", files=[{"name": "pothole.jpg", "mimeType": "image/jpeg",
                                                "buffer": jpeg_bytes()}])
    click(page, "button", "Continue")
    assert "Now send the report for Alice Resident" in page.locator("main").inner_text()
    page.screenshot(path="/tmp/h3-adviser-check.png", full_page=True)
    click(page, "button", "Send report")
    assert page.url.endswith("/report/confirmation/"), page.locator("main").inner_text()[:400]
    report = StreetReport.objects.select_related("case").get()
    assert report.case.customer == resident_a.customer and report.case.created_by == adviser
    assert report.case.channel == "phone"
    assert "We have sent them a confirmation" in page.locator("main").inner_text()
    entry = Interaction.objects.get(customer=resident_a.customer, kind="case.created")
    assert entry.on_behalf_of and entry.actor == adviser
    assert OutboundMessage.objects.filter(customer=resident_a.customer, template_code="report-received").exists()


def test_officer_asks_for_information_and_the_public_never_sees_it(browser, live_server, page, make_report,
                                                                   officer_in_team, resident_a, settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    Customer.objects.filter(pk=resident_a.customer.pk).update(preferred_channel="sms", phone="+447700900123")
    report = make_report()
    reference = report.case.reference
    question = "Is the pothole on the north or south side of the road?"

    from oxtom.cases import services as casework

    casework.case_accept(case=report.case, expected_version=report.case.version, by=officer_in_team)
    sign_in(page, officer_in_team)
    page.goto(f"/staff/cases/{reference}/")
    page.get_by_role("link", name="Ask the customer for information").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("What do you need from the customer?").fill(question)
    with page.expect_navigation():
        page.get_by_role("button", name="Send request").click()
    assert "Request sent to the customer" in page.locator("main").inner_text()
    assert "The customer and staff" in page.locator("#case-timeline").inner_text()

    # The text really went: through the outbox to the SMS sink, on her preferred channel.
    message = OutboundMessage.objects.get(customer=resident_a.customer, template_code="generic-update")
    assert message.channel == "sms"
    from oxtom.notify.services import message_dispatch

    message_dispatch(message_id=message.id, worker="test")
    sent = json.loads((Path(settings.SMS_FILE_PATH) / f"{message.id}.json").read_text())
    assert sent["to"] == "+447700900123" and question in sent["body"]

    # Anyone signed out: the public page shows public updates only.
    public = _new_page(_new_context(browser, live_server))
    public.goto(f"/reports/{reference}/")
    assert_accessible(public)
    text = public.locator("main").inner_text()
    assert question not in text and "Waiting for the customer" not in text

    # The resident reads the question in her account and replies.
    page.context.clear_cookies()
    sign_in(page, resident_a)
    page.goto(f"/account/cases/{reference}/")
    assert question in page.locator("main").inner_text()
    assert_accessible(page)
    page.locator("textarea").fill("South side, outside number 12")
    with page.expect_navigation():
        page.get_by_role("button", name="Send reply").click()
    assert Case.objects.get(pk=report.case_id).status == Status.IN_PROGRESS

    public.goto(f"/reports/{reference}/")
    text = public.locator("main").inner_text()
    public.screenshot(path="/tmp/h3-public-after-reply.png", full_page=True)
    assert question not in text and "Reply received" not in text and "number 12" not in text


def test_exposed_wiring_interrupts_with_the_number_to_call(no_js, catalogue, postcode, resident_a,  # noqa: F811
                                                            settings):
    settings.COUNCIL_PHONE = "01865 000 999"
    page = no_js
    page.goto("/report/")
    click(page, "button", "Start now")
    page.get_by_label("Faulty street light").check()
    click(page, "button", "Continue")
    page.get_by_label("Postcode nearest the problem").fill("OX16 1AA")
    click(page, "button", "Continue")
    page.get_by_label("Door open or wiring showing").check()
    click(page, "button", "Continue")
    assert heading(page) == "Call us now: this is an emergency"
    assert "01865 000 999" in page.locator("#emergency-phone").inner_text()
    page.screenshot(path="/tmp/h3-emergency.png", full_page=True)
    click(page, "button", "Report it online instead")
    click(page, "button", "Continue")  # photos are optional for a danger
    click(page, "button", "Sign in")
    page.get_by_label("Email address").fill(resident_a.email)
    from tests.factories import TEST_PASSWORD

    page.get_by_label("Password").fill(TEST_PASSWORD)
    click(page, "button", "Sign in")
    click(page, "button", "Send report")
    assert "treating this as an emergency" in page.locator("main").inner_text()
    assert StreetReport.objects.select_related("case").get().case.priority == Priority.URGENT


def test_a_follower_stops_following_without_javascript(no_js, pothole, resident_b):  # noqa: F811
    report = quick_report(pothole, north_of(0))
    ReportSubscription.objects.create(report=report, customer=resident_b.customer)
    page = no_js
    sign_in(page, resident_b)
    page.goto(f"/reports/{report.case.reference}/")
    check_accessible(page)
    click(page, "button", "Stop getting updates on this report")
    assert "no longer following this report" in page.locator("main").inner_text()
    assert not ReportSubscription.objects.exists()


def test_use_your_location_is_offered_only_with_javascript(page, no_js_page, catalogue):
    for p, shown in ((no_js_page, False), (page, True)):
        p.goto("/report/")
        with p.expect_navigation():
            p.get_by_role("button", name="Start now").click()
        p.get_by_label("Pothole").check()
        with p.expect_navigation():
            p.get_by_role("button", name="Continue").click()
        p.goto("/report/location/street/")
        link = p.get_by_role("link", name="give a postcode")
        assert ("use your location" in link.inner_text()) is shown, (shown, link.inner_text())
