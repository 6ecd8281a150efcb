"""Book it: council appointments (slots from configured hours, bank holidays closed), book, move, cancel, attend.

A slot is a (service, start, desk); the partial unique index appointment_slot_once lets one booking hold it,
so two people choosing the same slot at once get one booking and one clear "just taken" answer. A service with
resources (officers, rooms) gives each booking a free one instead, under the resource's row lock and the unique
index appointment_resource_once on (resource, start): the last free officer is booked once.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from oxtom.accounts.selectors import team_addresses
from oxtom.core.audit import audit_record
from oxtom.core.calendar import is_working_day
from oxtom.core.formats import govuk_datetime
from oxtom.core.links import absolute_reverse
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record
from oxtom.notify.services import staff_alert_queue

from .. import messages
from ..messages import community_notify
from ..models import Appointment, AppointmentFeedback, AppointmentResource, AppointmentService
from ..text import clean_text
from .resources import needs_new_resource, resource_calendar, resource_is_free

_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"


def slots(service: AppointmentService, *, now: dt.datetime | None = None, limit_days: int | None = None) -> list[dt.datetime]:
    """Free slot starts (aware, local time), soonest first: working days only, after the cut-off.

    With resources, a time is free when one of them is (community/services/resources.py; four queries),
    otherwise while fewer than `desks` are booked then (two: the first finds it has no resources)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    earliest = now + dt.timedelta(hours=service.cutoff_hours)
    days = limit_days or service.days_ahead
    today = timezone.localdate(now)
    end = today + dt.timedelta(days=days)
    calendar = resource_calendar(service, today, end)
    # Without resources, only the times whose every desk is booked matter: counted by the database, so the
    # rows read are at most the slots, however many bookings there are.
    full = set() if calendar is not None else set(
        Appointment.objects.filter(service=service, status=Appointment.Status.BOOKED, starts_at__gte=now,
                                   starts_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min,
                                                                     tzinfo=tz))
        .values("starts_at").annotate(n=Count("id")).filter(n__gte=service.desks).order_by()
        .values_list("starts_at", flat=True))
    out = []
    day = today
    while day <= end:
        if is_working_day(day):
            t = dt.datetime.combine(day, service.opens_at, tzinfo=tz)
            close = dt.datetime.combine(day, service.closes_at, tzinfo=tz)
            while t + dt.timedelta(minutes=service.slot_minutes) <= close:
                if t >= earliest and (calendar.is_free(t) if calendar is not None else t not in full):
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


def _tell(appointment: Appointment, what: str, code: str, by: Any, **context: str) -> None:
    """The resident is told (community/messages.py: one template per message, on every channel)."""
    community_notify(customer=appointment.customer, code=code, by=by,
                     context={"name": appointment.customer.display_name, "service": appointment.service.name[:200],
                              "reference": appointment.reference, **context},
                     idempotency_key=f"community:appointment:{appointment.pk}:{what}")


def _tell_staff(appointment: Appointment, what: str, subject: str, message: str, *, also: str = "") -> None:
    """The team that runs the service (and `also`, the officer who offered the times): reference and link only."""
    link = absolute_reverse("community_staff:appointments") + f"?day={timezone.localdate(appointment.starts_at)}"
    for to in dict.fromkeys([*team_addresses(appointment.service.team), *([also] if also else [])]):
        staff_alert_queue(to=to, key=f"community:appointment:{appointment.pk}:{what}:{to}"[:200],
                          subject=subject[:200], message=f"{message} See {link}")


def when_words(starts: dt.datetime) -> str:
    return govuk_datetime(timezone.localtime(starts))


def _where(appointment: Appointment) -> str:
    """Where, as the messages say it after the time: "at Cowley Library" or "by phone: we will call you"."""
    service = appointment.service
    return f"at {service.location.name}" if service.location_id else "by phone: we will call you"


def _account_url(appointment: Appointment) -> str:
    return absolute_reverse("community_account:appointment", appointment.reference)


