"""Business admin fixtures: the BAS teams and directorates, a small menu, John (leader), Mike and Bea
(officers, a role held in the BAS team only) and Sue (a colleague in Property Services).

Everything is made here with get_or_create, so no test leans on the migration's data."""
from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bas.models import Directorate, Menu, MenuItem
from oxtom.cases.models import Service
from tests import factories as f


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "notes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture(autouse=True)
def _templates(db):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)


@pytest.fixture
def bas_team(db):
    return f.TeamFactory(slug="business-admin-support", name="Business Admin Support")


@pytest.fixture
def env_bas_team(db):
    return f.TeamFactory(slug="bas-environment", name="Business Admin Support: Environment and Place")


@pytest.fixture
def property_team(db):
    return f.TeamFactory(slug="property", name="Property Services")


@pytest.fixture
def directorates(db, bas_team, env_bas_team, property_team, team):
    Directorate.objects.filter(is_default=True).exclude(slug="customers-resources").update(is_default=False)
    default, _ = Directorate.objects.update_or_create(slug="customers-resources", defaults={
        "name": "Customers, Organisational Development and Resources", "bas_team": bas_team, "is_default": True})
    default.teams.add(property_team, bas_team)
    env, _ = Directorate.objects.update_or_create(slug="environment-place", defaults={
        "name": "Environment and Place", "bas_team": env_bas_team, "is_default": False})
    env.teams.add(team)  # Highways North, the conftest officers' team
    return {"default": default, "environment": env}


def make_item(code: str, name: str, *, days: int = 5, team=None, menu=None, default_team=None) -> MenuItem:
    menu = menu or Menu.objects.get_or_create(slug="generic", defaults={
        "name": "Business admin services", "is_generic": True, "position": 1})[0]
    service, _ = Service.objects.get_or_create(code=f"bas-{code}", defaults=dict(
        name=name, kind="request", reference_prefix="BA", team=team or default_team,
        sla_working_days={str(p): days for p in (1, 2, 3, 4)}, qa_sample_rate=0, notify_customer_on_change=False))
    item, _ = MenuItem.objects.get_or_create(code=code, defaults=dict(
        menu=menu, name=name, description=f"{name} for colleagues", what_to_provide="What you need",
        target_working_days=days, team=team, service=service))
    return item


@pytest.fixture
def presentations(directorates, bas_team):
    return make_item("presentations", "Presentations", days=5, default_team=bas_team)


@pytest.fixture
def minutes(directorates, bas_team):
    return make_item("minute-taking", "Minute taking", days=3, default_team=bas_team)


def _bas_member(email: str, name: str, team, *, role: str, team_role: str, leader: bool = False):
    user = f.UserFactory(email=email, full_name=name, roles=[role])
    f.TeamMembershipFactory(team=team, user=user, team_role=team_role, is_leader=leader)
    return user


@pytest.fixture
def john(bas_team, env_bas_team):
    user = _bas_member("john@example.org", "John Leader", bas_team, role="bas_manager", team_role="team_leader",
                       leader=True)
    f.TeamMembershipFactory(team=env_bas_team, user=user, team_role="team_leader", is_leader=True)
    return user


@pytest.fixture
def mike(bas_team):
    return _bas_member("mike@example.org", "Mike Officer", bas_team, role="bas_officer", team_role="officer")


@pytest.fixture
def bea(bas_team):
    return _bas_member("bea@example.org", "Bea Officer", bas_team, role="bas_officer", team_role="officer")


@pytest.fixture
def env_officer(env_bas_team):
    return _bas_member("eve@example.org", "Eve Officer", env_bas_team, role="bas_officer", team_role="officer")


@pytest.fixture
def sue(property_team):
    user = f.UserFactory(email="sue@example.org", full_name="Sue Jones", roles=["line_manager"])
    f.TeamMembershipFactory(team=property_team, user=user)
    return user


@pytest.fixture
def colleague(property_team):
    """Another colleague of Sue's: may not see Sue's requests."""
    user = f.UserFactory(email="pat@example.org", full_name="Pat Other", roles=["line_manager"])
    f.TeamMembershipFactory(team=property_team, user=user)
    return user
