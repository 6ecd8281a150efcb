"""Street report services: create, thresholds, follow, status changes through casework, notifications."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from oxtom.cases.models import Case, Outcome, Priority, Status
from oxtom.cases.services import DuplicateSubmission
from oxtom.notify.models import OutboundMessage
from portal import services
from portal.models import ReportPhoto, ReportStatus, ReportSubscription, StreetReport
from tests import factories as f

from .conftest import HERE, POTHOLE_OK, POTHOLE_SMALL

RS = ReportStatus


def messages_for(customer, template=None):
    qs = OutboundMessage.objects.filter(customer=customer).order_by("created_at", "id")
    if template:
        qs = qs.filter(template_code=template)
    return list(qs)


def test_create_makes_case_report_photos_and_confirmation(make_report, resident_a, division_a, team):
    report = make_report()
    case = report.case
    assert case.service.code == "pothole" and case.team == team and case.status == Status.NEW
    assert case.priority == Priority.NORMAL and case.division == division_a
    assert case.answers == {"depth_mm": 50, "width_mm": 300, "position": "road", "details": "Deep hole by the bus stop"}
    assert report.public_status == RS.OPEN and report.eligible and report.division == division_a
    assert (report.latitude, report.longitude) == HERE and report.location_text == "OX16 1AA"
    photo = report.photos.get()
    assert photo.content_type == "image/jpeg" and default_storage.exists(photo.image.name)
    assert photo.image.name.startswith("reports/") and "photo" not in photo.image.name
    [message] = messages_for(resident_a.customer, "report-received")
    assert case.reference in message.body and "working days" in message.body


def test_below_threshold_is_recorded_at_low_priority_without_photo(make_report, resident_a):
    report = make_report(answers=dict(POTHOLE_SMALL), photos=[])
    assert not report.eligible and report.case.priority == Priority.LOW
    [message] = messages_for(resident_a.customer, "report-received")
    assert "inspectors check every road" in message.body


def test_eligible_report_needs_a_photo_when_type_says_so(make_report):
    with pytest.raises(ValidationError) as err:
        make_report(photos=[])
    assert err.value.message_dict == {"photos": ["Add at least one photo of the problem"]}
    assert not Case.objects.exists()


def test_street_light_needs_no_photo(street_light, resident_a, division_a):
    report = services.report_create(report_type=street_light, customer=resident_a.customer, latitude=HERE[0],
                                    longitude=HERE[1], answers={"fault": "out"}, photos=[], by=resident_a)
    assert report.eligible and report.case.reference.startswith("SL-")


def test_too_many_photos_refused(make_report, photo):
    with pytest.raises(ValidationError, match="up to 3 photos"):
        make_report(photos=[photo] * 4)
    assert not StreetReport.objects.exists() and not ReportPhoto.objects.exists()


@pytest.mark.parametrize("lat,lon,message", [
    (51.0, -3.0, "must be in Oxfordshire"),
    ("nan", "1", "Choose a location"),
    ("inf", "-1.3", "Choose a location"),
    ("<script>", "", "Choose a location"),
    (None, None, "Choose a location"),
    (95, 0, "Choose a location"),
])
def test_bad_locations_save_nothing(make_report, lat, lon, message):
    with pytest.raises(ValidationError, match=message):
        make_report(latitude=lat, longitude=lon)
    assert not Case.objects.exists() and not OutboundMessage.objects.filter(template_code="report-received").exists()


def test_bad_answers_save_nothing(make_report):
    with pytest.raises(ValidationError) as err:
        make_report(answers={"depth_mm": "<b>deep</b>", "position": "moon"})
    assert set(err.value.message_dict) == {"depth_mm", "width_mm", "position"}
    assert not Case.objects.exists()


def test_html_in_details_is_kept_as_text(make_report):
    report = make_report(answers={**POTHOLE_OK, "details": "<script>alert(1)</script>"})
    assert report.description == "<script>alert(1)</script>"  # stored as typed; templates escape it


def test_same_submission_key_twice_gives_one_report_and_one_message(make_report, resident_a):
    first = make_report(submission_key="k" * 32)
    with pytest.raises(DuplicateSubmission) as dup:
        make_report(submission_key="k" * 32)
    assert dup.value.case == first.case
    assert StreetReport.objects.count() == 1
    assert len(messages_for(resident_a.customer, "report-received")) == 1


def test_a_report_is_filed_with_its_key_and_the_case_is_never_patched_after(make_report):
    """The key goes to case_create with everything else: no UPDATE of the case follows its INSERT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        report = make_report(submission_key="p" * 32)
    patches = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("UPDATE") and '"casework_case"' in q["sql"]]
    assert patches == []
    assert report.case.submission_key == "p" * 32 and report.case.version == 1