def appointment_book(*, service: AppointmentService, customer: Customer, starts_at: dt.datetime, submission_key: str,
                     by: Any, notes: str = "", channel: str = "web", on_behalf_of: bool = False,
                     case_reference: str = "", now: dt.datetime | None = None, tell: bool = True) -> Appointment:
    """Book a slot. The same submission key again returns the first booking.

    `tell=False` leaves the messages to the caller (a move says "moved", not "booked")."""
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
    calendar = resource_calendar(service, timezone.localdate(starts_at), timezone.localdate(starts_at))
    if calendar is None:
        tries: list[tuple[int, AppointmentResource | None]] = [(desk, None) for desk in range(1, service.desks + 1)]
    else:
        tries = [(1, resource) for resource in calendar.free_at(starts_at)]
    for desk, resource in tries:
        try:
            with transaction.atomic():
                if resource is not None:
                    # One booking at a time per officer or room: the second waits here, then sees the first's.
                    AppointmentResource.objects.select_for_update().filter(pk=resource.pk).first()
                    if not resource_is_free(resource, starts_at, service.slot_minutes):
                        continue
                appointment = Appointment.objects.create(
                    reference="AT" + "".join(secrets.choice(_ALPHABET) for _ in range(8)), service=service,
                    customer=customer, starts_at=starts_at, desk=desk, notes=notes, submission_key=submission_key,
                    on_behalf_of=on_behalf_of, booked_by=by if getattr(by, "is_authenticated", False) else None,
                    case_reference=case_reference[:20], created_at=now, resource=resource)
                audit_record(by=by, action="create", target=appointment, summary=f"Appointment {appointment.reference}",
                             on_behalf_of=on_behalf_of)
                when = govuk_datetime(timezone.localtime(starts_at))
                interaction_record(customer=customer, kind="community.appointment",
                                   summary=f"{service.name} booked for {when}", channel=channel,
                                   direction=Interaction.Direction.INBOUND, by=by, on_behalf_of=on_behalf_of,
                                   subject=appointment, subject_reference=appointment.reference)
                if tell:
                    _tell(appointment, "booked", messages.APPOINTMENT_BOOKED, by=by, when=when,
                          where=_where(appointment), account_url=_account_url(appointment))
                    _tell_staff(appointment, "booked", f"Appointment booked: {appointment.reference}",
                                f"{service.name} {appointment.reference} is booked for {when}.")
                return appointment
        except IntegrityError:
            again = Appointment.objects.filter(submission_key=submission_key).first()
            if again is not None:
                return again
            continue  # that desk or resource was taken at the same moment: try the next
    raise ValidationError("That time has just been taken: choose another")


def _check_change(appointment: Appointment, *, staff: bool, now: dt.datetime) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError("This appointment is not booked")
    if not staff and appointment.starts_at < now + dt.timedelta(hours=appointment.service.cutoff_hours):
        raise ValidationError(f"You can change or cancel up to {appointment.service.cutoff_hours} hours before. "
                              "Call us instead")


def appointment_can_change(appointment: Appointment, *, staff: bool = False, now: dt.datetime | None = None) -> bool:
    """Whether the move and cancel buttons are offered: the same rule the change itself is held to."""
    try:
        _check_change(appointment, staff=staff, now=now or timezone.now())
    except ValidationError:
        return False
    return True


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by: Any, now: dt.datetime | None = None,
                       staff: bool = False, reason: str = "", tell: bool = True, channel: str = "web",
                       on_behalf_of: bool = False) -> Appointment:
    """Cancel (the resident up to the cut-off, staff any time): the slot is free for anyone at once.

    The resident and the team are both told, through the outbox; a staff reason goes to the resident."""
    now = now or timezone.now()
    reason = clean_text(reason, label="Reason", max_length=300)
    _check_change(appointment, staff=staff, now=now)
    if not Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
            status=Appointment.Status.CANCELLED, cancelled_at=now, cancelled_by_staff=staff):
        raise ValidationError("This appointment is not booked")
    appointment.refresh_from_db()
    audit_record(by=by, action="update", target=appointment, summary=f"Cancelled {appointment.reference}",
                 staff=staff, on_behalf_of=on_behalf_of)
    if tell:
        service, when = appointment.service, when_words(appointment.starts_at)
        interaction_record(customer=appointment.customer, kind="community.appointment_cancelled",
                           summary=f"{service.name} on {when} cancelled" + (" by the council" if staff else ""),
                           channel=channel, direction=Interaction.Direction.OUTBOUND if staff
                           else Interaction.Direction.INBOUND, by=by, on_behalf_of=on_behalf_of,
                           subject=appointment, subject_reference=appointment.reference)
        book_again = absolute_reverse("community:appointment_new", service.code)
        if staff:
            _tell(appointment, "cancelled", messages.APPOINTMENT_CANCELLED_BY_COUNCIL, by=by, when=when,
                  reason=reason or "the time is no longer available", book_url=book_again)
        else:
            _tell(appointment, "cancelled", messages.APPOINTMENT_CANCELLED, by=by, when=when, book_url=book_again)
        _tell_staff(appointment, "cancelled", f"Appointment cancelled: {appointment.reference}",
                    f"{service.name} {appointment.reference} on {when} was cancelled by "
                    + ("staff." if staff else "the resident.") + " The time is free to book again.")
    return appointment


