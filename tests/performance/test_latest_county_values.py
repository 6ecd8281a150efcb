"""latest_county_values: each measure's newest county figure for a complete month, on any database."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from performance.selectors import latest_county_values
from tests.performance.factories import MeasureFactory, PeriodFactory, value

pytestmark = pytest.mark.django_db


def test_the_newest_complete_month_per_measure_in_one_query(django_assert_num_queries):
    a, b, unused = MeasureFactory(), MeasureFactory(), MeasureFactory()
    march, april, may, june = (PeriodFactory(start=dt.date(2026, m, 1)) for m in (3, 4, 5, 6))
    value(a, march, 10)
    value(a, april, 12)
    value(a, june, 99)  # the month not yet complete on 20 June: not taken
    value(b, march, 7)
    value(b, may, None)  # nothing to measure that month: the earlier figure stands
    with django_assert_num_queries(1):
        latest = latest_county_values([a.pk, b.pk, unused.pk], on=dt.date(2026, 6, 20))
    assert latest == {a.pk: (dt.date(2026, 4, 1), Decimal("12")), b.pk: (dt.date(2026, 3, 1), Decimal("7"))}
