"""End to end in Chromium: a business admin officer logs two scanned letters, matches one to its case by the
reference it quotes and routes it to the team's queue, routes the other (matching nobody) straight to a team with a
note; then uploads a SEN file with mistakes, reads the
row-by-row report, fixes the file and uploads it clean. axe-core on every page."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bas.intake import samples
from bas.intake.demo import letter_pdf
from bas.intake.models import PostItem, SenPupilRecord
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_post_logged_matched_routed_and_a_sen_file_fixed_and_uploaded(page, tmp_path, bas_officer, case, service,
                                                                       other_team, post_for_team_service):
    first, second = tmp_path / "letter-1.pdf", tmp_path / "letter-2.pdf"
    first.write_bytes(letter_pdf(["Dear council", f"About case {case.reference}", "The pothole is still there."]))
    second.write_bytes(letter_pdf(["To whom it may concern", "Please send me a bus pass form."]))
    received = timezone.localdate() - dt.timedelta(days=1)

    sign_in(page, bas_officer)
    page.goto("/staff/")
    with page.expect_navigation():
        page.locator("#post-room").get_by_role("link", name="Nothing waiting in the post room").click()
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Log scanned post").click()
    page.get_by_label("Day").fill(str(received.day))
    page.get_by_label("Month").fill(str(received.month))
    page.get_by_label("Year").fill(str(received.year))
    page.get_by_label("Scanned post").set_input_files([str(first), str(second)])
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Log post").click()
    assert "2 items of post logged" in page.locator("body").inner_text()
    assert "Waiting to be routed (2)" in page.locator("main").inner_text()
    assert_accessible(page)

    letter = PostItem.objects.order_by("id").first()
    with page.expect_navigation():
        page.get_by_role("link", name=letter.reference).click()
    assert_accessible(page)
    page.get_by_label("Who it is from").fill("Alice Resident")
    page.get_by_label("What it is about").fill("Says the pothole she reported is still there")
    with page.expect_navigation():
        page.get_by_role("button", name="Save details").click()
    page.get_by_label("Case reference").fill(case.reference.lower().replace("-", " "))
    with page.expect_navigation():
        page.get_by_role("button", name="Match to this case").click()
    assert f"Case {case.reference}" in page.locator("#matched-to").inner_text()
    assert_accessible(page)
    page.get_by_label("Route to").select_option(label=f"{service.team.name}: {service.name}")
    with page.expect_navigation():
        page.get_by_role("button", name="Route post").click()
    assert f"routed to {service.team.name}" in page.locator("body").inner_text()
    assert "Waiting to be routed (1)" in page.locator("main").inner_text()  # the other letter still waits
    letter.refresh_from_db()
    assert letter.is_routed and letter.routed_case.parent == case and letter.routed_case.team == service.team
    assert_accessible(page)

    # The other letter names no customer and quotes no case: straight to a team's queue, saying why.
    other = PostItem.objects.exclude(pk=letter.pk).get()
    with page.expect_navigation():
        page.get_by_role("link", name=other.reference).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Route to this team").click()
    assert "Choose the team to route the post to" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Team", exact=True).select_option(label=other_team.name)
    page.get_by_label("What it is and why it goes to this team").fill("Asks for a bus pass form; no reference")
    with page.expect_navigation():
        page.get_by_role("button", name="Route to this team").click()
    assert f"routed to {other_team.name}" in page.locator("body").inner_text()
    assert "Waiting to be routed (0)" in page.locator("main").inner_text()
    other.refresh_from_db()
    assert other.is_routed and other.routed_case.team == other_team and other.routed_case.requested_by == bas_officer
    assert_accessible(page)

    broken, fixed = tmp_path / "sen-pupils.csv", tmp_path / "sen-pupils-fixed.csv"
    broken.write_bytes(samples.sen_csv_with_errors(30))
    fixed.write_bytes(samples.sen_csv(30))
    with page.expect_navigation():
        page.get_by_role("link", name="Bulk data uploads").click()
    assert_accessible(page)
    page.get_by_label("SEN pupil records").check()
    page.get_by_label("Spreadsheet (CSV or Excel .xlsx)").set_input_files(str(broken))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "Nothing was stored: 6 problems" in page.locator("#upload-result").inner_text()
    report = page.locator("#upload-problems").inner_text()
    assert "spreadsheet formula" in report and "UPN is repeated" in report and "Primary need must be one of" in report
    assert SenPupilRecord.objects.count() == 0
    assert_accessible(page)

    with page.expect_navigation():
        page.locator("#upload-result").get_by_role("link", name="upload the whole file again").click()
    page.get_by_label("SEN pupil records").check()
    page.get_by_label("Spreadsheet (CSV or Excel .xlsx)").set_input_files(str(fixed))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "30 rows imported" in page.locator("#upload-result").inner_text()
    assert SenPupilRecord.objects.count() == 30
    assert_accessible(page)
