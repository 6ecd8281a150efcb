"""Post room and bulk upload fixtures on top of the shared role fixtures (tests/conftest.py)."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bas.intake.demo import letter_pdf
from oxtom.cases.services import case_create
from tests import factories as f
from tests.casework.factories import ServiceFactory


@pytest.fixture
def bas_team(db):
    return f.TeamFactory(name="Business Admin Support", slug="business-admin-support")


@pytest.fixture
def bas_officer(db, bas_team):
    user = f.UserFactory(email="bas.officer@example.org", roles=["bas_officer"], full_name="Bea Officer")
    f.TeamMembershipFactory(team=bas_team, user=user)
    return user


@pytest.fixture
def service(team):
    return ServiceFactory(code="intake-pothole", name="Report a pothole", team=team, reference_prefix="HW")


@pytest.fixture
def other_service(other_team):
    return ServiceFactory(code="intake-permit", name="Parking permit", team=other_team, reference_prefix="PP")


@pytest.fixture
def case(service, resident_a):
    return case_create(service=service, customer=resident_a.customer, answers={"where": "High Street"},
                       channel="web", by=None, title="Pothole on High Street")


def pdf(name: str = "scan.pdf", *lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, letter_pdf(list(lines) or [name, "Dear council"]), content_type="application/pdf")


def png(name: str = "scan.png", size=(60, 40), colour=(200, 10, 10)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_with_javascript() -> SimpleUploadedFile:
    data = letter_pdf(["Open me"]).replace(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> >>")
    return SimpleUploadedFile("invoice.pdf", data, content_type="application/pdf")


def png_bomb() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels in a few kilobytes
    return SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def post_for_team_service(db, bas_team):
    """The "Post to action" service its migration seeds, put back (a transactional test may have flushed it)."""
    import importlib

    from django.apps import apps

    importlib.import_module("bas.intake.migrations.0002_unmatched_post_service").seed(apps, None)
    from oxtom.cases.models import Service

    return Service.objects.get(code="bas-post-for-team")
