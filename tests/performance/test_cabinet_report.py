"""The Cabinet report: exceptions first with commentary, HTML and a real PDF, made once when the period
closes (after commit), stored unchanged, and figures that the nightly job no longer touches."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from oxtom.core import pdf as core_pdf
from performance import reports, services, tasks
from performance.models import CabinetReport, Period, Value
from tests.casework.factories import CaseFactory

from .factories import MeasureFactory, PeriodFactory, target, value

MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.fixture
def april(db):
    march = PeriodFactory(start=MARCH)
    april = PeriodFactory(start=APRIL)
    satisfaction = MeasureFactory(code="satisfaction", name="Resident satisfaction", unit="percent",
                                  polarity="higher", source="manual", display_order=1)
    waits = MeasureFactory(code="waits", name="Typical wait for a repair", unit="days", precision=1,
                           polarity="lower", source="manual", display_order=2)
    fine = MeasureFactory(code="fine", name="Libraries open on time", unit="percent", polarity="higher",
                          source="manual", display_order=3)
    value(satisfaction, march, D("78")), value(satisfaction, april, D("70"))  # red and worse
    value(waits, march, D("4")), value(waits, april, D("4.5"))  # worse, no target
    value(fine, march, D("97")), value(fine, april, D("98"))  # green, better
    target(satisfaction, april, D("80"), D("5"))
    target(fine, april, D("95"))
    return april


def close(period, by):
    services.commentary_add(measure=services.Measure.objects.get(code="satisfaction"), period=period,
                            text="Fewer surveys returned – a new round is under way", by=by)
    return services.period_close(period=period, by=by)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_exceptions_come_first_with_commentary(april, analyst):
    close(april, analyst)
    content = reports.report_content(Period.objects.get(pk=april.pk))
    assert [r["code"] for r in content["exceptions"]] == ["satisfaction", "waits"]  # red first, then worsening
    assert content["exceptions"][0]["commentary"].startswith("Fewer surveys returned")
    assert content["exceptions"][0]["rag_label"] == "Red: off target"
    assert [r["code"] for r in content["others"]] == ["fine"]
    assert content["counts"] == {"red": 1, "amber": 0, "green": 1, "measures": 3}


def test_report_content_costs_six_queries_whatever_the_number_of_measures(april, analyst, django_assert_num_queries):
    with django_assert_num_queries(6):
        reports.report_content(april)
    for i in range(5):
        measure = MeasureFactory(code=f"more-{i}", source="manual")
        value(measure, april, D("5"))
        target(measure, april, D("10"))
        services.commentary_add(measure=measure, period=april, text=f"why {i}", by=analyst)
    with django_assert_num_queries(6):
        assert len(reports.report_content(april)["exceptions"]) == 7


def test_closing_queues_the_report_after_commit_and_the_task_makes_a_real_pdf(
        april, analyst, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_report", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        close(april, analyst)
        assert queued == []  # nothing before the close commits
    assert queued == [april.pk]
    tasks.generate_cabinet_report(april.pk)
    report = CabinetReport.objects.get(period=april)
    data = bytes(report.pdf)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Performance report for Cabinet: April 2026" in text
    assert text.index("Resident satisfaction") < text.index("Typical wait for a repair") < text.index(
        "Libraries open on time")  # exceptions first
    assert "Fewer surveys returned" in text and "Red: off target" in text
    # running the task again (a redelivered message) changes nothing
    tasks.generate_cabinet_report(april.pk)
    assert CabinetReport.objects.count() == 1 and bytes(CabinetReport.objects.get().pdf) == data


def test_an_open_period_has_no_report(april, analyst):
    with pytest.raises(ValueError):
        reports.cabinet_report_generate(period=april)


def test_locked_figures_and_the_report_do_not_change_when_the_nightly_job_reruns(april, analyst, division_a):
    received = MeasureFactory(code="cases-received", name="Cases received", unit="count", polarity="neutral",
                              source="computed")
    CaseFactory(division=division_a, received_at=dt.datetime(2026, 4, 10, 10, tzinfo=dt.timezone.utc))
    services.compute_measures(months=[MARCH, APRIL], codes=["cases-received"])
    assert Value.objects.get(measure=received, period=april, area_key="county").value == D("1")
    close(april, analyst)
    reports.cabinet_report_generate(period=Period.objects.get(pk=april.pk))
    before = bytes(CabinetReport.objects.get().pdf), CabinetReport.objects.get().content
    locked = sorted(Value.objects.filter(period=april).values_list("measure_id", "area_key", "value", "recorded_at"))
    # late data for April arrives, and the nightly job runs again
    for _ in range(3):
        CaseFactory(division=division_a, received_at=dt.datetime(2026, 4, 20, 10, tzinfo=dt.timezone.utc))
    result = services.compute_measures(months=[MARCH, APRIL], codes=["cases-received"])
    assert result.skipped_locked == 1
    assert sorted(Value.objects.filter(period=april).values_list("measure_id", "area_key", "value",
                                                                  "recorded_at")) == locked
    assert Value.objects.get(measure=received, period__start=MARCH, area_key="county").value == D("0")
    report = CabinetReport.objects.get()
    assert (bytes(report.pdf), report.content) == before


def test_the_nightly_job_makes_reports_a_lost_task_missed(april, analyst, settings):
    close(april, analyst)  # on_commit never fires inside the test transaction: as if the message was lost
    assert reports.missing_reports() == [april]
    settings.PERFORMANCE_COMPUTE_MONTHS = 1
    tasks.compute_measures()
    assert CabinetReport.objects.filter(period=april).exists()
    assert reports.missing_reports() == []


def test_a_report_that_cannot_be_made_does_not_stop_the_others_or_fail_the_nightly_job(
        april, analyst, settings, monkeypatch, caplog):
    close(april, analyst)
    march = Period.objects.get(start=MARCH)
    services.period_close(period=march, by=analyst)  # March has no red: no commentary needed
    real = reports.render_pdf

    def render_pdf(content):
        if content["period"] == "2026-03":
            raise RuntimeError("font missing")
        return real(content)

    monkeypatch.setattr(reports, "render_pdf", render_pdf)
    settings.PERFORMANCE_COMPUTE_MONTHS = 1
    tasks.compute_measures()
    assert list(CabinetReport.objects.values_list("period__start", flat=True)) == [APRIL]
    assert reports.missing_reports() == [march]  # tried again tomorrow
    assert "could not make the Cabinet report for March 2026" in caplog.text


def test_html_and_pdf_download(client_for, april, analyst, councillor_of_division, officer_in_team):
    close(april, analyst)
    reports.cabinet_report_generate(period=Period.objects.get(pk=april.pk))
    client = client_for(analyst)
    html = client.get("/staff/performance/reports/2026-04/").content.decode()
    assert "Exceptions: off target or getting worse" in html and "Fewer surveys returned" in html
    assert html.index("Resident satisfaction") < html.index("Libraries open on time")
    assert "Download the report (PDF)" in html and "Draft" not in html
    response = client.get("/staff/performance/reports/2026-04/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "Resident satisfaction" in pdf_text(response.content)
    for other in (councillor_of_division, officer_in_team):
        assert client_for(other).get("/staff/performance/reports/2026-04/report.pdf").status_code == 403


def test_open_period_shows_a_draft_without_a_pdf(client_for, april, analyst):
    html = client_for(analyst).get("/staff/performance/reports/2026-04/").content.decode()
    assert "Draft: the month is open" in html and "Download the report" not in html
    assert client_for(analyst).get("/staff/performance/reports/2026-04/report.pdf").status_code == 404


def test_pdf_survives_text_outside_latin_1(april, analyst, monkeypatch):
    monkeypatch.setattr(core_pdf, "FONT_DIRS", [])  # no Unicode font on this machine: Helvetica, narrowed
    services.commentary_add(measure=services.Measure.objects.get(code="satisfaction"), period=april,
                            text="Staff “away” – 💡 see plan", by=analyst)
    services.period_close(period=april, by=analyst)
    report = reports.cabinet_report_generate(period=Period.objects.get(pk=april.pk))
    assert "Staff \"away\" - ? see plan" in pdf_text(bytes(report.pdf))
