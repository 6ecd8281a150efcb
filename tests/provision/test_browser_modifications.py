"""In Chromium: a contract manager changes their contract's value within what it allows and sees the change in its
history; a change past the limit is refused with the reason. axe-core on every page."""
from __future__ import annotations

import pytest

from provision.models import ContractAmendment
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_contract_manager_changes_the_value_within_limits_and_a_too_large_change_is_refused(
        page, migration_data, manager, make_supplier, make_contract):
    contract = make_contract("OCC-FM-0500", suppliers=[make_supplier("Brightclean Facilities Ltd")],
                             value=400_000_00, extension_options=2, extension_months=12, max_value_change_percent=20,
                             contract_manager=manager, title="Office cleaning")
    sign_in(page, manager)
    page.goto(f"/staff/provision/contracts/{contract.reference}/")
    assert "No changes since the contract was awarded" in page.locator("#no-history").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Change the contract's terms").click()
    assert "between £320,000.00 and £480,000.00" in page.locator("#limits").inner_text()
    assert_accessible(page)

    page.get_by_label("Contract value").fill("600,000")
    page.get_by_label("Why the contract is changing").fill("The whole county estate added")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the change").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "cannot move by more than the 20%" in summary
    assert page.get_by_label("Why the contract is changing").input_value() == "The whole county estate added"
    assert ContractAmendment.objects.count() == 0
    assert_accessible(page)

    page.get_by_label("Contract value").fill("450,000")
    page.get_by_label("Why the contract is changing").fill("Two more libraries added to the schedule")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the change").click()
    assert "changed: the change is in its history" in page.locator("body").inner_text()
    history = page.locator("#history-table").inner_text()
    assert "Value: £400,000.00 to £450,000.00" in history and "Two more libraries" in history
    assert manager.full_name in history
    assert_accessible(page)
    contract.refresh_from_db()
    assert contract.current_value_pence == 450_000_00 and ContractAmendment.objects.count() == 1

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/staff/provision/reviews-due/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
