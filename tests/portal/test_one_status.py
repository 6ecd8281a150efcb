"""One source for a street report's status and its due date: the queue, the staff pages and the public page agree.

Before: "Get next case" left the public page saying "Reported" while the case said "In progress", and a
scheduled repair left the queue saying "In progress"; division figures counted cases not yet due as
past their target for the month in progress.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oxtom.cases import selectors as case_selectors
from oxtom.cases import services as casework
from oxtom.cases.models import Case, Status
from portal import services
from portal.models import ReportStatus, StreetReport

pytestmark = pytest.mark.django_db


def _status_on(client, path: str, element_id: str) -> str:
    html = client.get(path).content.decode()
    start = html.index(f'id="{element_id}"')
    return html[html.index(">", start) + 1:html.index("</", start)].strip()


def test_taking_a_report_from_the_queue_moves_the_public_status_too(client_for, make_report, officer_in_team, team,
                                                                   django_assert_max_num_queries):
    report = make_report()
    case = casework.case_claim_next(officer=officer_in_team, team=team)
    assert case.pk == report.case_id and case.status == Status.IN_PROGRESS
    report.refresh_from_db()
    assert report.public_status == ReportStatus.IN_PROGRESS
    reference = case.reference
    staff = client_for(officer_in_team)
    assert _status_on(staff, f"/staff/cases/{reference}/", "case-status") == "In progress"
    assert _status_on(staff, f"/staff/reports/{reference}/", "report-status") == "In progress"
    assert _status_on(client_for(None), f"/reports/{reference}/", "report-status") == "In progress"


def test_a_scheduled_repair_is_named_the_same_in_the_queue_as_on_the_report(client_for, make_report, officer_in_team,
                                                                           team, django_assert_max_num_queries):
    report = make_report()
    casework.case_assign(case=report.case, assignee=officer_in_team, expected_version=report.case.version,
                         by=officer_in_team)
    report.refresh_from_db()
    services.report_change_status(report=report, status=ReportStatus.SCHEDULED,
                                  expected_version=Case.objects.get(pk=report.case_id).version, by=officer_in_team,
                                  scheduled_on=timezone.localdate() + dt.timedelta(days=5))
    assert Case.objects.get(pk=report.case_id).status == Status.IN_PROGRESS  # the engine has no "scheduled"
    staff = client_for(officer_in_team)
    with django_assert_max_num_queries(30):
        html = staff.get(f"/staff/queues/{team.slug}/").content.decode()
    assert '<td class="govuk-table__cell">Repair scheduled</td>' in html
    assert '<td class="govuk-table__cell">In progress</td>' not in html
    assert _status_on(staff, f"/staff/cases/{report.case.reference}/", "case-status") == "Repair scheduled"


def test_the_queue_costs_the_same_queries_with_more_reports(client_for, make_report, officer_in_team, team,
                                                           django_assert_num_queries):
    make_report()
    staff = client_for(officer_in_team)
    staff.get(f"/staff/queues/{team.slug}/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        staff.get(f"/staff/queues/{team.slug}/")
    for n in range(4):
        make_report(answers={"depth_mm": "60", "width_mm": str(300 + n), "position": "road"},
                    latitude=52.06 + n * 0.001)
    with CaptureQueriesContext(connection) as five:
        staff.get(f"/staff/queues/{team.slug}/")
    assert len(five) == len(one)


def test_waiting_for_the_customer_is_still_shown_to_staff(make_report, officer_in_team):
    report = make_report()
    case = casework.case_assign(case=report.case, assignee=officer_in_team, expected_version=report.case.version,
                                by=officer_in_team)
    case = casework.case_request_information(case=case, request_text="Which side of the road is it?",
                                             expected_version=case.version, by=officer_in_team)
    case = case_selectors.get_case_for_user(officer_in_team, case.reference)
    assert case.status_label == "Waiting for the customer"


def test_overdue_is_one_fact_in_the_queue_and_the_division_figures(make_report, team, officer_in_team):
    """A case due later this month is not "past its target" yet; one due yesterday is, in both places."""
    from performance import services as performance
    from performance.models import Measure, Value

    today = timezone.localdate()
    late, later = make_report(), make_report(answers={"depth_mm": "70", "width_mm": "350", "position": "road"},
                                             latitude=52.061)
    Case.objects.filter(pk=late.case_id).update(due_at=today - dt.timedelta(days=1))
    Case.objects.filter(pk=later.case_id).update(due_at=today + dt.timedelta(days=40))
    page = case_selectors.queue_page(user=officer_in_team, team=team, filters=case_selectors.QueueFilters())
    assert page.counts["overdue"] == 1
    performance.compute_measures(months=[today.replace(day=1)], codes=["cases-overdue"])
    county = Value.objects.get(measure=Measure.objects.get(code="cases-overdue"), period__start=today.replace(day=1),
                               division=None)
    assert county.value == page.counts["overdue"]
    # A case due after today but before the month ends is on track in both places.
    Case.objects.filter(pk=later.case_id).update(due_at=today + dt.timedelta(days=1))
    performance.compute_measures(months=[today.replace(day=1)], codes=["cases-overdue"])
    county.refresh_from_db()
    assert county.value == 1
