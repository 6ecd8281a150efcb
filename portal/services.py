"""Writes for street reports. A report is a casework Case plus its StreetReport row.

Every status change goes through casework's services (status rules, SLA,
optimistic locking, audit, timeline) and then sets what the public sees,
then tells the reporter and everyone following the report through the
notification outbox (oxtom.notify). Report services are seeded with
`notify_customer_on_change=False` so casework's generic message does not
duplicate ours.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from oxtom.cases import services as casework
from oxtom.cases.models import Case, Outcome, Priority, Status
from oxtom.cases.selectors import case_for_submission
from oxtom.cases.services import DuplicateSubmission
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_reverse
from oxtom.core.uploads import WEB_SIZES, CheckedImage, image_resize
from oxtom.customers.models import Channel, Customer, Interaction
from oxtom.places.selectors import division_for_point

from . import catalogue
from .models import (
    CLOSED_REPORT_STATUSES,
    MAX_PHOTOS,
    OPEN_REPORT_STATUSES,
    ReportPhoto,
    ReportStatus,
    ReportSubscription,
    ReportType,
    StreetReport,
)

logger = logging.getLogger(__name__)

RS = ReportStatus
REOPEN_DAYS = 28  # a resident may reopen a closed report this many days after it closed
MAX_PUBLIC_TEXT = 1000
MAX_LOCATION_TEXT = 400  # StreetReport.location_text: a street or postcode and up to 200 of the resident's words
MAX_SCHEDULE_DAYS_AHEAD = 366

# What staff may move a report to from each public status.
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    RS.OPEN: frozenset({RS.ACCEPTED, RS.SCHEDULED, RS.IN_PROGRESS, RS.FIXED, RS.NOT_FIXED, RS.REFERRED, RS.DUPLICATE}),
    RS.ACCEPTED: frozenset({RS.SCHEDULED, RS.IN_PROGRESS, RS.FIXED, RS.NOT_FIXED, RS.REFERRED, RS.DUPLICATE}),
    RS.SCHEDULED: frozenset({RS.SCHEDULED, RS.IN_PROGRESS, RS.FIXED, RS.NOT_FIXED, RS.REFERRED, RS.DUPLICATE}),
    RS.IN_PROGRESS: frozenset({RS.SCHEDULED, RS.FIXED, RS.NOT_FIXED, RS.REFERRED, RS.DUPLICATE}),
    RS.FIXED: frozenset(),
    RS.NOT_FIXED: frozenset(),
    RS.REFERRED: frozenset(),
    RS.DUPLICATE: frozenset(),
}
# Closed public statuses and the casework outcome each records.
CLOSING_OUTCOMES = {RS.FIXED: Outcome.COMPLETED, RS.NOT_FIXED: Outcome.NO_FURTHER_ACTION,
                    RS.REFERRED: Outcome.OUT_OF_SCOPE}


def allowed_statuses(current: str) -> list[str]:
    return [s for s in RS.values if s in REPORT_TRANSITIONS.get(current, frozenset())]


def report_link(report: StreetReport) -> str:
    return absolute_reverse("portal:report_public", report.case.reference)


# --- notifications --------------------------------------------------------------------------

def _followers(report: StreetReport) -> list[Customer]:
    """The reporter, then everyone following, once each (tombstones followed to the survivor)."""
    people = [report.case.customer] + [
        s.customer for s in report.subscriptions.select_related("customer").order_by("id")
    ]
    seen, result = set(), []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result


def _notify(report: StreetReport, *, template: str, customer: Customer, key: str, by: Any, **context: Any) -> None:
    from oxtom.notify.services import notification_queue

    notification_queue(
        customer=customer, template=template, by=by, idempotency_key=key,
        context={"name": customer.display_name, "reference": report.case.reference,
                 "type": report.report_type.service.name, "link": report_link(report), **context},
    )


def _notify_status(report: StreetReport, *, message: str, event_key: str, by: Any) -> None:
    """Tell the reporter and followers what changed. Closing asks the reporter for feedback too."""
    label = RS(report.public_status).label
    message = message or f"The report is now: {label.lower()}."
    closing = report.public_status in CLOSED_REPORT_STATUSES and report.public_status != RS.DUPLICATE
    for customer in _followers(report):
        is_reporter = customer.pk == report.case.customer_id
        template = "report-feedback" if closing and is_reporter else "report-update"
        _notify(report, template=template, customer=customer, key=f"report:{report.pk}:{event_key}:c{customer.pk}",
                by=by, status=label, message=message)
    if closing:
        report.feedback_requested_at = timezone.now()
        report.save(update_fields=["feedback_requested_at"])


# --- create ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    division: Any


def report_location_check(latitude: object, longitude: object) -> Location:
    """A point inside the county, with its division, or a ValidationError saying what is wrong."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({"location": "Choose a location for the problem"}) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"location": "Choose a location for the problem"})
    division = division_for_point(lat, lon)
    if division is None:
        raise ValidationError({"location": "The location must be in Oxfordshire: we cannot deal with problems "
                                           "outside the county"})
    return Location(round(lat, 6), round(lon, 6), division)


