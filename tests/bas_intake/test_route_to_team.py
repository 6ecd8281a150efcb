"""Post matched to nobody (a supplier's invoice, a letter quoting no reference and naming no customer) goes straight
to a team's queue: a case on the "Post to action" service with the post room officer as the staff requester, the
scan attached, a note for the team required; once only, refused clearly when the team or the note is wrong."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from bas.intake import selectors, services
from bas.intake.models import PostItem
from oxtom.accounts.models import Team
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent

from .conftest import pdf

pytestmark = pytest.mark.django_db

NOTE = "Invoice 4471 from Vale Community Travel Ltd for route HTS-0107: the contracts team pays these"


@pytest.fixture
def letter(bas_officer):
    return services.post_items_log(files=[pdf("invoice.pdf", "Invoice 4471", "Vale Community Travel Ltd")],
                                   received_on=timezone.localdate(), by=bas_officer)[0]


def _route(item, team, by, note=NOTE):
    return services.post_item_route_to_team(item=item, team=team, note=note, by=by)


def test_unmatched_post_goes_to_the_teams_queue_with_the_officer_as_requester(bas_officer, letter, other_team,
                                                                              post_for_team_service):
    assert selectors.unrouted_page().items == [letter]
    item = _route(letter, other_team, bas_officer)
    case = item.routed_case
    assert item.status == PostItem.Status.ROUTED and item.routed_by == bas_officer
    assert case.team == other_team and case.service == post_for_team_service
    assert case.customer is None and case.requested_by == bas_officer and case.channel == "post"
    assert case.answers["Why this team"] == NOTE and case.answers["From"] == "Not known"
    assert timezone.localtime(case.received_at).date() == letter.received_on
    assert case.due_at > letter.received_on  # the service's clock, from the day the post came
    # It has left the unrouted list and is on the routed one; the officer follows it under My requests.
    assert selectors.unrouted_page().items == [] and [i.pk for i in selectors.routed_page().items] == [item.pk]
    assert list(Case.objects.filter(requested_by=bas_officer)) == [case]
    audit = AuditEvent.objects.get(target_type="bas_intake.postitem", target_id=str(item.pk), action="route")
    assert audit.detail["team"] == other_team.slug and audit.detail["case"] == case.reference


def test_routing_twice_makes_one_case(bas_officer, letter, other_team, team, post_for_team_service):
    _route(letter, other_team, bas_officer)
    before = Case.objects.count()
    with pytest.raises(ValidationError, match="already routed"):
        _route(letter, team, bas_officer)
    letter.refresh_from_db()
    assert Case.objects.count() == before and letter.routed_case.team == other_team


def test_a_retried_route_after_the_case_was_made_reuses_that_case(bas_officer, letter, other_team,
                                                                 post_for_team_service):
    """The engine's submission key (one per post item) settles a retry that got past the status check."""
    first = _route(letter, other_team, bas_officer).routed_case
    PostItem.objects.filter(pk=letter.pk).update(status="unrouted", routed_case=None, routed_at=None)
    letter.refresh_from_db()
    again = _route(letter, other_team, bas_officer).routed_case
    assert again == first and Case.objects.filter(service=post_for_team_service).count() == 1


@pytest.mark.parametrize("note, message", [
    ("", "Enter what the post is and why"),
    ("   \u200b\u202e  ", "Enter what the post is and why"),
    ("x" * 1001, "1,000 characters or fewer"),
])
def test_a_missing_or_oversized_note_is_refused_and_the_post_waits(bas_officer, letter, other_team, note, message,
                                                                   post_for_team_service):
    with pytest.raises(ValidationError, match=message):
        _route(letter, other_team, bas_officer, note=note)
    letter.refresh_from_db()
    assert not letter.is_routed and Case.objects.filter(service=post_for_team_service).count() == 0


def test_hostile_text_is_kept_as_text_without_hidden_characters(bas_officer, letter, other_team, post_for_team_service):
    note = "<script>alert(1)</script> pay\u202e this \u200binvoice"
    case = _route(letter, other_team, bas_officer, note=note).routed_case
    assert case.answers["Why this team"] == "<script>alert(1)</script> pay this invoice"


