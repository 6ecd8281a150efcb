"""The post room's services: logging scans (checked by content), describing, matching and routing through the
case engine, with nothing lost and every step audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bas.intake import selectors, services
from bas.intake.models import PostItem
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent

from .conftest import pdf, pdf_with_javascript, png, png_bomb

pytestmark = pytest.mark.django_db


def _log(by, *files, **kwargs):
    kwargs.setdefault("received_on", timezone.localdate())
    return services.post_items_log(files=list(files), by=by, **kwargs)


def _ready(item, by, **match):
    services.post_item_describe(item=item, sender="Mrs A Resident", summary="About the pothole",
                                received_on=item.received_on, by=by)
    return services.post_item_match(item=item, by=by, **match)


def test_several_scans_are_logged_at_once_each_its_own_unrouted_item(bas_officer):
    items = _log(bas_officer, pdf("one.pdf"), png("two.png"), sender="  Vale   Travel ", summary="Invoices")
    assert len(items) == 2
    assert {i.content_type for i in items} == {"application/pdf", "image/png"}
    assert all(i.status == PostItem.Status.UNROUTED and i.sender == "Vale Travel" for i in items)
    assert all(i.file.name.startswith(f"bas/post/{i.reference}.") for i in items)  # our name, never theirs
    assert AuditEvent.objects.filter(target_type="bas_intake.postitem", action="create").count() == 2
    assert [i.pk for i in selectors.unrouted_page().items] == [i.pk for i in items]


@pytest.mark.parametrize("make, message", [
    (pdf_with_javascript, "scripts or actions"),
    (png_bomb, "too large"),
    (lambda: SimpleUploadedFile("letter.docx", b"PK\x03\x04 not a scan", content_type="application/pdf"),
     "must be a JPG, PNG, WebP or PDF"),
    (lambda: SimpleUploadedFile("empty.pdf", b""), "empty"),
    (lambda: SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)), "smaller than 10MB"),
])
def test_a_hostile_or_wrong_file_is_refused_and_nothing_of_the_batch_is_logged(bas_officer, make, message):
    with pytest.raises(ValidationError) as refused:
        _log(bas_officer, pdf("fine.pdf"), make())
    assert message in str(refused.value)
    assert PostItem.objects.count() == 0


def test_the_same_scan_twice_is_one_item(bas_officer):
    first = _log(bas_officer, pdf("a.pdf", "Same letter"))[0]
    with pytest.raises(ValidationError, match=f"already logged as {first.reference}"):
        _log(bas_officer, pdf("again.pdf", "Same letter"))
    with pytest.raises(ValidationError, match="same scan"):
        _log(bas_officer, pdf("x.pdf", "Twin"), pdf("y.pdf", "Twin"))
    assert PostItem.objects.count() == 1


@pytest.mark.parametrize("received, message", [
    (None, "Enter the date"), (dt.date.today() + dt.timedelta(days=2), "today or in the past"),
    (dt.date.today() - dt.timedelta(days=400), "within the last year")])
def test_received_date_must_be_real_and_recent(bas_officer, received, message):
    with pytest.raises(ValidationError, match=message):
        _log(bas_officer, pdf(), received_on=received)


def test_too_many_files_or_an_overlong_sender_is_refused(bas_officer):
    with pytest.raises(ValidationError, match="20 files or fewer"):
        _log(bas_officer, *[pdf(f"{n}.pdf") for n in range(21)])
    with pytest.raises(ValidationError, match="200 characters or fewer"):
        _log(bas_officer, pdf(), sender="x" * 201)


def test_only_business_admin_officers_log_post(officer_in_team, adviser):
    for user in (officer_in_team, adviser, None):
        with pytest.raises(PermissionDenied):
            _log(user, pdf())


def test_routing_a_letter_about_a_case_opens_a_follow_on_case_in_the_teams_queue(bas_officer, case, service):
    item = _log(bas_officer, pdf(), received_on=timezone.localdate() - dt.timedelta(days=2))[0]
    _ready(item, bas_officer, case=selectors.case_for_post(case.reference.lower().replace("-", " ")))
    item.refresh_from_db()
    assert item.matched_case == case and item.customer == case.customer
    routed = services.post_item_route(item=item, service=service, by=bas_officer)
    new = routed.routed_case
    assert routed.status == PostItem.Status.ROUTED and routed.routed_by == bas_officer
    assert new.team == service.team and new.parent == case and new.customer == case.customer
    assert new.channel == "post" and new.answers["Post item"] == item.reference
    assert timezone.localtime(new.received_at).date() == item.received_on  # the clock starts when it arrived
    assert AuditEvent.objects.filter(target_type="bas_intake.postitem", action="route",
                                     target_id=str(item.pk)).exists()
    assert item.pk not in [i.pk for i in selectors.unrouted_page().items]
    assert [i.pk for i in selectors.routed_page().items] == [item.pk]


def test_routing_twice_changes_nothing_and_makes_one_case(bas_officer, case, service, other_service):
    item = _ready(_log(bas_officer, pdf())[0], bas_officer, case=case)
    services.post_item_route(item=item, service=service, by=bas_officer)
    before = Case.objects.count()
    with pytest.raises(ValidationError, match="already routed"):
        services.post_item_route(item=item, service=other_service, by=bas_officer)
    with pytest.raises(ValidationError, match="already routed"):
        services.post_item_match(item=item, customer=case.customer, by=bas_officer)
    assert Case.objects.count() == before


def test_unmatched_or_undescribed_post_stays_waiting(bas_officer, service, resident_a):
    item = _log(bas_officer, pdf())[0]
    with pytest.raises(ValidationError, match="Say who the post is from"):
        services.post_item_route(item=item, service=service, by=bas_officer)
    services.post_item_describe(item=item, sender="Someone", summary="Something", received_on=item.received_on,
                                by=bas_officer)
    with pytest.raises(ValidationError, match="Match the post"):
        services.post_item_route(item=item, service=service, by=bas_officer)
    item.refresh_from_db()
    assert item.status == PostItem.Status.UNROUTED and selectors.unrouted_page().items == [item]
    services.post_item_match(item=item, customer=resident_a.customer, by=bas_officer)
    service.is_active = False
    service.save()
    with pytest.raises(ValidationError, match="taking new cases"):
        services.post_item_route(item=item, service=service, by=bas_officer)


def test_describe_refuses_blank_and_oversized_text(bas_officer):
    item = _log(bas_officer, pdf())[0]
    with pytest.raises(ValidationError, match="Enter who the post is from"):
        services.post_item_describe(item=item, sender=" ", summary="x", received_on=item.received_on, by=bas_officer)
    with pytest.raises(ValidationError, match="1,000 characters or fewer"):
        services.post_item_describe(item=item, sender="A", summary="x" * 1001, received_on=item.received_on,
                                    by=bas_officer)


def test_post_for_a_customer_routes_to_any_teams_service(bas_officer, resident_a, other_service):
    item = _ready(_log(bas_officer, pdf())[0], bas_officer, customer=resident_a.customer)
    routed = services.post_item_route(item=item, service=other_service, by=bas_officer)
    assert routed.routed_case.team == other_service.team and routed.routed_case.parent is None


def test_the_team_working_the_routed_case_may_open_the_scan_and_no_one_else(bas_officer, case, service,
                                                                         officer_in_team, officer_outside_team):
    from django.http import Http404

    item = _ready(_log(bas_officer, pdf())[0], bas_officer, case=case)
    with pytest.raises(Http404):
        selectors.post_item_for_file(officer_in_team, item.reference)  # not routed yet: the post room's only
    services.post_item_route(item=item, service=service, by=bas_officer)
    assert selectors.post_item_for_file(officer_in_team, item.reference) == item
    with pytest.raises(Http404):
        selectors.post_item_for_file(officer_outside_team, item.reference)


def test_unrouted_pages_walk_every_item_once_oldest_first(bas_officer):
    today = timezone.localdate()
    made = []
    for n in range(7):
        made += _log(bas_officer, pdf(f"{n}.pdf", f"letter {n}"), received_on=today - dt.timedelta(days=n % 3))
    seen, cursor = [], ""
    while True:
        page = selectors.unrouted_page(cursor=cursor, per_page=3)
        seen += page.items
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(i.pk for i in seen) == sorted(i.pk for i in made) and len(seen) == 7
    assert [i.received_on for i in seen] == sorted(i.received_on for i in seen)