def test_inactive_type_refused(make_report, pothole):
    pothole.service.is_active = False
    pothole.service.save()
    with pytest.raises(ValidationError, match="not being taken"):
        make_report()


# --- following -----------------------------------------------------------------------------

def test_follow_once_and_not_own_report(make_report, resident_a, resident_b):
    report = make_report()
    sub, created = services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    assert created
    _, created = services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    assert not created
    assert services.report_subscribe(report=report, customer=resident_a.customer, by=resident_a) == (None, False)
    assert ReportSubscription.objects.count() == 1
    assert services.report_unsubscribe(report=report, customer=resident_b.customer, by=resident_b)
    assert not ReportSubscription.objects.exists()


def test_cannot_follow_closed_report(make_report, resident_b, officer_in_team):
    report = make_report()
    report = services.report_change_status(report=report, status=RS.FIXED, expected_version=report.case.version,
                                           by=officer_in_team)
    with pytest.raises(ValidationError, match="closed"):
        services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)


# --- status changes -----------------------------------------------------------------------

def _change(report, by, **kwargs):
    report = StreetReport.objects.select_related("case").get(pk=report.pk)
    return services.report_change_status(report=report, expected_version=report.case.version, by=by, **kwargs)


def test_lifecycle_accept_schedule_progress_fix_notifies_reporter_and_followers(
        make_report, resident_a, resident_b, officer_in_team):
    report = make_report()
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    expected = timezone.localdate() + dt.timedelta(days=10)
    report = _change(report, officer_in_team, status=RS.ACCEPTED, expected_date=expected,
                     public_text="Thank you, we will repair it.")
    assert report.case.status == Status.ACCEPTED and report.case.expected_date == expected
    when = timezone.localdate() + dt.timedelta(days=5)
    report = _change(report, officer_in_team, status=RS.SCHEDULED, scheduled_on=when)
    assert report.scheduled_on == when and report.case.expected_date == when
    report = _change(report, officer_in_team, status=RS.IN_PROGRESS)
    assert report.case.status == Status.IN_PROGRESS
    report = _change(report, officer_in_team, status=RS.FIXED, public_text="Repaired today.")
    case = Case.objects.get(pk=report.case.pk)
    assert case.status == Status.CLOSED and case.outcome == Outcome.COMPLETED
    assert report.public_status == RS.FIXED and report.closed_at is not None and report.feedback_requested_at

    reporter = [m.template_code for m in messages_for(resident_a.customer)]
    follower = [m.template_code for m in messages_for(resident_b.customer)]
    assert reporter == ["report-received", "report-update", "report-update", "report-update", "report-feedback"]
    assert follower == ["report-update"] * 4
    bodies = " ".join(m.body for m in messages_for(resident_b.customer))
    assert "Repaired today." in bodies and when.strftime("%-d %B %Y") in bodies
    # Casework's generic message was not sent as well.
    assert not OutboundMessage.objects.filter(template_code="generic-update").exists()


@pytest.mark.parametrize("status,outcome", [(RS.NOT_FIXED, Outcome.NO_FURTHER_ACTION),
                                            (RS.REFERRED, Outcome.OUT_OF_SCOPE)])
def test_closing_statuses_map_to_outcomes(make_report, officer_in_team, status, outcome):
    report = _change(make_report(), officer_in_team, status=status, public_text="Reason")
    assert Case.objects.get(pk=report.case_id).outcome == outcome


def test_duplicate_moves_followers_to_the_original(make_report, resident_a, resident_b, officer_in_team):
    original = make_report(customer=resident_b.customer, by=resident_b)
    copy = make_report()
    copy = _change(copy, officer_in_team, status=RS.DUPLICATE, duplicate_of=original)
    assert Case.objects.get(pk=copy.case_id).duplicate_of_id == original.case_id
    assert ReportSubscription.objects.filter(report=original, customer=resident_a.customer).exists()
    [update] = messages_for(resident_a.customer, "report-update")
    assert original.case.reference in update.body