def _save_web_sizes(row: ReportPhoto, content: bytes, extension: str) -> list[str]:
    """Make and store the thumbnail and display copies of a photo (not saved to the row)."""
    names = []
    for name, max_side in WEB_SIZES.items():
        copy = image_resize(content, max_side=max_side)
        getattr(row, name).save(f"{name}.{extension}", ContentFile(copy.content), save=False)
        names.append(getattr(row, name).name)
    return names


def _store_photos(report: StreetReport, photos: list[CheckedImage]) -> list[str]:
    names = []
    for position, photo in enumerate(photos):
        token = secrets.token_hex(16)
        row = ReportPhoto(report=report, token=token, content_type=photo.content_type, width=photo.width,
                          height=photo.height, position=position)
        row.image.save(f"photo.{photo.extension}", ContentFile(photo.content), save=False)
        names.append(row.image.name)
        names += _save_web_sizes(row, photo.content, photo.extension)
        row.save()
    return names


def report_photo_sizes_ensure(*, photo: ReportPhoto) -> ReportPhoto:
    """Give a photo stored before web sizes existed its thumbnail and display copies. Idempotent.

    Called when such a photo is first asked for and by `manage.py report_photo_sizes`.
    The copies are derived data (no audit event); a conditional update means two
    requests racing for the same photo leave one pair of files on the row.
    """
    if photo.thumbnail and photo.display:
        return photo
    with default_storage.open(photo.image.name, "rb") as handle:
        content = handle.read()
    extension = photo.image.name.rsplit(".", 1)[-1]
    names = _save_web_sizes(photo, content, extension)
    won = ReportPhoto.objects.filter(Q(thumbnail="") | Q(display=""), pk=photo.pk).update(
        thumbnail=photo.thumbnail.name, display=photo.display.name)
    if not won:
        for name in names:
            default_storage.delete(name)
        photo.refresh_from_db(fields=["thumbnail", "display"])
    return photo


