"""Performance factories: measures, periods and values made directly (fast set-up for pages and rules)."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from performance.models import AreaType, Measure, Period, Source, Target, Value, area_key


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"measure-{n}")
    name = factory.Sequence(lambda n: f"Measure {n}")
    definition = "What it measures"
    calculation = "How we calculate it"
    unit = "percent"
    precision = 1
    polarity = "higher"
    tom_layer = "back_office"
    source = Source.MANUAL
    is_public = True


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("start",)

    start = dt.date(2026, 4, 1)


def value(measure, period, number, *, division=None, base=None, source=Source.COMPUTED) -> Value:
    return Value.objects.create(
        measure=measure, period=period, division=division,
        area_type=AreaType.DIVISION if division else AreaType.COUNTY,
        area_key=area_key(division_id=division.pk if division else None),
        boundary_set_id=division.boundary_set_id if division else None,
        value=number, base=base, source=source, recorded_at=timezone.now(),
    )


def target(measure, period, number, tolerance=0) -> Target:
    return Target.objects.create(measure=measure, period=period, value=number, amber_tolerance=tolerance,
                                 set_at=timezone.now())
