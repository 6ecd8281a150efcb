"""The service catalogue is data an administrator edits: SLA table, prefix, flags."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oxtom.cases.admin import ServiceAdminForm
from oxtom.cases.models import Service, validate_sla



@pytest.mark.parametrize(
    "value",
    [None, [], {"1": 2}, {"1": 2, "2": 5, "3": 10, "4": 0}, {"1": 2, "2": 5, "3": 10, "4": 999},
     {"1": 2, "2": 5, "3": 10, "4": "20"}, {"1": 2, "2": 5, "3": 10, "4": True},
     {"1": 2, "2": 5, "3": 10, "4": 20, "5": 1}],
)
def test_bad_sla_tables_are_refused(value):
    with pytest.raises(ValidationError):
        validate_sla(value)


def test_good_sla_table():
    validate_sla({"1": 1, "2": 5, "3": 10, "4": 260})


def _form_data(team, **overrides):
    data = {
        "code": "gully", "name": "Report a blocked drain", "description": "", "kind": "report",
        "reference_prefix": "DR", "team": team.pk, "qa_sample_rate": "0.1",
        "clock_pauses_for_customer": "on", "notify_customer_on_change": "on", "is_active": "on",
        "sla_1": "1", "sla_2": "3", "sla_3": "10", "sla_4": "20",
        # The clock policy (admin shows these with their defaults filled in).
        "calendar": "england_wales", "max_extensions": "0", "max_extension_working_days": "20",
    }
    data.update(overrides)
    return data


def test_admin_form_saves_sla_per_priority(team):
    form = ServiceAdminForm(_form_data(team))
    assert form.is_valid(), form.errors
    service = form.save()
    assert service.sla_working_days == {"1": 1, "2": 3, "3": 10, "4": 20}
    assert service.sla_days(2) == 3


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"sla_1": ""}, "sla_1", "Enter working days for urgent priority"),
        ({"sla_3": "0"}, "sla_3", "Working days must be 1 or more"),
        ({"sla_4": "1000"}, "sla_4", "Working days must be 260 or fewer"),
        ({"sla_2": "two"}, "sla_2", "Enter a whole number of working days"),
        ({"reference_prefix": "hw1"}, "reference_prefix", "Enter two or three capital letters"),
        ({"qa_sample_rate": "1.5"}, "qa_sample_rate", ""),
    ],
)
def test_admin_form_bad_input(team, overrides, field, message):
    form = ServiceAdminForm(_form_data(team, **overrides))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert not Service.objects.filter(code="gully").exists()


def test_admin_change_page_renders_for_administrator(client, team, service):
    from tests import factories as f

    admin = f.UserFactory(email="root@example.org", roles=["administrator"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(f"/django-admin/casework/service/{service.pk}/change/")
    assert response.status_code == 200 and "Working days for urgent priority" in response.content.decode()