@transaction.atomic
def report_create(
    *,
    report_type: ReportType,
    customer: Customer,
    latitude: object,
    longitude: object,
    answers: Any,
    photos: list[CheckedImage],
    by: Any,
    location_text: str = "",
    channel: str = Channel.WEB,
    submission_key: str = "",
    photos_optional: bool = False,
    on_behalf_of: bool = False,
) -> StreetReport:
    """File a street report: a case in the type's team queue, the public report, photos, a confirmation.

    All checks come first, so bad input saves nothing. A report below the
    intervention threshold is still recorded (at low priority), as the
    resident was told. The same `submission_key` twice gives one report.
    `photos_optional` is for Open311 clients, which can only send a link to a
    photo (media_url) that we do not fetch. `on_behalf_of`: an adviser (`by`)
    reporting for `customer` in an acting-for session, on the session's
    channel; audited and on the customer's timeline as done for them.
    """
    service = report_type.service
    if not service.is_active:
        raise ValidationError("This type of report is not being taken at the moment")
    key = (submission_key or "").strip()
    if len(key) > 64:
        raise ValidationError("The form has expired: start again")
    existing = case_for_submission(key)
    if existing is not None:  # before the checks: a double-click is told where its report went
        raise DuplicateSubmission(existing)
    location_text = (location_text or "").strip()
    if len(location_text) > MAX_LOCATION_TEXT:
        raise ValidationError({"location_text": f"The description of the location must be {MAX_LOCATION_TEXT} "
                                                "characters or fewer"})
    place = report_location_check(latitude, longitude)
    cleaned, errors = catalogue.clean_answers(report_type.questions, answers)
    if errors:
        raise ValidationError(errors)
    verdict = catalogue.evaluate(report_type.thresholds, cleaned)
    # An emergency answer (a street light with its wiring showing) is urgent whatever the thresholds say.
    emergency = catalogue.emergencies(report_type.questions, cleaned)
    if emergency and not verdict.meets:
        verdict = catalogue.Verdict(meets=True)
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"Add up to {MAX_PHOTOS} photos"})
    if verdict.meets and report_type.photos_required and not photos and not photos_optional and not emergency:
        raise ValidationError({"photos": "Add at least one photo of the problem"})

    case = casework.case_create(
        service=service, customer=customer, answers=cleaned, channel=channel, by=by, title=service.name,
        priority=Priority.URGENT if emergency else Priority.NORMAL if verdict.meets else Priority.LOW,
        division=place.division,
        on_behalf_of=on_behalf_of, submission_key=key,
    )
    now = timezone.now()
    report = StreetReport.objects.create(
        case=case, report_type=report_type, latitude=place.latitude, longitude=place.longitude,
        location_text=location_text, division=place.division, eligible=verdict.meets,
        is_public=report_type.is_public, reported_at=case.received_at, status_changed_at=now,
        description=str(cleaned.get("details", ""))[:2000],
    )
    stored: list[str] = []
    try:
        stored = _store_photos(report, photos)
        next_steps = (
            f"It is an emergency ({', '.join(emergency).lower()}): if you have not already, call us now on "
            f"{settings.COUNCIL_PHONE}. We aim to make it safe within {service.sla_days(case.priority)} working "
            "days." if emergency
            else "We aim to deal with it within "
            f"{service.sla_days(case.priority)} working days." if verdict.meets
            else report_type.below_threshold_message or "We have recorded it."
        )
        _notify(report, template="report-received", customer=customer, key=f"report:{report.pk}:received", by=by,
                next_steps=next_steps)
    except Exception:
        for name in stored:  # the rows roll back with the transaction; the files must go too
            default_storage.delete(name)
        raise
    audit_record(by=by, action="create", target=report, summary=f"Street report {case.reference}",
                 report_type=report_type.code, eligible=verdict.meets, photos=len(photos), channel=channel,
                 emergency=bool(emergency),
                 on_behalf_of=on_behalf_of, customer=customer.reference)
    return report


# --- followers ------------------------------------------------------------------------------

@transaction.atomic
def report_subscribe(*, report: StreetReport, customer: Customer, by: Any, channel: str = Channel.WEB,
                     on_behalf_of: bool = False) -> tuple[ReportSubscription | None, bool]:
    """Follow an open report instead of filing a duplicate. Returns (subscription, created).

    Following twice is harmless (one row). The reporter already hears about
    their own report, so nothing is added for them. `on_behalf_of`: an
    adviser following it for the customer in an acting-for session.
    """
    if report.public_status not in OPEN_REPORT_STATUSES or not report.is_public:
        raise ValidationError("This report is closed: report the problem again if it is still there")
    if report.case.customer_id == customer.pk:
        return None, False
    subscription, created = ReportSubscription.objects.get_or_create(report=report, customer=customer)
    if created:
        from oxtom.customers.services import interaction_record

        interaction_record(customer=customer, kind="report.followed", summary=f"Following report {report.case.reference}",
                           channel=channel, direction=Interaction.Direction.INBOUND, by=by, subject=report.case,
                           subject_reference=report.case.reference, on_behalf_of=on_behalf_of)
        audit_record(by=by, action="create", target=subscription, summary=f"Following {report.case.reference}",
                     on_behalf_of=on_behalf_of)
    return subscription, created