def appointment_move(*, appointment: Appointment, starts_at: dt.datetime, submission_key: str, by: Any,
                     channel: str = "web", on_behalf_of: bool = False, staff: bool = False,
                     now: dt.datetime | None = None) -> Appointment:
    """Move to another slot: the new one is booked first, so a failed move keeps the old appointment.

    Staff may "move" to the same time when its officer or room is away (needs_new_resource): another free one
    is given and the resident is told that only who sees them changed.

    The old slot is free again at once; the resident and the team are told once ("moved")."""
    now = now or timezone.now()
    existing = Appointment.objects.filter(submission_key=submission_key).first() if submission_key else None
    if existing is not None and existing.customer_id == appointment.customer_id:
        return existing  # the same form sent twice: the move already happened
    with transaction.atomic():
        old = Appointment.objects.select_for_update(of=("self",)).select_related(
            "service__location", "service__team", "resource", "customer").get(pk=appointment.pk)
        _check_change(old, staff=staff, now=now)
        same_time = starts_at == old.starts_at
        if same_time and not (staff and needs_new_resource(old)):
            # Staff may keep the time when the officer or room is away: it goes to another free one.
            raise ValidationError("Choose a different time from the one booked")
        new = appointment_book(service=old.service, customer=old.customer, starts_at=starts_at,
                               submission_key=submission_key, by=by, notes=old.notes, channel=channel,
                               on_behalf_of=on_behalf_of, case_reference=old.case_reference, now=now, tell=False)
        appointment_cancel(appointment=old, by=by, staff=True, tell=False, now=now)
        Appointment.objects.filter(pk=old.pk).update(moved_to=new, cancelled_by_staff=staff)
        Appointment.objects.filter(pk=new.pk).update(reminded_at=old.reminded_at if same_time else None)
        from ..models import AppointmentOffer

        AppointmentOffer.objects.filter(appointment=old).update(appointment=new)
        before, after = when_words(old.starts_at), when_words(new.starts_at)
        service = old.service
        audit_record(by=by, action="update", target=new, summary=f"Moved from {old.reference}", staff=staff,
                     on_behalf_of=on_behalf_of)
        if same_time:
            _tell(new, "moved", messages.APPOINTMENT_REASSIGNED, by=by, when=after)
            _tell_staff(new, "moved", f"Appointment given to {new.resource.name}: {new.reference}"[:200],
                        f"{service.name} {old.reference} on {after} is now with {new.resource.name} "
                        f"({new.reference}): {old.resource.name} is away.")
            return new
        _tell(new, "moved", messages.APPOINTMENT_MOVED_BY_COUNCIL if staff else messages.APPOINTMENT_MOVED, by=by,
              before=before, after=after, where=_where(new))
        _tell_staff(new, "moved", f"Appointment moved: {new.reference}",
                    f"{service.name} {old.reference} moved by " + ("staff" if staff else "the resident")
                    + f" from {before} to {after} (now {new.reference}). The old time is free to book again.")
    return new


FEEDBACK_TEMPLATE = messages.APPOINTMENT_FEEDBACK


@transaction.atomic
def appointment_mark(*, appointment: Appointment, attended: bool, by: Any) -> Appointment:
    """Staff mark who came. Marked attended, the resident is asked (once, through the outbox) how it went."""
    if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise ValidationError("A cancelled appointment cannot be marked")
    appointment.status = Appointment.Status.ATTENDED if attended else Appointment.Status.NO_SHOW
    appointment.save(update_fields=["status"])
    audit_record(by=by, action="update", target=appointment, summary=f"Marked {appointment.get_status_display()}")
    if attended and not AppointmentFeedback.objects.filter(appointment=appointment).exists():
        customer = appointment.customer
        # The key names the appointment: marked attended twice (or no-show then attended), asked once.
        community_notify(customer=customer, code=FEEDBACK_TEMPLATE, by=by,
                         context={"name": customer.display_name, "service": appointment.service.name[:200],
                                  "when": when_words(appointment.starts_at), "reference": appointment.reference,
                                  "feedback_url": _account_url(appointment) + "#feedback"},
                         idempotency_key=f"community:appointment:{appointment.pk}:feedback-ask")
    return appointment


