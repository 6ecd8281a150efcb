"""The FOI clock: 20 working days, day one the first working day after receipt, bank holidays in any UK
nation skipped; clarification restarts it; the extension each regime allows."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bas.foi import rules, services
from oxtom.cases.models import Case
from oxtom.core.calendar import Calendar, add_working_days

D = dt.date


@pytest.mark.parametrize("received, due, why", [
    (D(2026, 2, 2), D(2026, 3, 2), "an ordinary month: four weeks"),
    (D(2026, 3, 16), D(2026, 4, 16), "St Patrick's Day (NI), Good Friday and Easter Monday"),
    (D(2025, 12, 17), D(2026, 1, 20), "Christmas, Boxing Day, New Year and 2 January (Scotland)"),
    (D(2026, 11, 27), D(2026, 12, 30), "St Andrew's Day (Scotland), Christmas and Boxing Day's substitute"),
    (D(2026, 7, 10), D(2026, 8, 11), "Battle of the Boyne substitute (NI) and the Scottish summer holiday"),
    (D(2026, 3, 14), D(2026, 4, 15), "received on a Saturday: day one is the Monday after"),
])
def test_statutory_due_any_uk_nation(received, due, why):
    assert rules.statutory_due(received) == due, why


@pytest.mark.parametrize("received, england_only", [
    (D(2026, 3, 16), D(2026, 4, 15)),  # St Patrick's Day is a working day in England
    (D(2025, 12, 17), D(2026, 1, 19)),  # so is 2 January
    (D(2026, 11, 27), D(2026, 12, 29)),  # and St Andrew's Day
])
def test_any_uk_nation_is_later_than_england_alone(received, england_only):
    assert add_working_days(received, 20, Calendar.ENGLAND_AND_WALES) == england_only
    assert rules.statutory_due(received) == england_only + dt.timedelta(days=1)


def test_cost_limit_is_18_hours():
    assert rules.COST_LIMIT_HOURS == 18
    assert not rules.over_cost_limit(18) and rules.over_cost_limit(18.1)
    assert rules.estimated_cost(18) == 450


@pytest.mark.django_db
def test_clarification_stops_and_restarts_the_clock_from_zero(make_request, coordinator):
    received = timezone.localdate() - dt.timedelta(days=10)
    request = make_request(by=coordinator, received_on=received, channel="email")
    assert request.case.due_at == rules.statutory_due(received)
    services.foi_ask_clarification(request=request, question="Which years?", by=coordinator)
    case = Case.objects.get(pk=request.case_id)
    assert case.status == "awaiting_customer" and case.paused_on == timezone.localdate()
    services.foi_clarification_received(request=request, details="2023 to 2025", by=coordinator)
    case = Case.objects.get(pk=request.case_id)
    assert case.paused_on is None
    assert case.due_at == rules.statutory_due(timezone.localdate())  # 20 full days again from the answer
    assert case.clock_started_on == timezone.localdate()
    with pytest.raises(ValidationError):
        services.foi_clarification_received(request=request, details="again", by=coordinator)


@pytest.mark.django_db
def test_foi_public_interest_extension_needs_an_exemption_and_adds_20_days(make_request, coordinator):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    with pytest.raises(ValidationError, match="exemption"):
        services.foi_extend(request=request, reason="Weighing the public interest", by=coordinator)
    services.foi_exemption_add(request=request, provision="section 43(2)", public_interest="Commercial interests",
                               by=coordinator)
    before = request.case.due_at
    services.foi_extend(request=request, reason="Weighing the public interest", by=coordinator)
    case = Case.objects.get(pk=request.case_id)
    assert case.due_at == add_working_days(before, 20, Calendar.ANY_UK_NATION) and case.extensions_used == 1
    assert case.events.filter(kind="extended", visibility="customer").exists()  # the requester is told
    with pytest.raises(ValidationError):
        services.foi_extend(request=request, reason="Again", by=coordinator)


@pytest.mark.django_db
def test_eir_extension_is_to_40_working_days(make_request, coordinator):
    request = make_request(regime="eir")
    services.foi_triage(request=request, valid=True, regime="eir", by=coordinator)
    with pytest.raises(ValidationError):
        services.foi_extend(request=request, reason="", by=coordinator)
    services.foi_extend(request=request, reason="Complex and voluminous: 14 years of records", by=coordinator)
    case = Case.objects.get(pk=request.case_id)
    assert case.due_at == add_working_days(request.received_on, 40, Calendar.ANY_UK_NATION)


@pytest.mark.django_db
def test_allocation_due_before_the_statutory_date(make_request, coordinator, foi_setup):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    with pytest.raises(ValidationError, match="before the statutory date"):
        services.foi_allocate(request=request, team=foi_setup["holder"], asked="All of it",
                              due_on=request.case.due_at, by=coordinator)
    allocation = services.foi_allocate(request=request, team=foi_setup["holder"], asked="All of it",
                                       due_on=request.case.due_at - dt.timedelta(days=1), by=coordinator)
    assert allocation.task.case_id == request.case_id and allocation.task.due_on < request.case.due_at
