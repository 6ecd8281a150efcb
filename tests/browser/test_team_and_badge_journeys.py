"""In Chromium with axe: a blue badge officer finds a referred badge from /staff/applications/ and approves it;
the administrator (in no team) decides one too; the administrator adds an officer to a team (after an empty
try) and changes the SLA of a service, each error linked to a field on the page."""
from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps as django_apps

from applications import services as s
from applications.models import Application, ApplicationService
from applications.seed import seed
from oxtom.accounts.models import TeamMembership
from oxtom.customers.models import Channel
from tests import factories as f
from tests.applications.conftest import BADGE_REFER, PDF, png
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _referred(resident, key):
    customer = resident.customer
    customer.date_of_birth = dt.date(1950, 1, 1)
    customer.save()
    service = ApplicationService.objects.get(code="blue-badge")
    return s.application_submit(service=service, customer=customer, answers=BADGE_REFER,
                                evidence=[("photo", png()), ("medical", PDF)], channel=Channel.WEB, by=resident,
                                submission_key=key)


def _approve(page):
    page.get_by_label("Approve", exact=False).first.check()
    page.get_by_label("Reasons for the decision").fill("The evidence shows very considerable difficulty walking.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record decision").click()


def test_the_badge_officer_and_the_administrator_decide_referred_badges(browser, live_server, page, resident_a,
                                                                        settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    seed(django_apps)  # transactional tests elsewhere may have flushed the migration data
    application = _referred(resident_a, "browser-badge-1")
    officer = f.UserFactory(email="badges@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=application.case.team, user=officer)

    sign_in(page, officer)
    page.goto("/staff/applications/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=application.reference).click()
    _approve(page)
    assert "approved" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)
    assert Application.objects.get(pk=application.pk).status != Application.Status.REFERRED


def test_the_administrator_decides_a_badge_without_being_in_the_team(browser, live_server, page, resident_a,
                                                                     settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    seed(django_apps)
    application = _referred(resident_a, "browser-badge-2")
    admin = f.UserFactory(email="admin.browser@example.org", roles=["administrator"])
    sign_in(page, admin)
    page.goto(f"/staff/applications/{application.reference}/")
    _approve(page)
    assert page.locator(".govuk-error-summary").count() == 0
    assert "approved" in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)


def test_the_administrator_adds_an_officer_to_a_team_and_changes_an_sla(browser, live_server, page, team):
    from oxtom.cases.models import Service

    admin = f.UserFactory(email="admin.teams@example.org", roles=["administrator"])
    newcomer = f.UserFactory(email="newcomer@example.org", roles=["officer"], full_name="Nia Newcomer")
    service = Service.objects.create(code="gully-b", name="Blocked gully", kind="report", team=team,
                                     reference_prefix="GB")
    sign_in(page, admin)
    page.goto("/staff/teams/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name=team.name).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Add to team").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert "Enter the email address of the member of staff" in summary.inner_text()
    target = summary.locator("a").first.get_attribute("href")
    assert page.locator(target).count() == 1  # the error links to a field on the page
    assert_accessible(page)
    page.get_by_label("Email address of the member of staff").fill("newcomer@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Add to team").click()
    assert "Nia Newcomer" in page.locator("#members").inner_text()
    assert TeamMembership.objects.filter(team=team, user=newcomer).exists()
    assert_accessible(page)

    page.goto(f"/staff/catalogue/{service.code}/")
    page.get_by_label("Normal priority").fill("0")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    summary = page.locator(".govuk-error-summary")
    assert "normal priority" in summary.inner_text()
    assert page.locator(summary.locator("a").first.get_attribute("href")).count() == 1
    assert_accessible(page)
    page.get_by_label("Normal priority").fill("8")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    service.refresh_from_db()
    assert service.sla_days(3) == 8
    assert_accessible(page)
