"""Publishing the Cabinet report: a second analyst approves it (never the one who closed the month),
members read it and compare exceptions with the month before, the public reads it with small numbers
suppressed and private measures left out, and every councillor is emailed a link once, through the outbox."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from oxtom.notify.models import OutboundMessage
from performance import publication, reports, services
from performance.models import CabinetReport, Period

from .factories import MeasureFactory, PeriodFactory, target, value

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)
ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "team_leader", "councillor_of_division",
         "councillor_elsewhere", "administrator", "analyst"]


@pytest.fixture
def months_closed(db, analyst):
    """March and April closed by `analyst`, each with its stored report (not yet published)."""
    march, april = PeriodFactory(start=MARCH), PeriodFactory(start=APRIL)
    satisfaction = MeasureFactory(code="satisfaction", name="Resident satisfaction", unit="percent",
                                  polarity="higher", display_order=1)
    waits = MeasureFactory(code="waits", name="Typical wait for a repair", unit="days", polarity="lower",
                           display_order=2)
    tiny = MeasureFactory(code="test-complaints-upheld", name="Complaints upheld", unit="count", polarity="lower",
                          display_order=3)
    secret = MeasureFactory(code="internal", name="Internal staffing measure", unit="percent", polarity="higher",
                            is_public=False, display_order=4)
    feb = PeriodFactory(start=dt.date(2026, 2, 1))
    value(satisfaction, feb, D("60"), base=400), value(waits, feb, D("9"))
    value(satisfaction, march, D("70"), base=400), value(satisfaction, april, D("82"), base=400)
    value(waits, march, D("4")), value(waits, april, D("5"))  # worse in April: an exception
    value(tiny, march, D("2")), value(tiny, april, D("3"))  # worse, and a small number
    value(secret, march, D("50")), value(secret, april, D("40"))
    target(satisfaction, march, D("80"), D("5")), target(satisfaction, april, D("80"), D("5"))
    for period in (march, april):
        services.commentary_add(measure=satisfaction, period=period, text="Survey returns are down", by=analyst)
        services.commentary_add(measure=secret, period=period, text="Vacancies", by=analyst)
        services.period_close(period=period, by=analyst)
        reports.cabinet_report_generate(period=Period.objects.get(pk=period.pk))
    return {"march": march, "april": april}


def report_for(start: dt.date) -> CabinetReport:
    return CabinetReport.objects.select_related("period").get(period__start=start)


def test_the_analyst_who_closed_the_month_cannot_approve_its_report(months_closed, analyst, client_for):
    with pytest.raises(publication.ValidationError, match="another analyst must approve"):
        publication.cabinet_report_approve(report=report_for(APRIL), by=analyst)
    client = client_for(analyst)
    page = client.get("/staff/performance/reports/2026-04/")
    assert "another analyst must approve" in page.content.decode()
    assert "Approve and publish" not in page.content.decode()
    response = client.post("/staff/performance/reports/2026-04/approve/", follow=True)
    assert "another analyst must approve" in response.content.decode()
    assert report_for(APRIL).published_at is None
    assert not OutboundMessage.objects.filter(template_code="cabinet-report-published").exists()


def test_a_second_analyst_publishes_and_every_councillor_is_emailed_once(
        months_closed, second_analyst, councillor_of_division, councillor_elsewhere, client_for):
    client = client_for(second_analyst)
    assert "Approve and publish" in client.get("/staff/performance/reports/2026-04/").content.decode()
    response = client.post("/staff/performance/reports/2026-04/approve/", follow=True)
    assert "is published" in response.content.decode()
    report = report_for(APRIL)
    assert report.published_at is not None and report.approved_by == second_analyst
    messages = OutboundMessage.objects.filter(template_code="cabinet-report-published")
    assert sorted(messages.values_list("recipient", flat=True)) == sorted(
        [councillor_of_division.email, councillor_elsewhere.email])
    body = messages.first().body
    assert "/members/reports/2026-04/" in body and "April 2026" in body
    # approving again (a second tab, a replay) publishes and emails nothing more
    response = client.post("/staff/performance/reports/2026-04/approve/", follow=True)
    assert "already approved" in response.content.decode()
    assert messages.count() == 2


def test_non_analysts_cannot_approve(months_closed, client_for, councillor_of_division, officer_in_team):
    for user in (councillor_of_division, officer_in_team):
        assert client_for(user).post("/staff/performance/reports/2026-04/approve/").status_code == 403
    assert client_for(None).post("/staff/performance/reports/2026-04/approve/").status_code == 302
    assert report_for(APRIL).published_at is None


def test_unknown_or_open_months_are_not_found(months_closed, second_analyst, client_for):
    client = client_for(second_analyst)
    PeriodFactory(start=dt.date(2026, 5, 1))
    for month in ("2026-05", "2025-01", "2026-13"):
        assert client.post(f"/staff/performance/reports/{month}/approve/").status_code == 404


def test_unpublished_reports_are_hidden_from_members_and_the_public(months_closed, client_for, councillor_of_division):
    assert client_for(councillor_of_division).get("/members/reports/2026-04/").status_code == 404
    assert client_for(None).get("/divisions/cabinet-reports/2026-04/").status_code == 404
    assert "No report has been published yet" in client_for(None).get("/divisions/cabinet-reports/").content.decode()


def test_members_read_the_series_and_compare_exceptions_with_the_month_before(
        months_closed, second_analyst, councillor_of_division, client_for):
    publication.cabinet_report_approve(report=report_for(MARCH), by=second_analyst)
    publication.cabinet_report_approve(report=report_for(APRIL), by=second_analyst)
    client = client_for(councillor_of_division)
    series = client.get("/members/reports/").content.decode()
    assert series.index("April 2026") < series.index("March 2026")
    page = client.get("/members/reports/2026-04/").content.decode()
    new = page[page.index('id="new-exceptions"'):page.index('id="continuing-exceptions"')]
    resolved = page[page.index('id="resolved-exceptions"'):page.index('id="exceptions"')]
    # March: satisfaction red (70 < 75); April: green (82) but waits got worse (4 -> 5)
    assert "Typical wait for a repair" in new and "Resident satisfaction" in resolved
    assert "Internal staffing measure" in page  # members read the whole report
    march = client.get("/members/reports/2026-03/").content.decode()
    assert "There is no earlier published report" in march
    pdf = client.get("/members/reports/2026-04/report.pdf")
    assert pdf.status_code == 200 and bytes(pdf.content).startswith(b"%PDF-")
    # the division page and the briefing pack link to the latest report
    for path in ("/members/division/", "/members/division/briefing/"):
        assert 'href="/members/reports/2026-04/"' in client.get(path).content.decode(), path


def test_the_public_copy_suppresses_small_numbers_and_leaves_out_private_measures(
        months_closed, second_analyst, client_for):
    publication.cabinet_report_approve(report=report_for(APRIL), by=second_analyst)
    page = client_for(None).get("/divisions/cabinet-reports/2026-04/").content.decode()
    assert "Typical wait for a repair" in page and "Resident satisfaction" in page
    assert "Internal staffing measure" not in page and "Vacancies" not in page
    upheld = page[page.index("Complaints upheld"):]
    assert "Fewer than 5" in upheld[:600]
    assert "2026-04" in client_for(None).get("/divisions/cabinet-reports/").content.decode()
    assert client_for(None).get("/divisions/cabinet-reports/2026-04/report.pdf").status_code == 404


def test_members_pages_are_for_members(months_closed, second_analyst, request, client_for):
    publication.cabinet_report_approve(report=report_for(APRIL), by=second_analyst)
    allowed = {"councillor_of_division", "councillor_elsewhere"}
    for role in ROLES:
        user = None if role == "anonymous" else request.getfixturevalue(role)
        for path in ("/members/reports/", "/members/reports/2026-04/", "/members/reports/2026-04/report.pdf"):
            response = client_for(user).get(path)
            if role == "anonymous":
                assert response.status_code == 302, path
            else:
                assert response.status_code == (200 if role in allowed else 403), (role, path)
        assert client_for(user).get("/divisions/cabinet-reports/2026-04/").status_code == 200


def test_series_pages_cost_constant_queries(months_closed, second_analyst, councillor_of_division, client_for,
                                            django_assert_num_queries, analyst):
    publication.cabinet_report_approve(report=report_for(MARCH), by=second_analyst)
    client = client_for(councillor_of_division)
    client.get("/members/reports/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    before = (count("/members/reports/"), count("/divisions/cabinet-reports/"), count("/members/reports/2026-03/"))
    publication.cabinet_report_approve(report=report_for(APRIL), by=second_analyst)
    for start in (dt.date(2026, 1, 1), dt.date(2025, 12, 1)):
        period = PeriodFactory(start=start)
        services.period_close(period=period, by=analyst)
        publication.cabinet_report_approve(report=reports.cabinet_report_generate(period=period), by=second_analyst)
    after = (count("/members/reports/"), count("/divisions/cabinet-reports/"), count("/members/reports/2026-03/"))
    assert after == before
