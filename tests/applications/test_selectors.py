"""The seeded catalogue and the resident-scoped selectors (others' records answer 404)."""
from __future__ import annotations

import pytest
from django.http import Http404

from applications import selectors
from applications.models import ApplicationService

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


# --- the catalogue's config is admin-edited data: bad shapes are refused with a reason -------------------

@pytest.mark.parametrize("code, change, message", [
    ("parking-permit", {"zones": []}, "at least one parking zone"),
    ("parking-permit", {"zones": [{"code": "A", "max_permits": 0, "charges_pence": [100]}]}, "max_permits"),
    ("parking-permit", {"zones": [{"code": "A", "max_permits": 2, "charges_pence": ["£65"]}]}, "charges_pence"),
    ("parking-permit", {"zones": [{"code": "A", "max_permits": 2, "charges_pence": [1]},
                                  {"code": "A", "max_permits": 2, "charges_pence": [1]}]}, "used twice"),
    ("parking-permit", {"excluded_properties": [{"reason": "x"}]}, "Excluded property 1"),
    ("blue-badge", {"pip_moving_around_min_points": "8"}, "whole number"),
    ("blue-badge", {"pip_planning_journeys_descriptor": "z"}, "letter from a to f"),
    ("bus-pass", {"apply_days_before_spa": 400}, "0 to 90"),
    ("bus-pass", {"required_evidence": [{"kinds": ["passport"]}]}, "Required evidence 1"),
])
def test_bad_config_is_refused_by_clean(code, change, message):
    from django.core.exceptions import ValidationError

    service = ApplicationService.objects.get(code=code)
    service.config = {**service.config, **change}
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert message in " ".join(exc.value.message_dict["config"])


def test_seeded_config_is_valid():
    for service in ApplicationService.objects.all():
        service.full_clean()


def test_reminder_days_and_prefix_are_checked():
    from django.core.exceptions import ValidationError

    service = ApplicationService.objects.get(code="bus-pass")
    service.renewal_reminder_days = [40]
    with pytest.raises(ValidationError, match="each fewer"):
        service.full_clean()
    service.renewal_reminder_days, service.number_prefix = [14, 3], "bp"
    with pytest.raises(ValidationError, match="capital letters"):
        service.full_clean()


# --- a resident's own applications and entitlements; others' are 404 --------------------------------------

@pytest.fixture
def issued(rose, settings, tmp_path):
    from applications.services import application_submit
    from oxtom.customers.models import Channel

    from .conftest import PDF, png

    settings.MEDIA_ROOT = str(tmp_path)
    service = ApplicationService.objects.get(code="bus-pass")
    return application_submit(service=service, customer=rose, answers={}, evidence=[("photo", png()),
                                                                                    ("identity", PDF)],
                              channel=Channel.WEB, by=rose.user, submission_key="selectors")


def test_residents_get_their_own_and_404_for_anyone_elses(issued, rose, resident_b):
    entitlement = issued.entitlements.get()
    assert selectors.get_application_for_user(rose.user, issued.reference.lower()) == issued
    assert selectors.get_entitlement_for_user(rose.user, entitlement.number) == entitlement
    for user in (resident_b, None):
        with pytest.raises(Http404):
            selectors.get_application_for_user(user, issued.reference)
        with pytest.raises(Http404):
            selectors.get_entitlement_for_user(user, entitlement.number)
    for bad in ("", "x" * 21, None, 42):
        with pytest.raises(Http404):
            selectors.get_application_for_user(rose.user, bad)


def test_an_adviser_acting_for_the_customer_sees_theirs_only(issued, rose, resident_b, adviser, rf):
    from django.contrib.sessions.backends.db import SessionStore

    from oxtom.customers import assist
    from oxtom.customers.services import assisted_session_start

    request = rf.get("/")
    request.user, request.session = adviser, SessionStore()
    with pytest.raises(Http404):
        selectors.get_application_for_user(adviser, issued.reference, request=request)
    session = assisted_session_start(customer=rose, channel="phone", customer_present=True, by=adviser)
    assist.activate(request, session)
    assert selectors.get_application_for_user(adviser, issued.reference, request=request) == issued
    other = assisted_session_start(customer=resident_b.customer, channel="phone", customer_present=True, by=adviser)
    request = rf.get("/")
    request.user, request.session = adviser, SessionStore()
    assist.activate(request, other)
    with pytest.raises(Http404):
        selectors.get_application_for_user(adviser, issued.reference, request=request)


def test_lists_are_one_query_each(issued, rose, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert [a.service.code for a in selectors.applications_for_customer(rose)] == ["bus-pass"]
    with django_assert_num_queries(1):
        assert [e.service.code for e in selectors.entitlements_for_customer(rose)] == ["bus-pass"]
    assert selectors.applications_for_customer(None) == [] and selectors.entitlements_for_customer(None) == []
