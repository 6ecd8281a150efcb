"""A printable permit, badge or pass (issue 10): a PDF from /account/entitlements/, for its owner only.

Read back with pypdf: the number, the term, the zone and vehicle for a permit, and
none of the personal data the record holds (name, address, date of birth).
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from applications.models import Entitlement
from oxtom.core.models import AuditEvent

from .test_apply_account import issue

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("county_cover")]


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def permit(resident_a):
    customer = resident_a.customer
    customer.first_name, customer.last_name, customer.date_of_birth = "Rosalind", "Quigley", date(1951, 5, 17)
    customer.save()
    return issue(customer)


def test_the_owner_downloads_a_pdf_with_what_a_check_needs(client, resident_a, permit):
    client.force_login(resident_a)
    listing = client.get("/account/entitlements/").content.decode()
    url = f"/account/entitlements/{permit.number}/print.pdf"
    assert f'href="{url}"' in listing
    assert f'href="{url}"' in client.get(f"/account/entitlements/{permit.number}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{permit.number}.pdf"'
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    for expected in ("Oxfordshire County Council", "Residents' parking permit", permit.number, "Active",
                     f"{permit.starts_on.day} {permit.starts_on:%B %Y}", f"{permit.expires_on.day} {permit.expires_on:%B %Y}",
                     "Zone A: Oxford city centre", "AB12 CDE"):
        assert expected in text, expected
    # No more personal data than a check needs.
    for private in ("Rosalind", "Quigley", "1951", permit.customer.postcode, permit.customer.address_line_1,
                    permit.customer.email, permit.customer.reference):
        assert private not in text, private


def test_a_bus_pass_does_not_say_what_kind_or_why(client, resident_a):
    customer = resident_a.customer
    customer.address_line_1, customer.postcode = "12 Cowley Road", "OX4 1HP"
    customer.save()
    bus_pass = issue(customer, "bus-pass", address_line_1="12 Cowley Road", postcode="OX4 1HP",
                     date_of_birth="1990-01-01", disability_category="blind",
                     disability_evidence="registered_sight_impaired")
    client.force_login(resident_a)
    text = pdf_text(client.get(f"/account/entitlements/{bus_pass.number}/print.pdf").content)
    assert bus_pass.number in text and "Older or disabled person's bus pass" in text
    for private in ("blind", "sight", "disabled person's pass", "1990", "Cowley", "OX4"):
        assert private not in text.replace("Older or disabled person's bus pass", ""), private


def test_a_pass_no_longer_in_force_says_so_and_is_not_offered(client, resident_a, permit):
    Entitlement.objects.filter(pk=permit.pk).update(status=Entitlement.Status.EXPIRED)
    client.force_login(resident_a)
    assert "/print.pdf" not in client.get("/account/entitlements/").content.decode()
    text = pdf_text(client.get(f"/account/entitlements/{permit.number}/print.pdf").content)
    assert "Not valid: this residents' parking permit is expired." in text


@pytest.mark.parametrize("number", ["RP-NOPE", "x" * 500, "<script>", "../../etc/passwd"])
def test_bad_numbers_are_404(client, resident_a, permit, number):
    client.force_login(resident_a)
    assert client.get(f"/account/entitlements/{number}/print.pdf").status_code == 404


def test_a_nul_byte_in_the_number_is_refused_at_the_edge(client, resident_a, permit):
    """The request edge (oxtom/core/hygiene.py) answers a NUL in the path with 400 before any view runs."""
    client.force_login(resident_a)
    response = client.get("/account/entitlements/%00/print.pdf")
    assert response.status_code == 400
    assert "application/pdf" not in response["Content-Type"]


def test_someone_elses_pdf_is_404(client, resident_b, permit):
    client.force_login(resident_b)
    assert client.get(f"/account/entitlements/{permit.number}/print.pdf").status_code == 404
    assert client.get(f"/account/entitlements/{permit.number.lower()}/print.pdf").status_code == 404


def test_an_adviser_acting_for_the_customer_gets_it_and_it_is_audited(client, adviser, resident_a, permit):
    client.force_login(adviser)
    assert client.get(f"/account/entitlements/{permit.number}/print.pdf").status_code == 404  # not without a session
    client.post(f"/staff/assist/customers/{resident_a.customer.reference}/session/",
                {"channel": "phone", "customer_present": "yes"})
    response = client.get(f"/account/entitlements/{permit.number}/print.pdf")
    assert response.status_code == 200 and permit.number in pdf_text(response.content)
    assert AuditEvent.objects.filter(actor=adviser, target_id=str(permit.pk), action="view",
                                     summary="Printable copy made for the customer").exists()
