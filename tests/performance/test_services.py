"""Targets, commentary, closing periods, manual entry with a second analyst, definition versions."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.core.models import AuditEvent
from performance import services
from performance.models import Commentary, MeasureVersion, Period, Target, Value, ValueEntry
from tests import factories as f

from .factories import MeasureFactory, PeriodFactory, target, value

APRIL = dt.date(2026, 4, 1)


@pytest.fixture
def april(db):
    return PeriodFactory(start=APRIL)


@pytest.fixture
def manual_measure(db):
    return MeasureFactory(code="satisfaction", name="Customer satisfaction", unit="percent", polarity="higher",
                          source="manual")


def test_target_for_a_period_that_does_not_exist_is_refused(manual_measure, analyst):
    with pytest.raises(ValidationError) as exc:
        services.target_set(measure=manual_measure, period_start=dt.date(2031, 1, 1), value=D("80"),
                            amber_tolerance=D("5"), by=analyst)
    assert "Choose a period that exists" in str(exc.value)
    assert not Target.objects.exists()


def test_target_set_replaces_and_refuses_locked_periods(manual_measure, april, analyst):
    services.target_set(measure=manual_measure, period_start=APRIL, value=D("80"), amber_tolerance=D("5"), by=analyst)
    services.target_set(measure=manual_measure, period_start=APRIL, value=D("85"), amber_tolerance=D("2"), by=analyst)
    assert Target.objects.get().value == D("85")
    Period.objects.filter(pk=april.pk).update(status="closed")
    with pytest.raises(ValidationError):
        services.target_set(measure=manual_measure, period_start=APRIL, value=D("1"), amber_tolerance=D("0"), by=analyst)
    assert Target.objects.get().value == D("85")


def test_only_analysts_write(manual_measure, april, officer_in_team, councillor_of_division):
    for user in (None, officer_in_team, councillor_of_division):
        with pytest.raises(PermissionDenied):
            services.target_set(measure=manual_measure, period_start=APRIL, value=D("1"), amber_tolerance=D("0"), by=user)
        with pytest.raises(PermissionDenied):
            services.period_close(period=april, by=user)


def test_red_manual_figure_needs_commentary(manual_measure, april, analyst):
    target(manual_measure, april, D("80"), D("5"))
    with pytest.raises(ValidationError) as exc:
        services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("70"), by=analyst)
    assert "say why" in str(exc.value)
    assert not ValueEntry.objects.exists()
    entry = services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("70"),
                                        commentary="Staff shortage in the contact centre", by=analyst)
    assert entry.status == ValueEntry.Status.PENDING
    assert Commentary.objects.get().text == "Staff shortage in the contact centre"
    # amber needs none
    services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("76"), by=analyst)


def test_entry_is_approved_by_a_second_analyst_only(manual_measure, april, analyst, second_analyst, division_a):
    entry = services.value_entry_submit(measure=manual_measure, period=april, division=division_a, value=D("91.5"),
                                        base=40, by=analyst)
    assert not Value.objects.exists()  # nobody sees it before approval
    with pytest.raises(ValidationError, match="Another analyst"):
        services.value_entry_decide(entry=entry, approve=True, by=analyst)
    services.value_entry_decide(entry=entry, approve=True, by=second_analyst)
    stored = Value.objects.get()
    assert (stored.value, stored.base, stored.source, stored.area_key) == (D("91.5"), 40, "manual", f"d:{division_a.pk}")
    assert stored.boundary_set_id == division_a.boundary_set_id
    with pytest.raises(ValidationError, match="already been decided"):
        services.value_entry_decide(entry=entry, approve=False, note="x", by=second_analyst)


def test_rejection_needs_a_reason_and_stores_nothing(manual_measure, april, analyst, second_analyst):
    entry = services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("50"), by=analyst)
    with pytest.raises(ValidationError):
        services.value_entry_decide(entry=entry, approve=False, note=" ", by=second_analyst)
    services.value_entry_decide(entry=entry, approve=False, note="Wrong month", by=second_analyst)
    assert not Value.objects.exists()


def test_typed_figures_only_for_manual_measures_and_open_periods(april, analyst):
    computed = MeasureFactory(code="computed-one", source="computed")
    with pytest.raises(ValidationError):
        services.value_entry_submit(measure=computed, period=april, division=None, value=D("1"), by=analyst)
    manual = MeasureFactory(code="manual-one", source="manual")
    Period.objects.filter(pk=april.pk).update(status="closed")
    april.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        services.value_entry_submit(measure=manual, period=april, division=None, value=D("1"), by=analyst)


def test_closing_is_refused_while_a_red_measure_has_no_commentary(manual_measure, april, analyst):
    target(manual_measure, april, D("80"), D("5"))
    value(manual_measure, april, D("60"))
    with pytest.raises(ValidationError) as exc:
        services.period_close(period=april, by=analyst)
    assert "Customer satisfaction is red for April 2026" in str(exc.value)
    april.refresh_from_db()
    assert not april.is_locked
    services.commentary_add(measure=manual_measure, period=april, text="Recovering after new staff", by=analyst)
    services.period_close(period=april, by=analyst)
    april.refresh_from_db()
    assert april.is_locked and april.closed_by == analyst
    with pytest.raises(ValidationError, match="already closed"):
        services.period_close(period=april, by=analyst)
    with pytest.raises(ValidationError, match="locked"):
        services.commentary_add(measure=manual_measure, period=april, text="Later", by=analyst)


def test_commentary_keeps_history(manual_measure, april, analyst, second_analyst):
    services.commentary_add(measure=manual_measure, period=april, text="First view", by=analyst)
    services.commentary_add(measure=manual_measure, period=april, text="Updated view", by=second_analyst)
    assert list(Commentary.objects.values_list("text", flat=True)) == ["Updated view", "First view"]
    for bad in ("", "   ", "x" * 5001):
        with pytest.raises(ValidationError):
            services.commentary_add(measure=manual_measure, period=april, text=bad, by=analyst)


def test_definition_change_bumps_the_version_and_keeps_history(manual_measure, april, analyst):
    value(manual_measure, april, D("60"))
    services.measure_update(measure=manual_measure, changes={"calculation": "Now excludes withdrawn surveys"},
                            reason="Survey method changed", by=analyst)
    manual_measure.refresh_from_db()
    assert manual_measure.version == 2
    version = MeasureVersion.objects.get(measure=manual_measure, version=2)
    assert version.definition["calculation"] == "Now excludes withdrawn surveys"
    assert Value.objects.get().measure_version == 1  # old figure keeps the definition it was made under
    assert AuditEvent.objects.filter(target_type="performance.measure").exists()
    with pytest.raises(ValidationError):
        services.measure_update(measure=manual_measure, changes={"code": "x"}, reason="r", by=analyst)
    with pytest.raises(ValidationError):
        services.measure_update(measure=manual_measure, changes={"name": "x"}, reason=" ", by=analyst)


def test_periods_ensure_is_idempotent(db):
    services.periods_ensure([dt.date(2026, 4, 5), dt.date(2026, 4, 1), dt.date(2026, 5, 1)])
    services.periods_ensure([dt.date(2026, 4, 1)])
    assert list(Period.objects.values_list("start", flat=True)) == [APRIL, dt.date(2026, 5, 1)]
    assert services.months_back(dt.date(2026, 2, 14), 3) == [dt.date(2025, 12, 1), dt.date(2026, 1, 1),
                                                             dt.date(2026, 2, 1)]


def test_a_month_cannot_close_before_it_ends(analyst):
    from django.utils import timezone

    current = PeriodFactory(start=timezone.localdate().replace(day=1))
    with pytest.raises(ValidationError, match="has not ended yet"):
        services.period_close(period=current, by=analyst)
    current.refresh_from_db()
    assert not current.is_locked


def test_resubmitted_forms_do_not_duplicate(manual_measure, april, analyst):
    first = services.commentary_add(measure=manual_measure, period=april, text="Same words", by=analyst)
    assert services.commentary_add(measure=manual_measure, period=april, text=" Same words ", by=analyst) == first
    assert Commentary.objects.count() == 1
    entry = services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("90"), by=analyst)
    again = services.value_entry_submit(measure=manual_measure, period=april, division=None, value=D("90"), by=analyst)
    assert again == entry and ValueEntry.objects.count() == 1
