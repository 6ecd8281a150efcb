"""End to end in Chromium: David's cleaning contract from its runway alert to the delegated authoriser's
sign-off, and a spend import with a bad row. axe-core on every page; a phone-width check on the busiest."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.notify.models import OutboundMessage
from provision import services
from provision.models import ContractAmendment, SpendLine
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_cleaning_contract_from_its_runway_alert_to_the_authorisers_sign_off(
        page, hub, director, authoriser, matrix, make_supplier, make_contract):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)  # the staff-alert template, should a transactional test before have flushed it
    team, _ = Team.objects.get_or_create(slug="provision", defaults={"name": "Provision"})
    TeamMembership.objects.get_or_create(team=team, user=hub)
    today = timezone.localdate()
    cleaning = make_contract("OCC-FM-0412", suppliers=[make_supplier("Brightclean Facilities Ltd")],
                             value=400_000_00, end=today + dt.timedelta(days=300), extension_options=2,
                             extension_months=12, max_value_change_percent=30, title="Office cleaning")
    services.runway_alerts_send(on=today)
    # To the hub's mailbox, or its members where the team has none.
    alert = OutboundMessage.objects.filter(idempotency_key__startswith=f"provision:runway:{cleaning.pk}:").first()
    assert alert is not None
    assert "OCC-FM-0412" in alert.subject or "OCC-FM-0412" in alert.body
    link = next(word for word in alert.body.split() if "/staff/provision/contracts/" in word)

    sign_in(page, hub)
    page.goto("/staff/provision/")
    assert "OCC-FM-0412" in page.locator("table", has_text="next 18 months").inner_text()
    assert_accessible(page)
    page.goto(link[link.index("/staff/"):])
    assert page.locator("#runway").inner_text() == "In its runway"
    assert_accessible(page)
    page.get_by_label("Contract value after the extension").fill("500,000")
    page.get_by_label("Why extend").fill("Re-tendering now would clash with the library refurbishment.")
    with page.expect_navigation():
        page.get_by_role("button", name="Ask for approval").click()
    assert "Extension sent for approval" in page.locator("body").inner_text()
    assert page.locator("#approval-steps").inner_text().count("waiting") == 2
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, director)
    page.goto("/staff/")
    with page.expect_navigation():
        page.locator("#my-contracts").get_by_role("link", name="OCC-FM-0412: Office cleaning").click()
    assert_accessible(page)
    page.get_by_label("Approve").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save decision").click()
    assert "Decision recorded" in page.locator("body").inner_text(), page.locator("main").inner_text()
    cleaning.refresh_from_db()
    assert cleaning.current_value_pence == 400_000_00  # one signature of two: nothing changes yet

    page.context.clear_cookies()
    sign_in(page, authoriser)
    page.goto("/staff/provision/approvals/")
    assert "OCC-FM-0412" in page.locator("main").inner_text(), page.locator("main").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="OCC-FM-0412").click()
    page.get_by_label("Approve").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save decision").click()
    assert "Nothing is waiting for your approval" in page.locator("main").inner_text()
    cleaning.refresh_from_db()
    assert (cleaning.current_value_pence, cleaning.extensions_used) == (500_000_00, 1)
    assert ContractAmendment.objects.filter(contract=cleaning).count() == 1

    page.context.clear_cookies()
    sign_in(page, hub)
    page.goto("/staff/provision/contracts/OCC-FM-0412/")
    assert "Extension" in page.locator("main").inner_text() and "£500,000.00" in page.locator("main").inner_text()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/staff/provision/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_an_import_with_a_bad_row_stores_nothing_and_lists_the_row(page, hub, make_supplier, tmp_path):
    supplier = make_supplier("Brightclean Facilities Ltd")
    paid = (timezone.localdate() - dt.timedelta(days=5)).isoformat()
    header = ("transaction_number,invoice_date,payment_date,supplier_id,supplier_name,amount_net,irrecoverable_vat,"
              "cost_centre,directorate,expense_type,purchase_order\n")
    good = f"T1,{paid},{paid},{supplier.finance_id},{supplier.name},100.00,0,FM1,Resources,Cleaning,\n"
    bad = f"T2,{paid},{paid},{supplier.finance_id},{supplier.name},a lot,0,FM1,Resources,Cleaning,\n"
    path = tmp_path / "ap.csv"
    path.write_text(header + good + bad)

    sign_in(page, hub)
    page.goto("/staff/provision/spend/import/")
    assert_accessible(page)
    page.get_by_label("Accounts payable").check()
    page.get_by_label("Export file (CSV or Excel)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    problems = page.locator("#import-problems").inner_text()
    assert "3" in problems and "Amount net must be an amount" in problems
    assert SpendLine.objects.count() == 0
    assert_accessible(page)

    path.write_text(header + good)
    page.get_by_label("Accounts payable").check()
    page.get_by_label("Export file (CSV or Excel)").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "1 line imported" in page.locator("#import-done").inner_text()
    assert SpendLine.objects.count() == 1
    assert_accessible(page)


def test_the_hub_merges_a_duplicate_supplier_from_the_look_alike_list(page, hub, make_supplier, make_contract):
    """Brightclean twice: the hub finds the pair, compares them, keeps one, and the other's number still finds it."""
    kept = make_supplier("Brightclean Facilities Limited", finance_id="F1001")
    duplicate = make_supplier("Brightclean Facilities Ltd", finance_id="F2002")
    make_contract("OCC-FM-0999", suppliers=[duplicate], value=50_000_00,
                  end=timezone.localdate() + dt.timedelta(days=400), title="Window cleaning")

    sign_in(page, hub)
    page.goto("/staff/provision/suppliers/look-alike/")
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Check and merge Brightclean Facilities").first.click()
    assert "Merge two suppliers" in page.locator("h1").inner_text()
    assert_accessible(page)

    with page.expect_navigation():  # nothing chosen: a clear message, nothing merged
        page.get_by_role("button", name="Merge suppliers").click()
    assert "Choose the supplier to keep" in page.locator(".govuk-error-summary").inner_text()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id is None
    assert_accessible(page)

    page.get_by_label("Keep Brightclean Facilities Limited (F1001)").check()
    page.get_by_label("Why are these the same organisation?").fill("Same company number and office address.")
    with page.expect_navigation():
        page.get_by_role("button", name="Merge suppliers").click()
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == kept.pk
    assert "Brightclean Facilities Limited" in page.locator("main").inner_text()
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/staff/provision/suppliers/?q=F2002")  # the old finance number finds the supplier it became
    assert "Brightclean Facilities Limited" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
