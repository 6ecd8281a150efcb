"""Bulk data uploads: each declared dataset's schema (pandera), the row-by-row report, all-or-nothing storage,
duplicates, oversized and hostile files, formula-safe exports."""
from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from django.core.exceptions import PermissionDenied

from bas.intake import datasets, samples, services
from bas.intake.models import DatasetUpload, SenPupilRecord, TransportRoute
from oxtom.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _upload(by, data, dataset="sen_pupils", name="pupils.csv"):
    return services.dataset_upload(dataset=dataset, data=data, file_name=name, by=by)


def test_a_clean_sen_file_is_stored_whole(bas_officer):
    outcome = _upload(bas_officer, samples.sen_csv(40))
    assert outcome.imported and not outcome.already
    assert outcome.upload.rows == 40 and SenPupilRecord.objects.filter(upload=outcome.upload).count() == 40
    first = SenPupilRecord.objects.get(upload=outcome.upload, row_number=2)
    assert len(first.upn) == 13 and first.date_of_birth.year > 2000
    assert AuditEvent.objects.filter(target_type="bas_intake.datasetupload", action="create").count() == 1


def test_a_file_with_errors_stores_nothing_and_reports_each_row_and_column(bas_officer):
    outcome = _upload(bas_officer, samples.sen_csv_with_errors(40))
    upload = outcome.upload
    assert upload.status == DatasetUpload.Status.REJECTED and SenPupilRecord.objects.count() == 0
    found = {(e["row"], e["column"]) for e in upload.errors}
    assert found == {(4, "upn"), (7, "surname"), (10, "date_of_birth"), (13, "primary_need"),
                     (16, "ehc_plan_issued_on"), (19, "upn")}
    messages = {e["column"]: e["message"] for e in upload.errors}
    assert "formula" in messages["surname"] and "ADHD" not in messages["primary_need"]
    assert "one of SPLD" in messages["primary_need"]
    assert upload.error_count == 6


def test_the_same_file_twice_is_one_import(bas_officer):
    data = samples.sen_csv(10)
    first = _upload(bas_officer, data)
    again = _upload(bas_officer, data, name="renamed.csv")
    assert again.already and again.upload == first.upload
    assert DatasetUpload.objects.count() == 1 and SenPupilRecord.objects.count() == 10


def test_transport_routes_check_seats_vehicle_and_time(bas_officer):
    rows = samples.route_rows(6)
    rows[0][6] = str(int(rows[0][5]) + 1)  # more pupils than seats
    rows[1][4] = "hovercraft"
    rows[2][8] = "7.45am"
    rows[3][9] = "-12.00"  # a negative cost starts like a formula, and is not an amount
    rows[4][3] = "@SUM(A1:A9)"
    outcome = _upload(bas_officer, samples.to_csv(samples.ROUTE_HEADER, rows), dataset="transport_routes")
    found = {(e["row"], e["column"]) for e in outcome.upload.errors}
    assert found == {(2, "pupils"), (3, "vehicle_type"), (4, "morning_pickup"), (5, "daily_cost"), (6, "operator")}
    assert TransportRoute.objects.count() == 0
    clean = _upload(bas_officer, samples.routes_csv(8), dataset="transport_routes")
    assert clean.imported and TransportRoute.objects.count() == 8
    route = TransportRoute.objects.order_by("row_number").first()
    assert route.daily_cost_pence > 0 and route.morning_pickup.hour in (7, 8)


def test_an_xlsx_workbook_is_read_like_a_csv(bas_officer):
    frame = pd.read_csv(io.BytesIO(samples.sen_csv(5)), dtype=str, keep_default_na=False)
    out = io.BytesIO()
    frame.to_excel(out, index=False, engine="openpyxl")
    outcome = _upload(bas_officer, out.getvalue(), name="pupils.xlsx")
    assert outcome.imported, outcome.upload.errors
    assert SenPupilRecord.objects.count() == 5


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "CSV or an Excel workbook"),
    (b"\xff\xfe\x00bad", "CSV or an Excel workbook"),
    ("upn,forename\nA,B\n".encode(), "missing surname"),
    (",".join(samples.SEN_HEADER).encode() + b"\n", "header but no rows"),
    ((",".join(samples.SEN_HEADER) + ",secret\n").encode() + b"1,2,3,4,5,6,7,8,9,10,11\n", "unexpected secret"),
    (b"PK\x03\x04 broken zip", "could not be read"),
])
def test_unreadable_or_misshapen_files_get_one_clear_message(bas_officer, data, message):
    outcome = _upload(bas_officer, data)
    assert outcome.upload.status == DatasetUpload.Status.REJECTED
    assert message in outcome.upload.errors[0]["message"]


def test_an_oversized_file_or_a_zip_bomb_workbook_is_refused_before_reading(bas_officer, monkeypatch):
    monkeypatch.setattr(datasets, "MAX_BYTES", 1000)
    outcome = _upload(bas_officer, samples.sen_csv(40))
    assert "smaller than" in outcome.upload.errors[0]["message"]
    monkeypatch.setattr(datasets, "MAX_BYTES", 20 * 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (101 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    outcome = _upload(bas_officer, bomb.getvalue(), name="bomb.xlsx")
    assert "too large once unpacked" in outcome.upload.errors[0]["message"]


def test_hostile_cells_are_reported_and_exports_never_start_a_formula():
    for value in ("=1+1", "+44", "-2", "@cmd", "\t=x"):
        assert datasets.formula_safe(value).startswith("'")
    assert datasets.formula_safe("Smith") == "Smith"
    rows = samples.sen_rows(3)
    rows[0][1] = "=cmd|' /C calc'!A0"
    checked = datasets.check_file(samples.to_csv(samples.SEN_HEADER, rows), "sen_pupils")
    assert [(p.row, p.column) for p in checked.problems] == [(2, "forename")]


def test_a_long_file_is_reported_in_full_but_only_the_first_thousand_are_kept(bas_officer):
    rows = samples.sen_rows(1200)
    for row in rows:
        row[5] = "99"
    outcome = _upload(bas_officer, samples.to_csv(samples.SEN_HEADER, rows))
    assert outcome.upload.error_count == 1200 and len(outcome.upload.errors) == datasets.MAX_STORED_ERRORS


def test_unknown_dataset_and_non_bas_staff_are_refused(bas_officer, officer_in_team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _upload(bas_officer, samples.sen_csv(2), dataset="payroll")
    with pytest.raises(PermissionDenied):
        _upload(officer_in_team, samples.sen_csv(2))
    assert DatasetUpload.objects.count() == 0
