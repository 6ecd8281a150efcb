"""In Chromium, with the demo's people as the fixtures make them (tests/bas/test_demo.py checks the demo itself
gives them what this needs; running seed_demo here took the test past the suite's limit on a loaded machine):
John (the BAS manager) adds a menu for Sue's directorate with one service, Sue (a colleague in Property Services)
finds it on the service menu and asks for it, and John then re-aligns her directorate to another BAS team: her
open request stays where it went, the next one goes to the new team. Every page passes axe-core and the lists fit a 375 px phone; the first submit of each form shows its errors at the fields."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bas.models import BasRequest, Directorate, Menu
from tests.browser_support import assert_accessible, assert_fits_a_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DIRECTORATE = "Customers, Organisational Development and Resources"


def _as(page, user) -> None:
    page.context.clear_cookies()
    sign_in(page, user)


def _submit(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_john_adds_a_menu_sue_asks_from_it_and_john_moves_her_directorate_to_another_team(page, presentations, john,
                                                                                          sue):

    # John opens the menus from the staff navigation and adds one for Sue's directorate.
    _as(page, john)
    page.goto("/staff/")
    page.get_by_role("link", name="BAS menus").click()
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_role("link", name="Add a menu").click()
    _submit(page, "Add menu")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the menu's name" in summary and "Choose the directorate this menu is for" in summary
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("Name").fill("Property and estates services")
    page.get_by_label("Description (optional)").fill("Admin for leases, estates and facilities")
    page.get_by_label("Directorate").select_option(label=DIRECTORATE)
    _submit(page, "Add menu")
    assert page.url.endswith("/staff/bas/menus/property-and-estates-services/")
    assert "Menu added: Property and estates services" in page.locator("main").inner_text()
    assert_accessible(page)

    # ... and puts a service on it.
    page.get_by_role("link", name="Add a service to this menu").click()
    page.get_by_label("Name").fill("Lease renewal letters")
    page.get_by_label("Description", exact=True).fill("Letters to tenants whose leases are due for renewal.")
    page.get_by_label("Target in working days").fill("4")
    _submit(page, "Save")
    assert page.url.endswith("/staff/bas/menus/property-and-estates-services/")
    assert "Lease renewal letters" in page.locator("#bas-menu-items").inner_text()
    assert_accessible(page)

    # Sue sees the new menu and asks for the service: it goes to her directorate's BAS team.
    _as(page, sue)
    page.goto("/staff/bas/")
    assert "Property and estates services" in page.locator("#menu-property-and-estates-services").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Request lease renewal letters").click()
    page.get_by_label("What do you need?").fill("Letters for the six Banbury depot tenants.")
    needed = timezone.localdate() + dt.timedelta(days=14)
    for part, value in (("day", needed.day), ("month", needed.month), ("year", needed.year)):
        page.locator(f"#id_needed_by_{part}").fill(str(value))
    _submit(page, "Send request")
    first = BasRequest.objects.select_related("case__team").get(item__code="lease-renewal-letters")
    assert first.case.team.slug == "business-admin-support"
    assert page.url.endswith(f"/staff/bas/requests/{first.case.reference}/")
    assert_accessible(page)

    # John re-aligns Sue's directorate to the Environment and Place BAS team: the page says open requests stay.
    _as(page, john)
    page.goto("/staff/")
    page.get_by_role("link", name="Directorates").click()
    assert DIRECTORATE in page.locator("#bas-directorates").inner_text()
    assert_accessible(page)
    assert_fits_a_phone(page)
    page.get_by_role("link", name=f"Change {DIRECTORATE}").click()
    assert "open requests stay with the team they were sent to" in page.locator("#bas-routing-note").inner_text()
    page.get_by_label("Name").fill("")
    _submit(page, "Save")
    assert "Enter the directorate's name" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Name").fill(DIRECTORATE)
    page.get_by_role("radio", name="Business Admin Support: Environment and Place", exact=True).check()
    _submit(page, "Save")
    message = page.locator("main").inner_text()
    assert f"New requests from {DIRECTORATE} now go to Business Admin Support: Environment and Place" in message
    assert "stay with the team they were sent to" in message
    assert_accessible(page)

    first.case.refresh_from_db()
    assert first.case.team.slug == "business-admin-support"  # the open request stays in its queue
    assert Directorate.objects.get(name=DIRECTORATE).bas_team.slug == "bas-environment"
    assert Menu.objects.get(slug="property-and-estates-services").directorate.name == DIRECTORATE

    # Sue's next request goes to the new team.
    _as(page, sue)
    page.goto("/staff/bas/request/lease-renewal-letters/")
    page.get_by_label("What do you need?").fill("Letters for the Witney tenants too.")
    for part, value in (("day", needed.day), ("month", needed.month), ("year", needed.year)):
        page.locator(f"#id_needed_by_{part}").fill(str(value))
    _submit(page, "Send request")
    second = BasRequest.objects.select_related("case__team").exclude(pk=first.pk).get(item__code="lease-renewal-letters")
    assert second.case.team.slug == "bas-environment"