def appointment_can_give_feedback(appointment: Appointment) -> bool:
    """Whether the feedback form is offered: attended, and none given yet."""
    return (appointment.status == Appointment.Status.ATTENDED
            and not AppointmentFeedback.objects.filter(appointment_id=appointment.pk).exists())


def appointment_feedback_give(*, appointment: Appointment, customer: Customer, rating: object, comment: str,
                              submission_key: str, by: Any) -> AppointmentFeedback:
    """The resident rates an appointment they attended (1 to 5) and may comment; one feedback an appointment.

    Only the resident who booked it (anyone else: PermissionDenied; the views 404 first). The same form sent
    twice (its submission key) returns the first record; a second, different feedback is refused. A
    ValidationError names the field at fault and saves nothing."""
    if appointment.customer_id != customer.pk:
        raise PermissionDenied
    if not submission_key or len(submission_key) > 64:
        raise ValidationError("Something went wrong with the form: go back and try again")
    existing = AppointmentFeedback.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        if existing.appointment_id != appointment.pk:
            raise PermissionDenied
        return existing
    if appointment.status != Appointment.Status.ATTENDED:
        raise ValidationError({"rating": "You can give feedback once you have been to the appointment"})
    errors: dict[str, list[str]] = {}
    try:
        value = int(str(rating).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        errors["rating"] = ["Select how you rate it, from 1 to 5"]
    try:
        comment = clean_text(comment, label="Comment", max_length=2000, multiline=True)
    except ValidationError as exc:
        errors["comment"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            feedback = AppointmentFeedback.objects.create(appointment=appointment, rating=value, comment=comment,
                                                          submission_key=submission_key)
            audit_record(by=by, action="create", target=feedback,
                         summary=f"Feedback on appointment {appointment.reference}")
            interaction_record(customer=customer, kind="community.appointment_feedback",
                               summary=f"Rated {appointment.service.name} {value} out of 5"[:500], channel="web",
                               direction=Interaction.Direction.INBOUND, by=by, subject=appointment,
                               subject_reference=appointment.reference)
    except IntegrityError:
        # The twin of a double-submitted form won the race, or feedback was already given.
        again = AppointmentFeedback.objects.filter(submission_key=submission_key).first()
        if again is not None:
            return again
        raise ValidationError({"rating": "You have already given feedback on this appointment"}) from None
    return feedback


def appointment_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The reminder before each booked appointment, `reminder_hours` ahead as each service is configured.

    Once only: each appointment is claimed by a conditional UPDATE of `reminded_at`, and the outbox key names
    it, so a second run (or two workers at once) sends nothing more. A moved appointment is a new row and gets
    its own reminder. One query per configured service, whatever the number of appointments.
    """
    now = now or timezone.now()
    sent = 0
    for service in AppointmentService.objects.filter(reminder_hours__gt=0).select_related("location", "team"):
        due = Appointment.objects.filter(service=service, status=Appointment.Status.BOOKED, reminded_at__isnull=True,
                                         starts_at__gt=now,
                                         starts_at__lte=now + dt.timedelta(hours=service.reminder_hours)) \
            .select_related("customer").order_by("starts_at", "id")[:1000]
        for appointment in due:
            with transaction.atomic():
                if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True,
                                                  status=Appointment.Status.BOOKED).update(reminded_at=now):
                    continue
                appointment.service = service
                _tell(appointment, "reminder", messages.APPOINTMENT_REMINDER, by=None,
                      when=when_words(appointment.starts_at), where=_where(appointment),
                      account_url=_account_url(appointment))
                sent += 1
    return sent


def appointment_ics(appointment: Appointment) -> bytes:
    """One appointment as an iCalendar file, in Europe/London time (community/calendars.py)."""
    from ..calendars import ics_for

    service = appointment.service
    where = (f"{service.location.name}, {service.location.address_1}, {service.location.city} "
             f"{service.location.postcode}") if service.location_id else "By phone: we will call you"
    return ics_for([dict(uid=f"{appointment.reference}@appointments.oxtom", summary=service.name,
                         starts=appointment.starts_at,
                         ends=appointment.starts_at + dt.timedelta(minutes=service.slot_minutes),
                         stamp=appointment.created_at, location=where,
                         description=f"Appointment {appointment.reference}. {service.description}")])
