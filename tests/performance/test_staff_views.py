"""Analysts' pages under /staff/performance/: role matrix, forms with bad and hostile input, the
second-analyst rule, imports with a row-by-row report, closing periods, constant query counts."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from performance import services
from performance.models import (
    CabinetReport, Commentary, Comparator, ComparatorGroup, ImportBatch, Period, Target, Value, ValueEntry,
)

from .factories import MeasureFactory, PeriodFactory, target, value
from .test_public_views import months

ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "team_leader", "councillor_of_division",
         "councillor_elsewhere", "administrator", "analyst"]
ALLOWED = {"analyst", "administrator"}  # administrators hold every permission
HEADER = "measure_code,period,area_type,area_code,value,base\n"


@pytest.fixture
def data(db, division_a, division_b):
    periods = months(3)
    satisfaction = MeasureFactory(code="satisfaction", name="Resident satisfaction", unit="percent",
                                  polarity="higher", source="manual", display_order=1)
    imported = MeasureFactory(code="partner-rate", name="Partner rate", unit="percent", source="imported")
    computed = MeasureFactory(code="reports", name="Reports", unit="count", polarity="neutral", source="computed")
    for p in periods:
        value(satisfaction, p, D("70"), base=400)
        value(computed, p, D("120"))
        value(computed, p, D("60"), division=division_a)
    target(satisfaction, periods[-1], D("80"), D("5"))
    return {"periods": periods, "satisfaction": satisfaction, "imported": imported, "computed": computed}


def month(period: Period) -> str:
    return period.start.strftime("%Y-%m")


def paths(data) -> list[str]:
    p = month(data["periods"][-1])
    return ["/staff/performance/", "/staff/performance/measures/satisfaction/",
            "/staff/performance/measures/satisfaction/target/", "/staff/performance/measures/satisfaction/commentary/",
            "/staff/performance/measures/satisfaction/figures/new/", "/staff/performance/approvals/",
            "/staff/performance/measures/satisfaction/definition/",
            "/staff/performance/import/", "/staff/performance/comparators/", "/staff/performance/comparators/new/",
            "/staff/performance/periods/", f"/staff/performance/periods/{p}/close/",
            f"/staff/performance/reports/{p}/"]


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(request, client_for, data, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    for path in paths(data):
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path
        else:
            assert response.status_code == (200 if role in ALLOWED else 403), (role, path)


def test_unknown_things_are_not_found(client_for, data, analyst):
    client = client_for(analyst)
    for path in ("/staff/performance/measures/nope/", "/staff/performance/measures/nope/target/",
                 "/staff/performance/approvals/999999/", "/staff/performance/reports/2001-01/",
                 "/staff/performance/reports/2026-13/", "/staff/performance/periods/1999-01/close/",
                 "/staff/performance/reports/2001-01/report.pdf",
                 # typed figures only for manual measures
                 "/staff/performance/measures/reports/figures/new/"):
        assert client.get(path).status_code == 404, path


def test_measure_list_shows_status_and_needs_commentary(client_for, data, analyst):
    html = client_for(analyst).get("/staff/performance/").content.decode()
    assert "Resident satisfaction" in html and "Red: off target" in html and "Needs commentary" in html


def test_measure_list_shows_the_last_nightly_run_and_its_errors(client_for, data, analyst):
    from django.utils import timezone

    from performance.models import ComputationRun

    ComputationRun.objects.create(started_at=timezone.now(), finished_at=timezone.now(), periods=13,
                                  values_written=900, errors=["cases-overdue: RuntimeError: <b>boom</b>"])
    html = client_for(analyst).get("/staff/performance/").content.decode()
    assert "900 figures for 13 open months" in html
    assert "1 measure could not be computed: cases-overdue: RuntimeError: &lt;b&gt;boom&lt;/b&gt;" in html


def test_measure_page_shows_definition_values_targets_versions_and_commentary(client_for, data, analyst, division_a):
    services.commentary_add(measure=data["satisfaction"], period=data["periods"][-1], text="Survey was short",
                            by=analyst)
    services.measure_update(measure=data["satisfaction"], changes={"calculation": "Now weighted"},
                            reason="Weighting added", by=analyst)
    html = client_for(analyst).get("/staff/performance/measures/satisfaction/").content.decode()
    for text in ("What it measures", "Now weighted", "70.0%", "80.0%", "Red: off target", "Survey was short",
                 "Weighting added", "version 2"):
        assert text in html, text
    html = client_for(analyst).get("/staff/performance/measures/reports/").content.decode()
    assert division_a.name in html  # by division


def test_query_counts_are_constant(client_for, data, analyst, division_a):
    client = client_for(analyst)

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    pages = ["/staff/performance/", "/staff/performance/measures/satisfaction/", "/staff/performance/approvals/",
             "/staff/performance/periods/", f"/staff/performance/reports/{month(data['periods'][-1])}/",
             "/staff/performance/comparators/"]
    services.comparator_group_create(name="Counties", as_of=dt.date(2025, 4, 1),
                                     members=[("E10000013", "Gloucestershire")], by=analyst)
    before = [count(p) for p in pages]
    for i in range(6):
        services.comparator_group_create(name=f"Set {i}", as_of=dt.date(2025, 4, 2 + i),
                                         members=[(f"E1000002{i}", f"Council {i}"), (f"E1000003{i}", "Other")],
                                         by=analyst)
        m = MeasureFactory(code=f"more-{i}", source="manual")
        for p in data["periods"]:
            value(m, p, D("5"))
        services.value_entry_submit(measure=m, period=data["periods"][-1], division=division_a, value=D("1"),
                                    by=analyst)
        services.commentary_add(measure=data["satisfaction"], period=data["periods"][-1], text=f"note {i}",
                                by=analyst)
    assert [count(p) for p in pages] == before
    assert max(before) <= 16


# --- targets ---------------------------------------------------------------------------------------


def test_set_a_target(client_for, data, analyst):
    p = data["periods"][-1]
    response = client_for(analyst).post("/staff/performance/measures/satisfaction/target/",
                                        {"period": month(p), "value": "85", "amber_tolerance": "2.5"})
    assert response.status_code == 302
    t = Target.objects.get(measure=data["satisfaction"], period=p)
    assert (t.value, t.amber_tolerance, t.set_by) == (D("85"), D("2.5"), analyst)


@pytest.mark.parametrize("form,message", [
    ({"period": "2031-01", "value": "85"}, "Choose a period that exists"),
    ({"period": "April", "value": "85"}, "Enter the month as year and month"),
    ({"period": "", "value": "85"}, "Enter the month"),
    ({"period": "THIS", "value": "eighty"}, "Target must be a number"),
    ({"period": "THIS", "value": ""}, "Enter the target"),
    ({"period": "THIS", "value": "1e400"}, "Target must be a number"),
    ({"period": "THIS", "value": "9" * 31}, "Target must be 30 characters or fewer"),
    ({"period": "THIS", "value": "85", "amber_tolerance": "-1"}, "Amber tolerance must be 0 or more"),
    ({"period": "THIS", "value": "<script>alert(1)</script>"}, "Target must be a number"),
])
def test_bad_targets_are_refused(client_for, data, analyst, form, message):
    form = {k: v.replace("THIS", month(data["periods"][-1])) for k, v in form.items()}
    before = list(Target.objects.values_list("pk", "value"))
    response = client_for(analyst).post("/staff/performance/measures/satisfaction/target/", form)
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "<title>Error:" in html
    assert "<script>alert(1)</script>" not in html
    assert list(Target.objects.values_list("pk", "value")) == before


def test_a_closed_period_refuses_targets(client_for, data, analyst):
    p = data["periods"][0]
    Period.objects.filter(pk=p.pk).update(status="closed")
    html = client_for(analyst).post("/staff/performance/measures/satisfaction/target/",
                                    {"period": month(p), "value": "1"}).content.decode()
    assert "is closed: its targets are locked" in html
    assert not Target.objects.filter(period=p).exists()


# --- commentary ------------------------------------------------------------------------------------


def test_commentary_is_added_with_history_and_escaped(client_for, data, analyst, second_analyst):
    p = month(data["periods"][-1])
    client_for(analyst).post("/staff/performance/measures/satisfaction/commentary/", {"period": p, "text": "First"})
    client_for(second_analyst).post("/staff/performance/measures/satisfaction/commentary/",
                                    {"period": p, "text": "<script>alert(1)</script> later"})
    assert Commentary.objects.count() == 2
    html = client_for(analyst).get("/staff/performance/measures/satisfaction/").content.decode()
    assert "First" in html and "&lt;script&gt;alert(1)&lt;/script&gt; later" in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("form,message", [
    ({"period": "THIS", "text": ""}, "Enter the commentary"),
    ({"period": "THIS", "text": "x" * 5001}, "Commentary must be 5,000 characters or fewer"),
    ({"period": "2031-01", "text": "x"}, "There is no period for January 2031"),
    ({"period": "2026/04", "text": "x"}, "Enter the month as year and month"),
])
def test_bad_commentary_is_refused(client_for, data, analyst, form, message):
    form = {k: v.replace("THIS", month(data["periods"][-1])) for k, v in form.items()}
    html = client_for(analyst).post("/staff/performance/measures/satisfaction/commentary/", form).content.decode()
    assert message in html
    assert not Commentary.objects.exists()


# --- manual figures and the second analyst ----------------------------------------------------------


def test_enter_and_approve_by_a_second_analyst(client_for, data, analyst, second_analyst, division_a):
    p = data["periods"][-1]
    response = client_for(analyst).post("/staff/performance/measures/satisfaction/figures/new/", {
        "period": month(p), "division": division_a.pk, "value": "91.5", "base": "40", "note": "Survey"})
    assert response.status_code == 302
    entry = ValueEntry.objects.get()
    assert not Value.objects.filter(area_key=f"d:{division_a.pk}", measure=data["satisfaction"]).exists()
    # the person who typed it cannot approve it
    own = client_for(analyst).post(f"/staff/performance/approvals/{entry.pk}/", {"decision": "approve"})
    assert "Another analyst must approve a figure you entered" in own.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending"
    html = client_for(second_analyst).get("/staff/performance/approvals/").content.decode()
    assert "Resident satisfaction" in html and "Ann Analyst" in html
    assert client_for(second_analyst).post(f"/staff/performance/approvals/{entry.pk}/",
                                           {"decision": "approve"}).status_code == 302
    stored = Value.objects.get(area_key=f"d:{division_a.pk}", measure=data["satisfaction"])
    assert (stored.value, stored.base, stored.source) == (D("91.5"), 40, "manual")
    # a second submission of the same decision is refused, not applied twice
    again = client_for(second_analyst).post(f"/staff/performance/approvals/{entry.pk}/", {"decision": "reject",
                                                                                         "note": "x"})
    assert again.status_code == 200
    entry.refresh_from_db()
    assert entry.status == "approved"


def test_rejecting_needs_a_reason(client_for, data, analyst, second_analyst):
    entry = services.value_entry_submit(measure=data["satisfaction"], period=data["periods"][-1], division=None,
                                        value=D("79"), by=analyst)
    client = client_for(second_analyst)
    assert "Say why the figure is rejected" in client.post(f"/staff/performance/approvals/{entry.pk}/",
                                                           {"decision": "reject"}).content.decode()
    assert "Select whether to approve or reject" in client.post(f"/staff/performance/approvals/{entry.pk}/",
                                                                {"decision": "maybe"}).content.decode()
    client.post(f"/staff/performance/approvals/{entry.pk}/", {"decision": "reject", "note": "Wrong survey"})
    entry.refresh_from_db()
    assert entry.status == "rejected"


@pytest.mark.parametrize("form,message", [
    ({"value": "70"}, "This figure is red: say why in the commentary"),  # county, 70 against 80 +/- 5
    ({"value": "lots"}, "Figure must be a number"),
    ({"value": "70", "division": "999999"}, "Choose the county or a division in the current boundaries"),
    ({"value": "70", "base": "-3"}, "Enter a whole number of 0 or more"),
    ({"value": "70", "base": "4.5"}, "Enter a whole number"),
    ({"value": "70", "note": "x" * 1001}, "must be 1,000 characters or fewer"),
    ({"value": "70", "period": "2031-02"}, "There is no period for February 2031"),
])
def test_bad_figures_are_refused(client_for, data, analyst, form, message):
    form = {"period": month(data["periods"][-1]), **form}
    html = client_for(analyst).post("/staff/performance/measures/satisfaction/figures/new/", form).content.decode()
    assert message in html
    assert not ValueEntry.objects.exists() and not Commentary.objects.exists()


def test_a_red_figure_with_commentary_is_accepted(client_for, data, analyst):
    client_for(analyst).post("/staff/performance/measures/satisfaction/figures/new/", {
        "period": month(data["periods"][-1]), "value": "70", "commentary": "Fewer surveys returned"})
    assert ValueEntry.objects.count() == 1 and Commentary.objects.get().text == "Fewer surveys returned"


# --- imports -----------------------------------------------------------------------------------------


def upload(client, text: bytes | str, group=None, name="partner.csv"):
    data = text.encode() if isinstance(text, str) else text
    form = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if group is not None:
        form["comparator_group"] = group.pk
    return client.post("/staff/performance/import/", form)


def test_a_good_import_is_stored(client_for, data, analyst, division_a):
    p = month(data["periods"][0])
    response = upload(client_for(analyst), HEADER + f"partner-rate,{p},county,,81.5,400\n"
                      f"partner-rate,{p},division,{division_a.slug},79,20\n")
    html = response.content.decode()
    assert "2 figures imported" in html
    assert Value.objects.filter(measure=data["imported"]).count() == 2 and ImportBatch.objects.count() == 1


def test_a_bad_import_lists_every_problem_by_row_and_stores_nothing(client_for, data, analyst):
    p = month(data["periods"][0])
    text = (HEADER + f"partner-rate,{p},county,,81.5,\n"
            f"partner-rate,{p},county,,eighty,\n"
            f"partner-rate,{p},division,E99999999,70,\n"
            f"partner-rate,{p},county,,82,\n"
            f"<script>alert(1)</script>,{p},county,,1,\n")
    html = upload(client_for(analyst), text).content.decode()
    assert "The file was not imported: 4 problems" in html and "Nothing was stored" in html
    assert "Value &#x27;eighty&#x27; is not a number" in html
    assert "Unknown division code &#x27;E99999999&#x27;" in html
    assert "Duplicate: row 2 already has partner-rate" in html
    assert "&lt;script&gt;" in html and "<script>alert(1)</script>" not in html
    assert not Value.objects.filter(measure=data["imported"]).exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize("text,message", [
    ("measure,month,value\nx,2026-03,1\n", "The columns must be measure_code"),
    (b"", "The file is empty"),
    (b"a" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2MB"),
])
def test_wrong_columns_empty_and_oversized_files(client_for, data, analyst, text, message):
    html = upload(client_for(analyst), text).content.decode()
    assert message in html
    assert not ImportBatch.objects.exists()


def test_no_file_is_explained(client_for, data, analyst):
    assert "Choose a CSV file" in client_for(analyst).post("/staff/performance/import/", {}).content.decode()


# --- comparator groups -------------------------------------------------------------------------------


def test_comparator_group_is_a_dated_set(client_for, data, analyst):
    client = client_for(analyst)
    form = {"name": "CIPFA nearest neighbours", "as_of_day": "1", "as_of_month": "4", "as_of_year": "2025",
            "members": "E10000013, Gloucestershire\nE06000060,Buckinghamshire\n\n"}
    assert client.post("/staff/performance/comparators/new/", form).status_code == 302
    group = ComparatorGroup.objects.get()
    assert group.as_of == dt.date(2025, 4, 1)
    assert set(Comparator.objects.values_list("code", flat=True)) == {"E10000013", "E06000060"}
    # the same set again is a duplicate; a new date is a new group
    assert "There is already a group" in client.post("/staff/performance/comparators/new/", form).content.decode()
    client.post("/staff/performance/comparators/new/", {**form, "as_of_year": "2026"})
    assert ComparatorGroup.objects.count() == 2
    assert "Gloucestershire" in client.get("/staff/performance/comparators/").content.decode()


@pytest.mark.parametrize("members,message", [
    ("", "Enter at least one council"),
    ("Gloucestershire", "Line 1 must be an ONS code"),
    ("E10000013,Glos\nE10000013,Again", "Line 2 repeats E10000013"),
    ("<script>alert(1)</script>,x", "Line 1 must be an ONS code"),
])
def test_bad_comparator_groups(client_for, data, analyst, members, message):
    html = client_for(analyst).post("/staff/performance/comparators/new/", {
        "name": "Group", "as_of_day": "1", "as_of_month": "4", "as_of_year": "2025", "members": members}).content.decode()
    assert message in html
    assert not ComparatorGroup.objects.exists()


# --- closing a period --------------------------------------------------------------------------------


def test_closing_is_refused_while_reds_lack_commentary(client_for, data, analyst, monkeypatch):
    queued = []
    monkeypatch.setattr(services, "enqueue_cabinet_report", queued.append)
    client = client_for(analyst)
    # data's periods end with the last complete month; this one has not ended.
    current = PeriodFactory(start=timezone.localdate().replace(day=1))
    assert "has not ended yet" in client.post(f"/staff/performance/periods/{month(current)}/close/").content.decode()
    assert 'id="not-ended"' in client.get(f"/staff/performance/periods/{month(current)}/close/").content.decode()
    listing = client.get("/staff/performance/periods/").content.decode()
    assert f"Close {current.label}" not in listing and f"Close {data['periods'][-1].label}" in listing
    p = data["periods"][-1]  # already has a target the measure misses (see data)
    page = client.get(f"/staff/performance/periods/{month(p)}/close/").content.decode()
    assert "Red measures without commentary" in page and "Resident satisfaction" in page
    response = client.post(f"/staff/performance/periods/{month(p)}/close/")
    assert response.status_code == 200
    assert "Resident satisfaction is red for" in response.content.decode()
    assert "<title>Error:" in response.content.decode()
    p.refresh_from_db()
    assert not p.is_locked
    services.commentary_add(measure=data["satisfaction"], period=p, text="Survey response fell", by=analyst)
    assert client.post(f"/staff/performance/periods/{month(p)}/close/").status_code == 302
    p.refresh_from_db()
    assert p.is_locked
    # closing twice is refused, not repeated
    assert "already closed" in client.get(f"/staff/performance/periods/{month(p)}/close/").content.decode()
    assert "is already closed" in client.post(f"/staff/performance/periods/{month(p)}/close/").content.decode()
    assert not CabinetReport.objects.exists()  # the report is made by the task, after commit


# --- definitions -------------------------------------------------------------------------------------


def definition_form(measure, **changes) -> dict:
    form = {"name": measure.name, "definition": measure.definition, "calculation": measure.calculation,
            "precision": str(measure.precision), "polarity": measure.polarity, "owner": measure.owner,
            "directorate": measure.directorate, "tom_layer": measure.tom_layer, "reason": "Survey changed"}
    if measure.is_public:
        form["is_public"] = "on"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_changing_the_definition_makes_a_new_version(client_for, data, analyst):
    measure = data["satisfaction"]
    response = client_for(analyst).post("/staff/performance/measures/satisfaction/definition/",
                                        definition_form(measure, calculation="Weighted by age", is_public=None))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.version, measure.calculation, measure.is_public) == (2, "Weighted by age", False)
    version = measure.versions.get(version=2)
    assert version.reason == "Survey changed" and version.changed_by == analyst
    assert set(Value.objects.filter(measure=measure).values_list("measure_version", flat=True)) == {1}


@pytest.mark.parametrize("changes,message", [
    ({}, "Nothing has changed"),
    ({"name": "x", "reason": ""}, "Enter why the definition is changing"),
    ({"name": ""}, "Enter the measure&#x27;s name"),
    ({"precision": "9"}, "Choose 0 to 4 decimal places"),
    ({"polarity": "sideways"}, "Choose whether higher is better"),
    ({"calculation": "x" * 4001}, "must be 4,000 characters or fewer"),
    ({"name": "<script>alert(1)</script>", "reason": "<b>why</b>" * 40}, "Why must be 300 characters or fewer"),
])
def test_bad_definition_changes_are_refused(client_for, data, analyst, changes, message):
    measure = data["satisfaction"]
    html = client_for(analyst).post("/staff/performance/measures/satisfaction/definition/",
                                    definition_form(measure, **changes)).content.decode()
    assert message in html and "<title>Error:" in html
    assert "<script>alert(1)</script>" not in html
    measure.refresh_from_db()
    assert measure.version == 1 and measure.versions.count() <= 1


def test_the_admin_cannot_bypass_definition_versions(admin_client, data):
    response = admin_client.get(f"/django-admin/performance/measure/{data['satisfaction'].pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Weighted" not in html and data["satisfaction"].calculation in html  # shown, read-only
    assert 'name="calculation"' not in html and 'name="name"' not in html
