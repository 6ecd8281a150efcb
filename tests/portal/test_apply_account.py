"""A resident's permits, badges and passes; change of circumstances; renewal links; advisers acting for someone."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services as app_services
from applications.models import Application, ApplicationService, Entitlement
from oxtom.customers.models import AssistedSession
from oxtom.payments.models import Payment

from .test_apply_submit import pay_on_sandbox
from .test_apply_support import BADGE_REFERRED, BUS_PASS_OLD, PERMIT_OK, add_evidence, answer_questions, apply_through

# A bus pass needs a home in the county: the postcode centroids and a division covering them.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def issue(customer, code="parking-permit", **answers):
    """An issued entitlement for `customer`, straight through the services."""
    service = ApplicationService.objects.get(code=code)
    base = {"parking-permit": {**PERMIT_OK, "vehicle_registration": "AB12CDE"},
            "bus-pass": {"date_of_birth": "1950-01-02"}}[code]
    evidence = [("vehicle", PDF)] if code == "parking-permit" else [("photo", _png()), ("identity", PDF)]
    application = app_services.application_submit(
        service=service, customer=customer, answers={**base, **answers}, evidence=evidence, channel="web",
        by=customer.user, submission_key=uuid.uuid4().hex)
    if application.status == "awaiting_payment":
        return app_services.entitlement_issue(application=application, by=None)
    return application.entitlements.get()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 50), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def test_entitlements_page_lists_all_with_status_and_expiry_in_constant_queries(
        client, resident_a, django_assert_max_num_queries):
    customer = resident_a.customer
    first = issue(customer)
    client.force_login(resident_a)
    with django_assert_max_num_queries(7) as one:
        html = client.get("/account/entitlements/").content.decode()
    assert first.number in html and first.expires_on.strftime("%-d %b %Y") in html and "Active" in html
    assert first.application.reference in html and "Issued" in html
    issue(customer, "bus-pass")
    for n in range(5):
        issue(customer, vehicle_registration=f"AB{11 + n}CDE", address_line_1=f"{n} Other Road")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get("/account/entitlements/").content.decode()
    # Its page and its printable copy.
    assert html.count("/account/entitlements/BP-") == 2 and Entitlement.objects.count() == 7


def test_account_home_links_to_entitlements(client, resident_a):
    client.force_login(resident_a)
    assert "/account/entitlements/" in client.get("/account/").content.decode()


def test_entitlement_page_in_constant_queries_and_others_are_404(client, resident_a, resident_b,
                                                                 django_assert_max_num_queries):
    entitlement = issue(resident_a.customer)
    client.force_login(resident_a)
    with django_assert_max_num_queries(6):
        html = client.get(f"/account/entitlements/{entitlement.number}/").content.decode()
    assert "AB12 CDE" in html and "Tell us about a change" in html
    assert client.get(f"/account/entitlements/{entitlement.number.lower()}/").status_code == 200
    client.force_login(resident_b)
    for url in (f"/account/entitlements/{entitlement.number}/", f"/account/entitlements/{entitlement.number}/change/",
                "/account/entitlements/RP-NOTREAL/", f"/apply/applications/{entitlement.application.reference}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/account/entitlements/{entitlement.number}/change/",
                       {"vehicle_registration": "XY12ABC"}).status_code == 404
    assert Application.objects.count() == 1
    html = client.get("/account/entitlements/").content.decode()
    assert entitlement.number not in html and "You do not have any permits" in html
    client.logout()
    assert client.get("/account/entitlements/")["Location"].startswith("/accounts/login/")


def test_change_of_vehicle_reruns_the_rules_and_shows_the_outcome(client, resident_a):
    entitlement = issue(resident_a.customer)
    client.force_login(resident_a)
    url = f"/account/entitlements/{entitlement.number}/change/"
    for data, message in (({}, "Tell us what has changed"),
                          ({"vehicle_registration": "NOT A CAR"}, "Enter a real vehicle registration number"),
                          ({"address_line_1": "<script>x</script>", "postcode": "OX1 1AA"}, "can’t include code"),
                          ({"address_line_1": "2 New Road"}, "Enter the postcode of your new address"),
                          ({"postcode": "zz"}, "Enter a full postcode")):
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200 and message in html and "<title>Error: " in html, data
    assert Application.objects.count() == 1
    response = client.post(url, {"vehicle_registration": "xy51 abc"})
    change = Application.objects.get(kind="change")
    assert response["Location"] == f"/apply/applications/{change.reference}/"
    assert change.answers["vehicle_registration"] == "XY51 ABC" and change.previous_entitlement == entitlement
    html = client.get(response["Location"]).content.decode()
    assert change.get_status_display() in html
    # The permit was replaced: sending the change again (a double click) changes nothing more.
    entitlement.refresh_from_db()
    assert entitlement.status == "superseded"
    response = client.post(url, {"vehicle_registration": "xy51 abc"}, follow=True)
    assert "no longer in force" in response.content.decode()
    assert Application.objects.filter(kind="change").count() == 1


def test_moving_out_of_the_zone_is_refused_with_reasons(client, resident_a):
    entitlement = issue(resident_a.customer)
    client.force_login(resident_a)
    response = client.post(f"/account/entitlements/{entitlement.number}/change/",
                           {"address_line_1": "3 Far Lane", "postcode": "SW1A 1AA"})
    html = client.get(response["Location"]).content.decode()
    assert "refused" in html and "not in a residents" in html


def test_bus_pass_change_page_points_to_contact_details(client, resident_a):
    entitlement = issue(resident_a.customer, "bus-pass")
    client.force_login(resident_a)
    html = client.get(f"/account/entitlements/{entitlement.number}/").content.decode()
    assert "change your address in your contact details" in html and "Tell us about a change" not in html
    assert client.get(f"/account/entitlements/{entitlement.number}/change/").status_code == 404


def test_blue_badge_renewal_link_prefills_and_submits_a_renewal(client, resident_a, resident_b, django_user_model):
    client.force_login(resident_a)
    apply_through(client, "blue-badge", BADGE_REFERRED)
    first = Application.objects.get()
    from tests import factories as f

    officer = f.UserFactory(email="o@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=first.case.service.team, user=officer)
    first = app_services.application_decide(application=first, decision="approve", reasons="Walking assessed",
                                            by=officer, version=first.version)
    badge = app_services.entitlement_issue(application=first, by=None)
    # Every answer is there already: the rules run again and the journey goes on to the evidence.
    html = client.get(f"/account/entitlements/{badge.number}/").content.decode()
    assert f'href="/apply/blue-badge/?renewing={badge.number}"' in html
    response = client.get(f"/apply/blue-badge/?renewing={badge.number}")
    assert response["Location"] == "/apply/blue-badge/evidence/"
    assert client.session["apply_draft"]["renewing"] == badge.number
    add_evidence(client, "blue-badge", None)
    html = client.get("/apply/blue-badge/check/").content.decode()
    assert "Yes" in html and "Myself" in html and f"This application renews {badge.number}" in html
    client.post("/apply/blue-badge/check/")
    renewal = Application.objects.get(kind="renewal")
    assert renewal.previous_entitlement == badge and renewal.customer == resident_a.customer

    # Someone else's badge number, a made-up one, or a permit number on the badge journey: 404.
    client.force_login(resident_b)
    assert client.get(f"/apply/blue-badge/?renewing={badge.number}").status_code == 404
    client.force_login(resident_a)
    assert client.get("/apply/blue-badge/?renewing=BB-NOPE").status_code == 404
    permit = issue(resident_a.customer)
    assert client.get(f"/apply/blue-badge/?renewing={permit.number}").status_code == 404
    client.logout()
    assert client.get(f"/apply/blue-badge/?renewing={badge.number}")["Location"].startswith("/accounts/login/")


@pytest.fixture
def acting(client, adviser, resident_a):
    """An adviser in a telephone acting-for session for resident A."""
    client.force_login(adviser)
    response = client.post(f"/staff/assist/customers/{resident_a.customer.reference}/session/",
                           {"channel": "phone", "customer_present": "yes"})
    assert response.status_code == 302 and AssistedSession.objects.filter(ended_at__isnull=True).exists()
    return client


def test_adviser_applies_and_pays_for_a_customer_by_phone(acting, adviser, resident_a):
    client = acting
    assert "Apply for a parking permit" in client.get(f"/staff/assist/customers/{resident_a.customer.reference}/").content.decode()
    response = apply_through(client, "parking-permit", PERMIT_OK)
    application = Application.objects.get()
    assert application.customer == resident_a.customer and application.submitted_by == adviser
    assert application.channel == "phone"
    html = client.get(response["Location"]).content.decode()
    assert application.reference in html and "You are acting for" in html
    pay = client.post(f"/apply/applications/{application.reference}/pay/")
    payment = Payment.objects.get()
    assert payment.moto and payment.customer == resident_a.customer
    pay_on_sandbox(client, pay["Location"])
    entitlement = Entitlement.objects.get()
    assert entitlement.customer == resident_a.customer
    assert entitlement.number in client.get("/account/entitlements/").content.decode()
    # Nothing was filed as the adviser: no customer record of their own was made for them.
    from oxtom.customers.models import Customer

    assert not Customer.objects.filter(user=adviser).exists()


def test_check_answers_in_a_session_shows_the_customers_details_not_the_advisers(acting, resident_a):
    client = acting
    answer_questions(client, "parking-permit", PERMIT_OK)
    add_evidence(client, "parking-permit", None)
    html = client.get("/apply/parking-permit/check/").content.decode()
    assert "Their details" in html and resident_a.customer.postcode in html and "Accept and send" in html


def test_evidence_files_are_named_by_us(client, resident_a):
    client.force_login(resident_a)
    answer_questions(client, "parking-permit", PERMIT_OK)
    evil = SimpleUploadedFile("../../etc/passwd.pdf", PDF, content_type="application/pdf")
    client.post("/apply/parking-permit/evidence/", {"file_0": evil})
    client.post("/apply/parking-permit/check/")
    evidence = Application.objects.get().evidence.get()
    assert "passwd" not in evidence.file.name and ".." not in evidence.file.name


def test_bus_pass_for_a_resident_with_a_date_of_birth_on_record_asks_nothing_twice(client, resident_a):
    customer = resident_a.customer
    customer.date_of_birth = date(1950, 1, 2)
    customer.save(update_fields=["date_of_birth"])
    client.force_login(resident_a)
    response = apply_through(client, "bus-pass", {k: v for k, v in BUS_PASS_OLD.items() if k != "date_of_birth"})
    assert response["Location"] == "/apply/bus-pass/confirmation/"
    assert Application.objects.get().answers["date_of_birth"] == "1950-01-02"