@transaction.atomic
def report_unsubscribe(*, report: StreetReport, customer: Customer, by: Any, channel: str = Channel.WEB,
                       on_behalf_of: bool = False) -> bool:
    """Stop following a report: no more messages about it. Returns whether they were following.

    Stopping twice, or stopping a report one never followed, changes nothing.
    The reporter cannot stop hearing about their own report this way (they
    are told what happens to what they asked for), so they get a clear refusal.
    """
    if report.case.customer_id == customer.pk:
        raise ValidationError("This is your own report: we will keep telling you what happens to it")
    deleted, _ = ReportSubscription.objects.filter(report=report, customer=customer).delete()
    if deleted:
        from oxtom.customers.services import interaction_record

        interaction_record(customer=customer, kind="report.unfollowed",
                           summary=f"Stopped following report {report.case.reference}", channel=channel,
                           direction=Interaction.Direction.INBOUND, by=by, subject=report.case,
                           subject_reference=report.case.reference, on_behalf_of=on_behalf_of)
        audit_record(by=by, action="delete", target=report, summary="Stopped following report",
                     customer=customer.reference, on_behalf_of=on_behalf_of)
    return bool(deleted)


# --- staff: status changes ------------------------------------------------------------------

def _clean_public_text(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_PUBLIC_TEXT:
        raise ValidationError({"public_text": f"The public update must be {MAX_PUBLIC_TEXT:,} characters or fewer"})
    if "\x00" in text:
        raise ValidationError({"public_text": "Remove the control characters from the update"})
    return text


def _check_version(case: Case, expected_version: object) -> None:
    """Refuse up front when the case moved on since the officer loaded it.

    Some moves make no casework call that would check (a new repair date on
    a scheduled report), so the check cannot be left to casework alone.
    """
    try:
        if int(expected_version) == case.version:  # type: ignore[call-overload]
            return
    except (TypeError, ValueError):
        pass
    raise casework.StaleCaseError()


def report_follow_case_started(*, case: Case) -> int:
    """The engine started work on a report's case (an officer took it, or a reply came in): the public
    status says so too, if it had not got that far. Called inside the engine's transaction
    (oxtom.cases.owners); returns how many reports moved (0 or 1).

    A scheduled repair stays "Repair scheduled": that says more than "In progress".
    """
    moved = StreetReport.objects.filter(case=case, public_status__in=(RS.OPEN, RS.ACCEPTED)).update(
        public_status=RS.IN_PROGRESS, status_changed_at=timezone.now())
    if moved:
        from .open311_cache import invalidate

        invalidate()  # an UPDATE sends no post_save
    return moved


def _lock_report(report: StreetReport) -> StreetReport:
    # of=("self",): the case and its customer are nullable sides of outer joins, which PostgreSQL will not lock.
    return StreetReport.objects.select_for_update(of=("self",)).select_related(
        "case__service", "case__customer", "report_type__service").get(pk=report.pk)


@transaction.atomic
def report_change_status(
    *,
    report: StreetReport,
    status: str,
    expected_version: int,
    by: Any,
    public_text: str = "",
    private_note: str = "",
    scheduled_on: dt.date | None = None,
    expected_date: dt.date | None = None,
    duplicate_of: StreetReport | None = None,
) -> StreetReport:
    """Move a report to a new public status through the matching casework steps, and tell its followers.

    accepted → case accepted (optionally with an expected date); scheduled →
    accepted if needed, a repair date that also becomes the expected date;
    in progress → work started; fixed / not fixed / referred → case closed
    with an outcome; duplicate → closed as a duplicate of another open
    report, whose followers the reporter and followers of this one join.
    """
    report = _lock_report(report)
    case = report.case
    if status not in RS.values:
        raise ValidationError({"status": "Choose a status"})
    if not casework.can_work_case(by, case):
        raise PermissionDenied("You cannot work on this report")
    _check_version(case, expected_version)
    if status not in REPORT_TRANSITIONS[report.public_status]:
        if report.public_status in CLOSED_REPORT_STATUSES:
            raise ValidationError({"status": "This report is closed: reopen it first"})
        raise ValidationError({"status": f"A report that is {RS(report.public_status).label.lower()} cannot be "
                                         f"moved to {RS(status).label.lower()}"})
    public_text = _clean_public_text(public_text)
    today = timezone.localdate()
    if status == RS.SCHEDULED:
        if scheduled_on is None:
            raise ValidationError({"scheduled_on": "Enter the date the repair is booked for"})
        if not today <= scheduled_on <= today + dt.timedelta(days=MAX_SCHEDULE_DAYS_AHEAD):
            raise ValidationError({"scheduled_on": "The repair date must be between today and a year from now"})
    if status == report.public_status == RS.SCHEDULED and scheduled_on == report.scheduled_on:
        raise ValidationError({"scheduled_on": "The repair is already booked for that date"})
    original = None
    if status == RS.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": "Enter the reference of the report this duplicates"})
        original = StreetReport.objects.select_related("case").get(pk=duplicate_of.pk)
        if original.pk == report.pk:
            raise ValidationError({"duplicate_of": "A report cannot be a duplicate of itself"})
        if original.public_status not in OPEN_REPORT_STATUSES:
            raise ValidationError({"duplicate_of": f"{original.case.reference} is closed: choose an open report"})

    version = expected_version
    if private_note.strip():
        casework.case_add_note(case=case, text=private_note, expected_version=version, by=by)
    if public_text:
        casework.case_add_public_update(case=case, text=public_text, expected_version=version, by=by)
    if status in (RS.ACCEPTED, RS.SCHEDULED) and case.status == Status.NEW:
        case = casework.case_accept(case=case, expected_version=version, by=by)
        version = case.version
    if status == RS.ACCEPTED and expected_date is not None:
        case = casework.case_set_expected_date(case=case, expected_date=expected_date, expected_version=version, by=by)
        version = case.version
    if status == RS.SCHEDULED:
        if case.expected_date != scheduled_on:
            case = casework.case_set_expected_date(case=case, expected_date=scheduled_on, expected_version=version,
                                                   by=by)
            version = case.version
        report.scheduled_on = scheduled_on
    if status == RS.IN_PROGRESS and case.status != Status.IN_PROGRESS:
        case = casework.case_start_work(case=case, note=public_text, expected_version=version, by=by)
        version = case.version
    if status in CLOSING_OUTCOMES:
        case = casework.case_close(case=case, outcome=CLOSING_OUTCOMES[status], note=public_text,
                                   expected_version=version, by=by)
        report.closed_at = case.closed_at
    if status == RS.DUPLICATE:
        case = casework.case_link_duplicate(case=case, original=original.case, expected_version=version, by=by)
        report.closed_at = case.closed_at
        for customer in _followers(report):
            if customer.pk != original.case.customer_id:
                ReportSubscription.objects.get_or_create(report=original, customer=customer)
    previous = report.public_status
    report.public_status, report.status_changed_at = status, timezone.now()
    report.save(update_fields=["public_status", "status_changed_at", "scheduled_on", "closed_at"])
    report.case = case
    message = public_text
    if status == RS.SCHEDULED and not message:
        message = f"The repair is booked for {scheduled_on:%-d %B %Y}."
    elif status == RS.SCHEDULED:
        message = f"{message} The repair is booked for {scheduled_on:%-d %B %Y}."
    if status == RS.ACCEPTED and expected_date is not None:
        message = f"{message} We expect to fix it by {expected_date:%-d %B %Y}.".strip()
    if status == RS.DUPLICATE:
        message = (f"{message} Updates will now come from report {original.case.reference}.").strip()
    _notify_status(report, message=message, event_key=f"v{case.version}:{status}", by=by)
    audit_record(by=by, action="update", target=report, summary=f"Report {previous} → {status}",
                 previous=previous, status=status)
    return report


@transaction.atomic
def report_set_expected_date(*, report: StreetReport, expected_date: dt.date, expected_version: int,
                             by: Any) -> StreetReport:
    """Tell the reporter and followers when to expect the repair (a new date on an open report)."""
    report = _lock_report(report)
    if not casework.can_work_case(by, report.case):
        raise PermissionDenied("You cannot work on this report")
    if report.public_status not in OPEN_REPORT_STATUSES:
        raise ValidationError({"expected_date": "This report is closed: reopen it first"})
    if expected_date == report.case.expected_date:
        raise ValidationError({"expected_date": "The report already has that expected date"})
    case = casework.case_set_expected_date(case=report.case, expected_date=expected_date,
                                           expected_version=expected_version, by=by)
    report.case = case
    _notify_status(report, message=f"We expect to fix it by {expected_date:%-d %B %Y}.",
                   event_key=f"v{case.version}:expected", by=by)
    audit_record(by=by, action="update", target=report, summary=f"Expected by {expected_date:%Y-%m-%d}")
    return report


@transaction.atomic
def report_recategorise(*, report: StreetReport, report_type: ReportType, reason: str, expected_version: int,
                        by: Any) -> StreetReport:
    """Correct the report's type (and so its team, SLA and questions). The answers stay as given."""
    report = _lock_report(report)
    if not casework.can_work_case(by, report.case):
        raise PermissionDenied("You cannot work on this report")
    if report.public_status not in OPEN_REPORT_STATUSES:
        raise ValidationError({"report_type": "This report is closed: reopen it first"})
    case = casework.case_recategorise(case=report.case, service=report_type.service, reason=reason,
                                      expected_version=expected_version, by=by)
    previous = report.report_type
    report.report_type, report.case = report_type, case
    report.is_public = report_type.is_public
    report.save(update_fields=["report_type", "is_public"])
    audit_record(by=by, action="update", target=report, summary=f"Type {previous.code} → {report_type.code}")
    return report


# --- residents: reopen and feedback --------------------------------------------------------

def can_reopen(report: StreetReport, on: dt.datetime | None = None) -> bool:
    """Fixed or not-fixed reports can be reopened by their reporter for REOPEN_DAYS after closing."""
    on = on or timezone.now()
    return (report.public_status in (RS.FIXED, RS.NOT_FIXED) and report.closed_at is not None
            and on - report.closed_at <= dt.timedelta(days=REOPEN_DAYS))


@transaction.atomic
def report_reopen(*, report: StreetReport, reason: str, by: Any) -> StreetReport:
    """The reporter says it is not fixed: the case reopens with a fresh SLA and followers are told."""
    report = _lock_report(report)
    if not can_reopen(report):
        raise ValidationError({"reason": f"Reports can only be reopened within {REOPEN_DAYS} days of being closed: "
                                         "report the problem again"})
    case = casework.case_reopen_by_customer(case=report.case, reason=reason, expected_version=report.case.version,
                                            by=by)
    report.public_status = RS.IN_PROGRESS if case.status == Status.IN_PROGRESS else RS.ACCEPTED
    report.status_changed_at, report.closed_at, report.case = timezone.now(), None, case
    report.save(update_fields=["public_status", "status_changed_at", "closed_at"])
    _notify_status(report, message="The reporter told us the problem is still there, so the report is open again.",
                   event_key=f"v{case.version}:reopened", by=by)
    audit_record(by=by, action="update", target=report, summary="Report reopened by the reporter")
    return report


@transaction.atomic
def report_feedback(*, report: StreetReport, rating: object, text: str, by: Any) -> StreetReport:
    """The reporter's rating (1 very dissatisfied … 5 very satisfied) of a closed report, once."""
    report = _lock_report(report)
    if not getattr(by, "is_authenticated", False) or report.case.customer.user_id != by.pk:
        raise PermissionDenied("Only the person who made the report can give feedback on it")
    if report.public_status in OPEN_REPORT_STATUSES:
        raise ValidationError({"rating": "You can give feedback once the report is closed"})
    if report.feedback_at is not None:
        raise ValidationError({"rating": "You have already given feedback on this report"})
    try:
        rating = int(rating)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": "Select how satisfied you are"})
    text = (text or "").strip()
    if len(text) > 2000:
        raise ValidationError({"text": "Your comments must be 2,000 characters or fewer"})
    report.feedback_rating, report.feedback_text, report.feedback_at = rating, text, timezone.now()
    report.save(update_fields=["feedback_rating", "feedback_text", "feedback_at"])
    audit_record(by=by, action="update", target=report, summary="Feedback given", rating=rating)
    return report
