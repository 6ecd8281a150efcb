"""The Report it start page reads its timescales from the services' targets, not from the template."""
from __future__ import annotations

import pytest

from portal import selectors

pytestmark = pytest.mark.django_db


def _set(report_type, table):
    service = report_type.service
    service.sla_working_days = table
    service.save(update_fields=["sla_working_days"])


def test_the_start_page_says_what_the_targets_say(client, catalogue, django_assert_max_num_queries):
    for report_type in catalogue.values():
        _set(report_type, {"1": 3, "2": 5, "3": 15, "4": 30})
    with django_assert_max_num_queries(4):
        body = client.get("/report/").content.decode()
    assert "made safe within 3 working days" in body and "dealt with within 15 working days." in body
    assert "within 30 working days" in body
    assert "inspect within 5 working days" not in body and "20 working days" not in body
    assert 'id="timescales-by-type"' not in body  # one target for all: no table needed


def test_different_targets_give_a_range_and_a_table_per_problem(client, catalogue, pothole):
    for report_type in catalogue.values():
        _set(report_type, {"1": 2, "2": 5, "3": 20, "4": 40})
    _set(pothole, {"1": 1, "2": 5, "3": 10, "4": 40})
    body = client.get("/report/").content.decode()
    assert "made safe within 1 to 2 working days" in body
    assert "dealt with within 10 to 20 working days, depending on the problem" in body
    table = body.split('id="timescales-by-type"')[1].split("</details>")[0]
    assert ">Pothole</th>" in table and ">10</td>" in table and ">20</td>" in table


def test_one_working_day_is_singular():
    assert selectors._span([1]) == "1 working day" and selectors._span([2, 2]) == "2 working days"
    assert selectors.report_timescales([])["rows"] == []


def test_the_page_changes_when_an_administrator_changes_a_target(client, catalogue):
    before = client.get("/report/").content.decode()
    for report_type in catalogue.values():
        _set(report_type, {"1": 4, "2": 5, "3": 25, "4": 50})
    after = client.get("/report/").content.decode()
    assert "made safe within 4 working days" in after and "made safe within 4 working days" not in before


def test_the_query_count_does_not_grow_with_the_number_of_report_types(client, catalogue, pothole,
                                                                       django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from oxtom.cases.models import Service

    others = [t.service_id for t in catalogue.values() if t.pk != pothole.pk]
    Service.objects.filter(pk__in=others).update(is_active=False)
    client.get("/report/")
    with CaptureQueriesContext(connection) as one:
        client.get("/report/")
    Service.objects.filter(pk__in=others).update(is_active=True)
    with django_assert_num_queries(len(one.captured_queries)):
        body = client.get("/report/").content.decode()
    assert len(others) >= 2 and body.count("<li>") > 3
