"""Book it: council appointments (slots from configured hours, bank holidays closed), book, move, cancel, attend.

A slot is a (service, start, desk); the partial unique index appointment_slot_once lets one booking hold it,
so two people choosing the same slot at once get one booking and one clear "just taken" answer.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.core.calendar import is_working_day
from oxtom.core.formats import govuk_datetime
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record
from oxtom.notify.services import notification_queue

from ..models import Appointment, AppointmentService
from ..text import clean_text

_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"


def slots(service: AppointmentService, *, now: dt.datetime | None = None, limit_days: int | None = None) -> list[dt.datetime]:
    """Free slot starts (aware, local time), soonest first: working days only, after the cut-off (two queries)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    earliest = now + dt.timedelta(hours=service.cutoff_hours)
    days = limit_days or service.days_ahead
    today = timezone.localdate(now)
    end = today + dt.timedelta(days=days)
    taken: dict[dt.datetime, int] = {}
    for starts in Appointment.objects.filter(service=service, status=Appointment.Status.BOOKED,
                                             starts_at__gte=now, starts_at__lt=dt.datetime.combine(
                                                 end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                                             ).values_list("starts_at", flat=True):
        taken[starts] = taken.get(starts, 0) + 1
    out = []
    day = today
    while day <= end:
        if is_working_day(day):
            t = dt.datetime.combine(day, service.opens_at, tzinfo=tz)
            close = dt.datetime.combine(day, service.closes_at, tzinfo=tz)
            while t + dt.timedelta(minutes=service.slot_minutes) <= close:
                if t >= earliest and taken.get(t, 0) < service.desks:
                    out.append(t)
                t += dt.timedelta(minutes=service.slot_minutes)
        day += dt.timedelta(days=1)
    return out


def _is_slot(service: AppointmentService, starts: dt.datetime) -> bool:
    local = timezone.localtime(starts)
    if not is_working_day(local.date()):
        return False
    first = dt.datetime.combine(local.date(), service.opens_at, tzinfo=local.tzinfo)
    minutes = (local - first).total_seconds() / 60
    return (minutes >= 0 and minutes % service.slot_minutes == 0
            and local + dt.timedelta(minutes=service.slot_minutes)
            <= dt.datetime.combine(local.date(), service.closes_at, tzinfo=local.tzinfo))


def _tell(appointment: Appointment, what: str, subject: str, message: str, by: Any) -> None:
    notification_queue(customer=appointment.customer, template="generic-update", by=by,
                       context={"name": appointment.customer.display_name, "subject": subject[:200],
                                "message": message, "reference": appointment.reference},
                       idempotency_key=f"community:appointment:{appointment.pk}:{what}")


def appointment_book(*, service: AppointmentService, customer: Customer, starts_at: dt.datetime, submission_key: str,
                     by: Any, notes: str = "", channel: str = "web", on_behalf_of: bool = False,
                     case_reference: str = "", now: dt.datetime | None = None) -> Appointment:
    """Book a slot. The same submission key again returns the first booking."""
    now = now or timezone.now()
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    existing = Appointment.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise PermissionDenied
        return existing
    notes = clean_text(notes, label="Notes", max_length=500, multiline=True)
    if not service.is_active:
        raise ValidationError("This appointment service is not taking bookings")
    if not _is_slot(service, starts_at) or starts_at < now + dt.timedelta(hours=service.cutoff_hours) \
            or starts_at > now + dt.timedelta(days=service.days_ahead + 1):
        raise ValidationError("Choose one of the times shown")
    for desk in range(1, service.desks + 1):
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    reference="AT" + "".join(secrets.choice(_ALPHABET) for _ in range(8)), service=service,
                    customer=customer, starts_at=starts_at, desk=desk, notes=notes, submission_key=submission_key,
                    on_behalf_of=on_behalf_of, booked_by=by if getattr(by, "is_authenticated", False) else None,
                    case_reference=case_reference[:20], created_at=now)
                audit_record(by=by, action="create", target=appointment, summary=f"Appointment {appointment.reference}",
                             on_behalf_of=on_behalf_of)
                when = govuk_datetime(timezone.localtime(starts_at))
                interaction_record(customer=customer, kind="community.appointment",
                                   summary=f"{service.name} booked for {when}", channel=channel,
                                   direction=Interaction.Direction.INBOUND, by=by, on_behalf_of=on_behalf_of,
                                   subject=appointment, subject_reference=appointment.reference)
                _tell(appointment, "booked", f"Booked: {service.name}", by=by,
                      message=f"{service.name} is booked for {when}"
                              + (f" at {service.location.name}." if service.location_id else ". We will call you."))
                return appointment
        except IntegrityError:
            again = Appointment.objects.filter(submission_key=submission_key).first()
            if again is not None:
                return again
            continue  # that desk was taken at the same moment: try the next
    raise ValidationError("That time has just been taken: choose another")


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: Any, now: dt.datetime | None = None,
                       staff: bool = False) -> Appointment:
    now = now or timezone.now()
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError("This appointment is not booked")
    if not staff and appointment.starts_at < now + dt.timedelta(hours=appointment.service.cutoff_hours):
        raise ValidationError(f"You can change or cancel up to {appointment.service.cutoff_hours} hours before. "
                              "Call us instead")
    if not Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
            status=Appointment.Status.CANCELLED, cancelled_at=now):
        raise ValidationError("This appointment is not booked")
    appointment.refresh_from_db()
    audit_record(by=by, action="update", target=appointment, summary=f"Cancelled {appointment.reference}")
    return appointment


def appointment_move(*, appointment: Appointment, starts_at: dt.datetime, submission_key: str, by: Any,
                     channel: str = "web", on_behalf_of: bool = False) -> Appointment:
    """Move to another slot: the new one is booked first, so a failed move keeps the old appointment."""
    with transaction.atomic():
        new = appointment_book(service=appointment.service, customer=appointment.customer, starts_at=starts_at,
                               submission_key=submission_key, by=by, notes=appointment.notes, channel=channel,
                               on_behalf_of=on_behalf_of, case_reference=appointment.case_reference)
        if new.pk != appointment.pk and appointment.status == Appointment.Status.BOOKED:
            appointment_cancel(appointment=appointment, by=by)
    return new


@transaction.atomic
def appointment_mark(*, appointment: Appointment, attended: bool, by: Any) -> Appointment:
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise ValidationError("A cancelled appointment cannot be marked")
    appointment.status = Appointment.Status.ATTENDED if attended else Appointment.Status.NO_SHOW
    appointment.save(update_fields=["status"])
    audit_record(by=by, action="update", target=appointment, summary=f"Marked {appointment.get_status_display()}")
    return appointment
