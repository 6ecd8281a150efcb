"""Fixtures for applications: the seeded services, a resident living in a permit zone, evidence files, officers."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.apps import apps as django_apps
from PIL import Image

from applications.models import ApplicationService
from applications.seed import seed
from oxtom.notify.models import MessageTemplate
from tests import factories as f

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Put back what the migrations seed when a transactional test (any app's) flushed a reused database.

    With --reuse-db on PostgreSQL a flush outlives the run, and the next run
    would find no catalogue or message templates. Pure rule tests stay off the database.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    if ApplicationService.objects.count() >= 3 and MessageTemplate.objects.exists():
        return
    from applications.renewals.messages import seed_renewal_templates
    from oxtom.notify.defaults import seed_templates

    seed_templates(MessageTemplate)
    seed(django_apps)
    seed_renewal_templates(MessageTemplate)


@pytest.fixture
def svc(db):
    """svc("parking-permit") -> the seeded ApplicationService (seeded again if a transactional test flushed it)."""
    seed(django_apps)
    return lambda code: ApplicationService.objects.select_related("case_service__team").get(code=code)


@pytest.fixture
def rose(resident_a, county_cover):
    """Alice's customer record, living in East Oxford (parking zone B) and past State Pension age."""
    customer = resident_a.customer
    customer.address_line_1, customer.postcode, customer.town = "12 Cowley Road", "OX4 1HP", "Oxford"
    customer.date_of_birth = dt.date(1951, 5, 17)
    customer.save()
    return customer


@pytest.fixture
def key():
    return lambda: f"test-submission-{next(_keys)}"


def png(size=(40, 40), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def photo():
    return ("photo", png())


@pytest.fixture
def letter():
    return ("benefit", PDF)


def officer_of(slug: str, email: str, *, leader: bool = False):
    team = f.TeamFactory(slug=slug)
    user = f.UserFactory(email=email, roles=["team_leader" if leader else "officer"])
    f.TeamMembershipFactory(team=team, user=user, is_leader=leader)
    return user


@pytest.fixture
def badge_officer(db):
    return officer_of("blue-badge-concessions", "badge.officer@example.org")


@pytest.fixture
def badge_officer_2(db):
    return officer_of("blue-badge-concessions", "badge.officer2@example.org")


@pytest.fixture
def badge_leader(db):
    return officer_of("blue-badge-concessions", "badge.leader@example.org", leader=True)


PERMIT_ANSWERS = {"lives_at_address": "yes", "vehicle_registration": "ab12 cde", "vehicle_kept_at_address": "yes",
                  "vehicle_keeper": "me"}
NOTHING = {"walking_difficulty": "no", "both_arms": "no", "journey_distress": "no", "child_equipment": "no",
           "child_near_vehicle": "no", "terminal_illness": "no"}
BADGE_AUTO = {"applying_for": "myself", "awards": ["dla_higher_mobility"], **NOTHING}
BADGE_REFER = {"applying_for": "myself", "awards": ["none"], **NOTHING, "walking_difficulty": "yes"}
BADGE_REFUSE = {"applying_for": "myself", "awards": ["none"], **NOTHING}
