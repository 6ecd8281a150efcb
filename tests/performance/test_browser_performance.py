"""End to end in Chromium: the public finds a division by postcode; a councillor finds theirs and prints
the briefing. axe-core on every page (no serious or critical violations)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from oxtom.places.models import PostcodeCentroid
from tests.browser_support import assert_accessible, sign_in

from .factories import MeasureFactory, target, value
from .test_public_views import months

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def published(division_a, division_b, councillor_of_division):
    PostcodeCentroid.objects.create(postcode="OX16 5", kind="sector", latitude=52.06, longitude=-1.34,
                                    post_town="BANBURY")
    periods = months(13)
    rate = MeasureFactory(code="on-time", name="Cases finished on time", unit="percent", precision=1,
                          polarity="higher", source="computed")
    count = MeasureFactory(code="received", name="Cases received", unit="count", polarity="neutral",
                           source="computed")
    for i, period in enumerate(periods):
        value(rate, period, D(70 + i), division=division_a, base=20)
        value(rate, period, D("80"), base=900)
        value(count, period, D(3 if i == 5 else 12 + i), division=division_a)
        value(count, period, D("700"))
    target(rate, periods[-1], D("85"), D("2"))
    return periods


def test_search_error_is_accessible(page, published):
    page.goto("/divisions/?q=Atlantis")
    assert "No division matches" in page.locator(".govuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert_accessible(page)
