"""The administrator edits the service catalogue from staff pages: routing team, SLA per priority, QA sample rate,
taking cases, and an application service's fees and term. CATALOGUE_EDIT is checked (before: nothing checked it),
changes are audited, and every error names a field on the page."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from oxtom.cases.catalogue import service_settings_update
from oxtom.cases.models import Service
from oxtom.core.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


def _post(service, routed_to, **overrides):
    data = {"team": routed_to.pk, "sla_1": "1", "sla_2": "3", "sla_3": "7", "sla_4": "15", "qa_percent": "12.5",
            "is_active": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_administrator_changes_team_sla_and_qa_rate(client_for, service, other_team, administrator):
    client = client_for(administrator)
    assert service.code in client.get("/staff/catalogue/").content.decode()
    response = client.post(f"/staff/catalogue/{service.code}/", _post(service, other_team))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.team == other_team
    assert service.sla_working_days == {"1": 1, "2": 3, "3": 7, "4": 15}
    assert service.qa_sample_rate == Decimal("0.125")
    event = AuditEvent.objects.get(target_type="casework.service", target_id=str(service.pk))
    assert event.actor == administrator and set(event.detail["changed"]) == {"team_id", "sla_working_days",
                                                                              "qa_sample_rate"}
    # The same values again change and record nothing.
    client.post(f"/staff/catalogue/{service.code}/", _post(service, other_team))
    assert AuditEvent.objects.filter(target_type="casework.service").count() == 1


@pytest.mark.parametrize("field, value, message, anchor", [
    ("sla_3", "", "Enter the working days for normal priority cases", "id_sla_3"),
    ("sla_1", "0", "must be 1 or more", "id_sla_1"),
    ("sla_4", "9999", "must be 260 or fewer", "id_sla_4"),
    ("sla_2", "two", "as a whole number", "id_sla_2"),
    ("qa_percent", "101", "must be 100 or less", "id_qa_percent"),
    ("qa_percent", "-1", "must be 0 or more", "id_qa_percent"),
    ("qa_percent", "<b>x</b>", "as a number", "id_qa_percent"),
    ("team", "999999", "Choose a team from the list", "id_team"),
])
def test_bad_settings_are_refused_with_a_message_by_the_field(client_for, service, team, administrator, field, value,
                                                              message, anchor):
    response = client_for(administrator).post(f"/staff/catalogue/{service.code}/", _post(service, team,
                                                                                         **{field: value}))
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert "<b>x</b>" not in html
    service.refresh_from_db()
    assert service.qa_sample_rate != Decimal("0.125")


def test_only_the_catalogue_permission_reaches_or_writes(client_for, service, team, team_leader, officer_in_team,
                                                         adviser, resident_a):
    for user in (team_leader, officer_in_team, adviser, resident_a):
        assert client_for(user).get("/staff/catalogue/").status_code == 403
        assert client_for(user).post(f"/staff/catalogue/{service.code}/", _post(service, team)).status_code == 403
        with pytest.raises(PermissionDenied):
            service_settings_update(service=service, team=team, sla_working_days={"1": 1, "2": 2, "3": 3, "4": 4},
                                    qa_sample_rate=Decimal("0.1"), is_active=True, by=user)
    assert client_for(None).get("/staff/catalogue/").status_code == 302


def test_the_catalogue_list_costs_the_same_whatever_its_length(client_for, team, administrator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(administrator)
    Service.objects.create(code="one", name="One", kind="request", team=team, reference_prefix="ON")
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/catalogue/")
    for n in range(5):
        Service.objects.create(code=f"more-{n}", name=f"More {n}", kind="request", team=team, reference_prefix="MO")
    with CaptureQueriesContext(connection) as many:
        client.get("/staff/catalogue/")
    assert len(many) == len(few)


def test_an_application_service_fees_and_term(client_for, administrator, team_leader):
    from django.apps import apps

    from applications.models import ApplicationService
    from applications.seed import seed

    seed(apps)
    badge = ApplicationService.objects.get(code="blue-badge")
    client = client_for(administrator)
    page = client.get(f"/staff/catalogue/{badge.case_service.code}/").content.decode()
    assert f"/staff/applications/settings/{badge.code}/" in page
    url = f"/staff/applications/settings/{badge.code}/"
    response = client.post(url, {"fee": "12.50", "replacement_fee": "5", "validity_months": "36",
                                 "decision_promise": "We will tell you within 12 weeks"})
    assert response.status_code == 302
    badge.refresh_from_db()
    assert (badge.fee_pence, badge.replacement_fee_pence) == (1250, 500)
    for data, message in [({"fee": "1.234", "replacement_fee": "0", "validity_months": "36"}, "pounds and pence"),
                          ({"fee": "5000", "replacement_fee": "0", "validity_months": "36"}, "£1,000 or less"),
                          ({"fee": "1", "replacement_fee": "0", "validity_months": "0"}, "at least 1 month"),
                          ({"fee": "1", "replacement_fee": "0", "validity_months": "12",
                            "decision_promise": "x" * 201}, "200 characters or fewer")]:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
    assert client_for(team_leader).get(url).status_code == 403
