"""The seeded catalogue and the resident-scoped selectors (others' records answer 404)."""
from __future__ import annotations

import pytest
from django.http import Http404

from casework.applications import selectors
from casework.applications.models import ApplicationService

pytestmark = pytest.mark.django_db


def test_three_services_are_seeded_with_teams_and_case_services():
    services = {s.code: s for s in selectors.application_services_active()}
    assert set(services) == {"parking-permit", "blue-badge", "bus-pass"}
    assert services["parking-permit"].case_service.team.slug == "parking-services"
    assert services["blue-badge"].case_service.team.slug == "blue-badge-concessions"
    assert services["bus-pass"].case_service.kind == "application"
    # Blue badges are never renewed automatically (the law requires a fresh application).
    assert services["blue-badge"].auto_renew is False
    assert services["parking-permit"].auto_renew and services["bus-pass"].auto_renew
    assert services["bus-pass"].fee_pence == 0 and services["bus-pass"].replacement_fee_pence > 0
    assert services["blue-badge"].fee_pence <= 1000 and services["blue-badge"].validity_months <= 36


@pytest.mark.parametrize("code", ["", "nope", "x" * 41, None, 7, "../blue-badge"])
def test_unknown_service_codes_are_404(code):
    with pytest.raises(Http404):
        selectors.get_application_service(code)


def test_inactive_service_is_404():
    ApplicationService.objects.filter(code="bus-pass").update(is_active=False)
    with pytest.raises(Http404):
        selectors.get_application_service("bus-pass")
    assert "bus-pass" not in {s.code for s in selectors.application_services_active()}
