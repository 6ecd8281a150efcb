"""Partners propose events; a council moderator approves them before anyone can see or book them.

A partner's event is created PENDING (not listed, not bookable); a moderator approves (SCHEDULED) or
rejects it with a reason, by a conditional UPDATE so two moderators deciding at once decide once, and the
partner is told through the outbox. Moderators' own events go straight out. A weekly event makes one
occurrence a week (a shared series id), each moderated with the first.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.core.formats import govuk_datetime
from oxtom.core.links import absolute_reverse
from oxtom.notify.services import staff_alert_queue

from ..models import Event, Location, Service
from ..text import clean_text
from .directory import can_moderate
from .moderation import may_edit

MAX_CAPACITY = 500
MAX_PRICE_PENCE = 100_00
MAX_WEEKS = 12


def event_locations(service: Service) -> list[Location]:
    """Where the service's events may be held: the places it is delivered."""
    return [sal.location for sal in service.at_locations.select_related("location").order_by("location__name")]


def event_check(*, service: Service, data: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """Every rule an event is held to, all at once: the checked values, or a ValidationError naming each
    field at fault. Saves nothing, so a view can run it on a form that failed its own checks too and show
    every error on the first submit (the form's own errors stay where they are)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def check(field, fn):
        try:
            return fn()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    title = check("title", lambda: clean_text(data.get("title"), label="Title", max_length=200, required=True,
                                              required_message="Enter the event's title"))
    description = check("description", lambda: clean_text(data.get("description"), label="Description",
                                                          max_length=4000, multiline=True))
    places = {loc.pk: loc for loc in event_locations(service)}
    location = places.get(data.get("location"))
    if location is None:
        errors["location"] = ["Choose where it is held"]
    day, starts_t, ends_t = data.get("date"), data.get("starts"), data.get("ends")
    starts = None
    if day is None:
        errors.setdefault("date", ["Enter the date of the event"])
    if starts_t is None:
        errors.setdefault("starts", ["Enter the start time, like 10:30"])
    if ends_t is None:
        errors.setdefault("ends", ["Enter the end time, like 12:00"])
    if starts_t and ends_t and ends_t <= starts_t:  # known without a date, so said even when the date is wrong
        errors["ends"] = ["The end time must be after the start time"]
    if day and starts_t and ends_t:
        tz = timezone.get_current_timezone()
        starts = dt.datetime.combine(day, starts_t, tzinfo=tz)
        if starts <= now + dt.timedelta(hours=1):
            errors["date"] = ["The event must start in the future"]
        if starts > now + dt.timedelta(days=366):
            errors["date"] = ["The event must be within the next year"]
    capacity = data.get("capacity")
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [f"Enter how many places, from 1 to {MAX_CAPACITY}"]
    price = data.get("price_pence") or 0
    if not isinstance(price, int) or not 0 <= price <= MAX_PRICE_PENCE:
        errors["price"] = ["Enter a price from £0 to £100"]
    cutoff = data.get("cutoff_hours", 24)
    if not isinstance(cutoff, int) or not 0 <= cutoff <= 168:
        errors["cutoff_hours"] = ["Enter how many hours before it booking closes, from 0 to 168"]
    weeks = data.get("weeks") or 1
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        errors["weeks"] = [f"Enter how many weeks it runs, from 1 to {MAX_WEEKS}"]
    if errors:
        raise ValidationError(errors)
    return {"title": title, "description": description, "location": location, "day": day, "starts_t": starts_t,
            "ends_t": ends_t, "starts": starts, "capacity": capacity, "price": price, "cutoff": cutoff,
            "weeks": weeks}


@transaction.atomic
def event_propose(*, service: Service, data: dict[str, Any], submission_key: str, by: Any,
                  now: dt.datetime | None = None) -> list[Event]:
    """Create the event (and its weekly repeats): pending for a partner, live for a moderator.

    `data`: title, description, location (pk), date, starts (time), ends (time), capacity, price_pence,
    cutoff_hours, weeks. The same submission key again returns the first events; ValidationError
    names the field at fault and saves nothing.
    """
    now = now or timezone.now()
    if not may_edit(by, service.organisation):
        raise PermissionDenied
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    first = Event.objects.filter(submission_key=submission_key).first()
    if first is not None:
        if first.service_id != service.pk:
            raise PermissionDenied
        return list(Event.objects.filter(series=first.series)) if first.series else [first]
    checked = event_check(service=service, data=data, now=now)
    title, description, location = checked["title"], checked["description"], checked["location"]
    day, starts_t, ends_t, starts = checked["day"], checked["starts_t"], checked["ends_t"], checked["starts"]
    capacity, price, cutoff, weeks = checked["capacity"], checked["price"], checked["cutoff"], checked["weeks"]
    direct = can_moderate(by)
    status = Event.Status.SCHEDULED if direct else Event.Status.PENDING
    series = uuid.uuid4() if weeks > 1 else None
    made = []
    for week in range(weeks):
        shift = dt.timedelta(weeks=week)
        # Wall-clock times stay put across a clock change: add the weeks to the local date.
        s = dt.datetime.combine(day + shift, starts_t, tzinfo=starts.tzinfo)
        e = dt.datetime.combine(day + shift, ends_t, tzinfo=starts.tzinfo)
        made.append(Event.objects.create(
            service=service, location=location, title=title, description=description, starts_at=s, ends_at=e,
            capacity=capacity, price_pence=price, cutoff_hours=cutoff, status=status, series=series,
            submitted_by=by, submission_key=submission_key if week == 0 else None,
            moderated_by=by if direct else None, moderated_at=now if direct else None))
    audit_record(by=by, action="create", target=made[0],
                 summary=f"Event proposed: {title} ({weeks} week{'s' if weeks != 1 else ''})"
                 if not direct else f"Event added: {title}", organisation=service.organisation_id)
    return made


def pending_events(limit: int = 100) -> list[Event]:
    """First occurrences waiting for a moderator (a weekly series is decided as one)."""
    return list(Event.objects.filter(status=Event.Status.PENDING, submission_key__isnull=False)
                .select_related("service__organisation", "location", "submitted_by").order_by("created_at", "id")[:limit])


@transaction.atomic
def event_moderate(*, event: Event, approve: bool, reason: str = "", by: Any) -> int:
    """Approve (the event and its series go live) or reject with a reason; the partner is told. Returns how many."""
    if not can_moderate(by):
        raise PermissionDenied
    reason = clean_text(reason, label="Reason", max_length=500, required=not approve,
                        required_message="Enter why it is not approved, so the partner can put it right")
    rows = Event.objects.filter(series=event.series) if event.series else Event.objects.filter(pk=event.pk)
    now = timezone.now()
    moved = rows.filter(status=Event.Status.PENDING).update(
        status=Event.Status.SCHEDULED if approve else Event.Status.REJECTED, moderated_by=by, moderated_at=now,
        moderation_reason=reason)
    if not moved:
        raise ValidationError("This event has already been decided")
    event.refresh_from_db()
    audit_record(by=by, action="update", target=event, summary=("Approved" if approve else "Rejected")
                 + f" event {event.title} ({moved})")
    partner = event.submitted_by
    if partner is not None and partner.email:
        when = govuk_datetime(timezone.localtime(event.starts_at))
        staff_alert_queue(
            to=partner.email, key=f"community:event:{event.pk}:moderated",
            subject=("Approved: " if approve else "Not approved: ") + event.title[:180],
            message=(f"{event.title} on {when} is approved and open for booking." if approve else
                     f"{event.title} on {when} was not approved: {reason}")
            + f" See {absolute_reverse('community:partner')}")
    return moved