def test_a_team_that_does_not_exist_is_refused(bas_officer, letter, other_team, post_for_team_service):
    with pytest.raises(ValidationError, match="Choose a team from the list"):
        _route(letter, None, bas_officer)
    gone = Team(pk=999_999, name="Gone", slug="gone")
    with pytest.raises(ValidationError, match="no longer exists"):
        _route(letter, gone, bas_officer)
    assert not PostItem.objects.get(pk=letter.pk).is_routed


def test_matched_post_goes_to_a_service_not_this_way(bas_officer, letter, other_team, resident_a,
                                                    post_for_team_service):
    services.post_item_match(item=letter, customer=resident_a.customer, by=bas_officer)
    with pytest.raises(ValidationError, match="route it to a service instead"):
        _route(letter, other_team, bas_officer)


def test_nothing_is_routed_while_the_service_is_off(bas_officer, letter, other_team, post_for_team_service):
    post_for_team_service.is_active = False
    post_for_team_service.save()
    with pytest.raises(ValidationError, match="not taking new cases"):
        _route(letter, other_team, bas_officer)
    assert not PostItem.objects.get(pk=letter.pk).is_routed


def test_only_business_admin_officers_route(officer_in_team, adviser, letter, other_team, post_for_team_service):
    for who in (officer_in_team, adviser):
        with pytest.raises(PermissionDenied):
            _route(letter, other_team, who)


def test_the_receiving_team_opens_the_case_and_the_scan(client_for, bas_officer, letter, team, officer_in_team,
                                                       officer_outside_team, post_for_team_service):
    case = _route(letter, team, bas_officer).routed_case
    page = client_for(officer_in_team).get(f"/staff/cases/{case.reference}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Why this team" in text and "contracts team pays these" in text
    assert f"/staff/bas/intake/post/{letter.reference}/scan/" in text
    assert client_for(officer_in_team).get(f"/staff/bas/intake/post/{letter.reference}/scan/").status_code == 200
    assert client_for(officer_outside_team).get(f"/staff/bas/intake/post/{letter.reference}/scan/").status_code == 404


# --- the page -------------------------------------------------------------------------------------------

def test_route_to_team_through_the_page(client_for, bas_officer, letter, other_team, post_for_team_service):
    client = client_for(bas_officer)
    base = f"/staff/bas/intake/post/{letter.reference}/"
    shown = client.get(base).content.decode()
    assert "Route to this team" in shown and other_team.name in shown
    from bas.intake.forms import RouteForm

    # Not offered as a service for a customer's post.
    assert post_for_team_service not in RouteForm().fields["service"].queryset
    for data, message in [
        ({"team": "", "note": NOTE}, "Choose the team to route the post to"),
        ({"team": "no-such-team", "note": NOTE}, "Choose a team from the list"),
        ({"team": other_team.slug, "note": ""}, "Enter what the post is and why it goes to this team"),
        ({"team": other_team.slug, "note": "x" * 1001}, "must be 1,000 characters or fewer"),
    ]:
        response = client.post(base + "route-to-team/", data)
        assert response.status_code == 200 and message in response.content.decode(), data
        assert "There is a problem" in response.content.decode()
    assert not PostItem.objects.get(pk=letter.pk).is_routed
    shown = client.get(base)
    key = shown.content.decode().split('name="submission_key" value="')[-1].split('"')[0]
    data = {"team": other_team.slug, "note": NOTE, "submission_key": key}
    done = client.post(base + "route-to-team/", data)
    assert done.status_code == 302 and done["Location"] == "/staff/bas/intake/post/"
    again = client.post(base + "route-to-team/", data)  # the double click
    assert again.status_code == 302
    letter.refresh_from_db()
    assert letter.is_routed and Case.objects.filter(service=post_for_team_service).count() == 1
    listing = client.get("/staff/bas/intake/post/?show=routed").content.decode()
    assert f"{other_team.name}: case {letter.routed_case.reference}" in listing
    assert "Route to this team" not in client.get(base).content.decode()


def test_the_form_is_not_offered_for_matched_post(client_for, bas_officer, letter, resident_a,
                                                  post_for_team_service):
    services.post_item_match(item=letter, customer=resident_a.customer, by=bas_officer)
    assert "Route to this team" not in client_for(bas_officer).get(
        f"/staff/bas/intake/post/{letter.reference}/").content.decode()