def test_status_refusals_save_nothing(make_report, officer_in_team, officer_outside_team, resident_a):
    report = make_report()
    with pytest.raises(PermissionDenied):
        _change(report, officer_outside_team, status=RS.ACCEPTED)
    with pytest.raises(PermissionDenied):
        _change(report, resident_a, status=RS.ACCEPTED)
    with pytest.raises(ValidationError, match="Choose a status"):
        _change(report, officer_in_team, status="exploded")
    with pytest.raises(ValidationError, match="booked for"):
        _change(report, officer_in_team, status=RS.SCHEDULED)
    with pytest.raises(ValidationError, match="between today"):
        _change(report, officer_in_team, status=RS.SCHEDULED, scheduled_on=dt.date(2000, 1, 1))
    with pytest.raises(ValidationError, match="duplicate of itself"):
        _change(report, officer_in_team, status=RS.DUPLICATE, duplicate_of=report)
    with pytest.raises(ValidationError, match="1,000 characters"):
        _change(report, officer_in_team, status=RS.ACCEPTED, public_text="x" * 1001)
    with pytest.raises(ValidationError, match="changed this case"):
        services.report_change_status(report=report, status=RS.ACCEPTED, expected_version=99, by=officer_in_team)
    report.refresh_from_db()
    assert report.public_status == RS.OPEN and Case.objects.get(pk=report.case_id).status == Status.NEW
    assert not OutboundMessage.objects.filter(template_code="report-update").exists()
    report = _change(report, officer_in_team, status=RS.FIXED)
    with pytest.raises(ValidationError, match="closed: reopen"):
        _change(report, officer_in_team, status=RS.ACCEPTED)


def test_recategorise_moves_type_and_team(make_report, catalogue, officer_in_team):
    report = make_report()
    fly = catalogue["fly-tipping"]
    with pytest.raises(ValidationError, match="Enter why"):
        services.report_recategorise(report=report, report_type=fly, reason="", expected_version=report.case.version,
                                     by=officer_in_team)
    report = services.report_recategorise(report=report, report_type=fly, reason="It is dumped rubbish",
                                          expected_version=report.case.version, by=officer_in_team)
    case = Case.objects.get(pk=report.case_id)
    assert case.service == fly.service and case.team == fly.service.team and case.status == Status.NEW
    assert StreetReport.objects.get(pk=report.pk).report_type == fly


# --- reopen and feedback ----------------------------------------------------------------------

def test_reporter_reopens_within_the_period(make_report, resident_a, resident_b, officer_in_team):
    report = _change(make_report(), officer_in_team, status=RS.FIXED)
    with pytest.raises(PermissionDenied):
        services.report_reopen(report=report, reason="Still there", by=resident_b)
    report = services.report_reopen(report=report, reason="Still there", by=resident_a)
    assert report.public_status == RS.ACCEPTED and Case.objects.get(pk=report.case_id).status == Status.ACCEPTED
    report = _change(report, officer_in_team, status=RS.FIXED)
    StreetReport.objects.filter(pk=report.pk).update(
        closed_at=timezone.now() - dt.timedelta(days=services.REOPEN_DAYS + 1))
    report.refresh_from_db()
    with pytest.raises(ValidationError, match="within 28 days"):
        services.report_reopen(report=report, reason="Still there", by=resident_a)


def test_feedback_once_after_closing(make_report, resident_a, resident_b, officer_in_team):
    report = make_report()
    with pytest.raises(ValidationError, match="once the report is closed"):
        services.report_feedback(report=report, rating=5, text="", by=resident_a)
    report = _change(report, officer_in_team, status=RS.FIXED)
    with pytest.raises(PermissionDenied):
        services.report_feedback(report=report, rating=5, text="", by=resident_b)
    for bad in (0, 6, "five", None):
        with pytest.raises(ValidationError, match="how satisfied"):
            services.report_feedback(report=report, rating=bad, text="", by=resident_a)
    report = services.report_feedback(report=report, rating=4, text="Quick", by=resident_a)
    assert report.feedback_rating == 4
    with pytest.raises(ValidationError, match="already given"):
        services.report_feedback(report=report, rating=4, text="", by=resident_a)


def test_merge_moves_subscriptions_without_duplicates(make_report, resident_b):
    from oxtom.customers.services import customer_merge

    report = make_report()
    other = f.CustomerFactory()
    services.report_subscribe(report=report, customer=resident_b.customer, by=None)
    services.report_subscribe(report=report, customer=other, by=None)
    customer_merge(source=other, survivor=resident_b.customer, by=None)
    assert list(ReportSubscription.objects.values_list("customer_id", flat=True)) == [resident_b.customer.pk]
