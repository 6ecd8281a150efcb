"""Partners' changes wait for a moderator, who sees the diff; partners edit only their own; bad input is refused."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import ChangeRequest, Service
from community.services.directory import clean_service_data, service_confirm, snapshot
from community.services.moderation import change_approve, change_diff, change_propose, change_reject
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage

pytestmark = pytest.mark.django_db


def edit(service, **changes):
    return {**snapshot(service), **changes}


def test_partner_change_is_not_live_until_approved(services, partner, moderator, notify_templates):
    social = services["social"]
    change = change_propose(organisation=social.organisation, service=social, by=partner,
                            data=edit(social, description="New words", opening="Tuesday 10:00-12:30"))
    social.refresh_from_db()
    assert social.description == "Social Connections description"
    assert change.status == ChangeRequest.Status.PENDING
    rows = {r.field: r for r in change_diff(change)}
    assert rows["description"].changed and rows["description"].after == "New words"
    assert rows["opening"].before == "Tuesday 10:00-12:00" and rows["opening"].after == "Tuesday 10:00-12:30"
    assert not rows["name"].changed
    assert [r.changed for r in change_diff(change)][:2] == [True, True]  # changed rows first
    change_approve(change=change, by=moderator)
    social.refresh_from_db()
    assert social.description == "New words" and social.version == 2
    assert [(s.opens_at.hour, s.opens_at.minute, s.closes_at.minute) for s in social.schedules.all()] == [(10, 0, 30)]
    assert OutboundMessage.objects.filter(recipient=partner.email, idempotency_key__contains="approved").count() == 1
    assert AuditEvent.objects.filter(target_type="community.service", target_id=str(social.pk)).exists()


def test_new_service_proposal_creates_on_approval_and_twice_is_one(group, services, partner, moderator, places):
    data = {"name": "Knit and Natter", "description": "Knitting", "terms": ["loneliness"], "is_free": "on",
            "locations": [str(places["near"].uuid)], "opening": "Friday 14:00-16:00"}
    first = change_propose(organisation=group, service=None, data=data, by=partner)
    again = change_propose(organisation=group, service=None, data=data, by=partner)
    assert first.pk == again.pk
    assert not Service.objects.filter(name="Knit and Natter").exists()
    service = change_approve(change=first, by=moderator)
    assert service.name == "Knit and Natter" and service.is_listed
    assert service.at_locations.get().listed


def test_rejection_needs_a_reason_and_tells_the_partner(services, partner, moderator, notify_templates):
    social = services["social"]
    change = change_propose(organisation=social.organisation, service=social, by=partner, data=edit(social, name="X"))
    with pytest.raises(ValidationError):
        change_reject(change=change, reason="   ", by=moderator)
    change_reject(change=change, reason="Please keep the name", by=moderator)
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.REJECTED
    social.refresh_from_db()
    assert social.name == "Social Connections"
    with pytest.raises(ValidationError):
        change_approve(change=change, by=moderator)


def test_newer_proposal_supersedes_and_stale_change_refuses(services, partner, moderator):
    social = services["social"]
    first = change_propose(organisation=social.organisation, service=social, by=partner, data=edit(social, name="A"))
    second = change_propose(organisation=social.organisation, service=social, by=partner, data=edit(social, name="B"))
    first.refresh_from_db()
    assert first.status == ChangeRequest.Status.SUPERSEDED
    service_confirm(service=social, by=moderator)  # confirming does not change the version
    from community.services.directory import service_apply

    social.refresh_from_db()
    service_apply(organisation=social.organisation, service=social, by=moderator, summary="moderator edit",
                  data=clean_service_data(edit(social, name="Moderator's"), organisation=social.organisation))
    with pytest.raises(ValidationError, match="changed since"):
        change_approve(change=second, by=moderator)


def test_partner_edits_only_their_own_organisation(services, other_partner, partner, resident_a):
    social = services["social"]
    for who in (other_partner, resident_a):
        with pytest.raises(PermissionDenied):
            change_propose(organisation=social.organisation, service=social, by=who, data=edit(social, name="Hijack"))
    with pytest.raises(PermissionDenied):
        change_approve(change=change_propose(organisation=social.organisation, service=social, by=partner,
                                             data=edit(social, name="Mine")), by=partner)


def test_unchanged_proposal_is_refused(services, partner):
    social = services["social"]
    with pytest.raises(ValidationError, match="not changed"):
        change_propose(organisation=social.organisation, service=social, by=partner, data=edit(social))


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Enter the name of the service"),
    ("name", "x" * 201, "200 characters or fewer"),
    ("name", "Bad\x00name", "special characters"),
    ("description", "\u202eevil", "special characters"),
    ("url", "javascript:alert(1)", "https://"),
    ("email", "not-an-email", "email address"),
    ("minimum_age", "abc", "whole number"),
    ("minimum_age", "300", "between 0 and 120"),
    ("opening", "Someday 10-11", "Opening times line 1"),
    ("opening", "Monday 25:00-26:00", "real times"),
    ("opening", "Monday 12:00-10:00", "after the opening"),
    ("terms", ["no-such-need"], "from the list"),
    ("status", "deleted", "from the list"),
])
def test_bad_and_hostile_service_input(services, field, value, message):
    social = services["social"]
    with pytest.raises(ValidationError) as exc:
        clean_service_data(edit(social, **{field: value}), organisation=social.organisation)
    assert message in " ".join(exc.value.message_dict[field])


def test_ages_the_wrong_way_round_and_paid_without_cost(services):
    social = services["social"]
    with pytest.raises(ValidationError) as exc:
        clean_service_data(edit(social, minimum_age=30, maximum_age=10, is_free=False, fees=""),
                           organisation=social.organisation)
    assert "maximum_age" in exc.value.message_dict and "fees" in exc.value.message_dict


def test_a_partner_cannot_list_at_another_groups_place(services, other_group, group, partner):
    from tests.community.conftest import make_location

    theirs = make_location(other_group, "Their hall", 51.7, -1.2)
    social = services["social"]
    with pytest.raises(ValidationError) as exc:
        clean_service_data(edit(social, locations=[str(theirs.uuid)]), organisation=group)
    assert "locations" in exc.value.message_dict
