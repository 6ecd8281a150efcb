"""The administrator sees a service's clock policy and edits its stages (name, target, order) on staff pages,
/staff/catalogue/<code>/stages/: CATALOGUE_EDIT only, GOV.UK errors by the field, every change audited."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from oxtom.cases import services as s
from oxtom.cases.catalogue import service_stage_add, service_stage_remove, service_stage_update
from oxtom.cases.models import ServiceStage
from oxtom.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _names(service):
    return list(service.stages.order_by("position").values_list("position", "name", "working_days"))


def _url(service, tail=""):
    return f"/staff/catalogue/{service.code}/stages/{tail}"


def test_the_administrator_adds_orders_changes_and_removes_stages(client_for, service, administrator):
    client = client_for(administrator)
    page = client.get(f"/staff/catalogue/{service.code}/").content.decode()
    assert f'href="{_url(service)}"' in page
    page = client.get(_url(service)).content.decode()
    assert 'id="clock-policy"' in page and "England and Wales bank holidays" in page and 'id="no-stages"' in page

    assert client.post(_url(service, "add/"), {"name": "Stage 1", "working_days": "20"}).status_code == 302
    assert client.post(_url(service, "add/"), {"name": "  Acknowledge  ", "working_days": "2", "position": "1"}
                       ).status_code == 302
    assert client.post(_url(service, "add/"), {"name": "Stage 2", "working_days": "20"}).status_code == 302
    assert _names(service) == [(1, "Acknowledge", 2), (2, "Stage 1", 20), (3, "Stage 2", 20)]

    stage_2 = service.stages.get(name="Stage 2")
    response = client.post(_url(service, f"{stage_2.pk}/"), {"name": "Stage two", "working_days": "25",
                                                             "position": "2"})
    assert response.status_code == 302 and response["Location"] == _url(service)
    assert _names(service) == [(1, "Acknowledge", 2), (2, "Stage two", 25), (3, "Stage 1", 20)]

    page = client.get(_url(service)).content.decode()
    assert page.index("1. Acknowledge") < page.index("2. Stage two") < page.index("3. Stage 1")
    assert "25 working days" in page

    response = client.post(_url(service, f"{stage_2.pk}/remove/"))
    assert response.status_code == 302
    assert _names(service) == [(1, "Acknowledge", 2), (2, "Stage 1", 20)]
    summaries = list(AuditEvent.objects.filter(target_type="casework.service", target_id=str(service.pk))
                     .order_by("id").values_list("summary", flat=True))
    assert summaries == [f"Stage Stage 1 added to {service.name}", f"Stage Acknowledge added to {service.name}",
                         f"Stage Stage 2 added to {service.name}", f"Stage Stage two of {service.name} changed",
                         f"Stage Stage two removed from {service.name}"]
    # A new case starts at the first stage, with that stage's target.
    case = s.case_create(service=service, customer=None, requested_by=administrator, answers={}, channel="web",
                         by=administrator)
    assert case.stage.name == "Acknowledge"


def test_saving_the_same_values_changes_and_records_nothing(client_for, service, administrator):
    stage = service_stage_add(service=service, name="Acknowledge", working_days=2, by=administrator)
    before = AuditEvent.objects.count()
    response = client_for(administrator).post(_url(service, f"{stage.pk}/"), {"name": "Acknowledge",
                                                                               "working_days": "2", "position": "1"})
    assert response.status_code == 302 and AuditEvent.objects.count() == before


@pytest.mark.parametrize("data, message, anchor", [
    ({"name": "", "working_days": "5"}, "Enter the stage&#x27;s name", "id_name"),
    ({"name": "   ", "working_days": "5"}, "Enter the stage&#x27;s name", "id_name"),
    ({"name": "x" * 81, "working_days": "5"}, "80 characters or fewer", "id_name"),
    ({"name": "A" * 5000, "working_days": "5"}, "80 characters or fewer", "id_name"),
    ({"name": "Bell\x07", "working_days": "5"}, "must not contain control characters", "id_name"),
    ({"name": "acknowledge", "working_days": "5"}, "is already a stage of this service", "id_name"),
    ({"name": "Stage 1", "working_days": ""}, "Enter the stage&#x27;s target in working days", "id_working_days"),
    ({"name": "Stage 1", "working_days": "0"}, "must be 1 working day or more", "id_working_days"),
    ({"name": "Stage 1", "working_days": "-3"}, "must be 1 working day or more", "id_working_days"),
    ({"name": "Stage 1", "working_days": "261"}, "260 working days or fewer", "id_working_days"),
    ({"name": "Stage 1", "working_days": "ten"}, "as a whole number of working days", "id_working_days"),
    ({"name": "Stage 1", "working_days": "9" * 400}, "working days", "id_working_days"),
    ({"name": "Stage 1", "working_days": "5", "position": "3"}, "must be 2 or less", "id_position"),
    ({"name": "Stage 1", "working_days": "5", "position": "0"}, "must be 1 or more", "id_position"),
])
def test_bad_stages_are_refused_with_a_message_by_the_field(client_for, service, administrator, data, message,
                                                           anchor):
    service_stage_add(service=service, name="Acknowledge", working_days=2, by=administrator)
    response = client_for(administrator).post(_url(service, "add/"), data)
    html = response.content.decode()
    assert response.status_code == 400 and message in html, html
    assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html
    assert html.count("<title>Error: ") == 1
    assert _names(service) == [(1, "Acknowledge", 2)]


def test_hostile_names_are_kept_as_text_and_shown_escaped(client_for, service, administrator):
    client = client_for(administrator)
    assert client.post(_url(service, "add/"), {"name": "<script>alert(1)</script>", "working_days": "3"}
                       ).status_code == 302
    page = client.get(_url(service)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Line breaks and tabs inside a name become single spaces: a stage's name is one line.
    stage = service_stage_add(service=service, name="Stage\n\t 1", working_days=3, by=administrator)
    assert stage.name == "Stage 1"


def test_renaming_to_another_stages_name_is_refused_but_keeping_its_own_is_not(service, administrator):
    first = service_stage_add(service=service, name="Acknowledge", working_days=2, by=administrator)
    service_stage_add(service=service, name="Stage 1", working_days=20, by=administrator)
    with pytest.raises(ValidationError) as clash:
        service_stage_update(stage=first, name="STAGE 1", working_days=2, position=1, by=administrator)
    assert "already a stage" in str(clash.value)
    renamed = service_stage_update(stage=first, name="ACKNOWLEDGE", working_days=3, position=1, by=administrator)
    assert (renamed.name, renamed.working_days) == ("ACKNOWLEDGE", 3)


def test_a_stage_cases_have_been_at_cannot_be_removed(client_for, service, administrator):
    stage = service_stage_add(service=service, name="Acknowledge", working_days=2, by=administrator)
    s.case_create(service=service, customer=None, requested_by=administrator, answers={}, channel="web",
                  by=administrator)
    response = client_for(administrator).post(_url(service, f"{stage.pk}/remove/"))
    assert response.status_code == 400
    assert "1 case has been at Acknowledge, so it cannot be removed" in response.content.decode()
    assert ServiceStage.objects.filter(pk=stage.pk).exists()


def test_a_service_has_at_most_ten_stages(service, administrator):
    for number in range(10):
        service_stage_add(service=service, name=f"Stage {number}", working_days=5, by=administrator)
    with pytest.raises(ValidationError) as full:
        service_stage_add(service=service, name="One more", working_days=5, by=administrator)
    assert "at most 10 stages" in str(full.value)


def test_only_administrators_see_or_change_stages(client_for, service, administrator, officer_in_team, team_leader,
                                                  resident_a):
    stage = service_stage_add(service=service, name="Acknowledge", working_days=2, by=administrator)
    for user in (officer_in_team, team_leader, resident_a, None):
        client = client_for(user)
        for url in (_url(service), _url(service, "add/"), _url(service, f"{stage.pk}/"),
                    _url(service, f"{stage.pk}/remove/")):
            assert client.get(url).status_code in (302, 403), (user, url)
            assert client.post(url, {"name": "Hijack", "working_days": "1", "position": "1"}).status_code in (302, 403)
    assert _names(service) == [(1, "Acknowledge", 2)]
    with pytest.raises(PermissionDenied):
        service_stage_add(service=service, name="Hijack", working_days=1, by=team_leader)
    with pytest.raises(PermissionDenied):
        service_stage_remove(stage=stage, by=officer_in_team)


def test_unknown_services_and_stages_are_not_found(client_for, service, other_team, administrator):
    from .factories import ServiceFactory

    other = ServiceFactory(code="other-service", name="Other", team=other_team, reference_prefix="OT")
    theirs = service_stage_add(service=other, name="Theirs", working_days=2, by=administrator)
    client = client_for(administrator)
    assert client.get("/staff/catalogue/no-such-service/stages/").status_code == 404
    assert client.get(_url(service, f"{theirs.pk}/")).status_code == 404  # another service's stage
    assert client.get(_url(service, "abc/")).status_code == 404
    assert client.get(_url(service, f"{'9' * 40}/")).status_code == 404
