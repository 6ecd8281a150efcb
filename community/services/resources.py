"""Book it: staff and room calendars. Which of a service's resources is free at a time; what an absence clashes with.

A resource is free for a slot when it is active, its working hours that weekday cover the whole slot, no absence
of it overlaps the slot (an absence runs from a date-time to a date-time: whole days or part of one), and none of its booked appointments overlaps the slot. Bookings made before the service had
resources (no resource) still take one of them each, so adding resources never overbooks a time.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import DateTimeField, Exists, Func, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence


UTC = dt.timezone.utc


@dataclass
class ResourceCalendar:
    """A service's resources over some days: hours, absences and bookings, read in four queries.

    Booked starts are kept in UTC, sorted: comparing datetimes that share a tzinfo skips the per-comparison UTC
    offset look-up that mixed time zones cost, and the resident's page asks this for every slot of 28 days."""

    minutes: int
    resources: list[AppointmentResource]
    tz: dt.tzinfo = field(default_factory=timezone.get_current_timezone)
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = field(default_factory=dict)
    absent: dict[int, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)  # UTC, end excluded
    booked: dict[int, list[dt.datetime]] = field(default_factory=dict)
    unassigned: list[dt.datetime] = field(default_factory=list)
    per_day: dict[tuple[int, dt.date], int] = field(default_factory=dict)

    def _overlaps(self, starts: list[dt.datetime], at: dt.datetime) -> int:
        """How many of these (sorted, UTC) starts overlap the slot starting at `at` (UTC)."""
        span = dt.timedelta(minutes=self.minutes)
        return bisect.bisect_left(starts, at + span) - bisect.bisect_right(starts, at - span)

    def _free(self, starts_at: dt.datetime) -> Iterator[AppointmentResource]:
        """The resources working then, not absent over any of the slot and not booked over it, in name order."""
        local = starts_at.astimezone(self.tz)
        end = local + dt.timedelta(minutes=self.minutes)
        if end.date() != local.date():
            return
        weekday, begins, ends = local.weekday(), local.time(), end.time()
        at = starts_at.astimezone(UTC)
        until = at + dt.timedelta(minutes=self.minutes)
        for r in self.resources:
            if not any(a <= begins and ends <= b for a, b in self.hours.get(r.pk, {}).get(weekday, ())):
                continue
            if any(a < until and at < b for a, b in self.absent.get(r.pk, ())):
                continue
            starts = self.booked.get(r.pk)
            if starts and self._overlaps(starts, at):
                continue
            yield r

    def free_at(self, starts_at: dt.datetime) -> list[AppointmentResource]:
        """The resources free for the slot starting then, the least booked that day first (then by name)."""
        free = list(self._free(starts_at))
        if self._overlaps(self.unassigned, starts_at.astimezone(UTC)) >= len(free):
            return []
        day = starts_at.astimezone(self.tz).date()
        free.sort(key=lambda r: (self.per_day.get((r.pk, day), 0), r.name, r.pk))
        return free

    def is_free(self, starts_at: dt.datetime) -> bool:
        """Whether free_at would offer anyone. Stops as soon as the free resources outnumber the bookings made
        without one (from before the service had resources) over that slot: the listing needs no more."""
        taken = self._overlaps(self.unassigned, starts_at.astimezone(UTC))
        return any(n > taken for n, _ in enumerate(self._free(starts_at), 1))


def resource_calendar(service: AppointmentService, first: dt.date, last: dt.date) -> ResourceCalendar | None:
    """The calendar of a service's resources from `first` to `last` (local days), or None when it has none
    (its desks count, as before resources). A service whose resources are all switched off offers nothing."""
    tz = timezone.get_current_timezone()
    span = dt.timedelta(minutes=service.slot_minutes)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz) - span
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz) + span
    resources = list(AppointmentResource.objects.filter(service=service).prefetch_related(
        "hours", Prefetch("absences", queryset=ResourceAbsence.objects.filter(ends_at__gt=start, starts_at__lt=end))))
    if not resources:
        return None
    calendar = ResourceCalendar(minutes=service.slot_minutes, resources=[r for r in resources if r.is_active], tz=tz)
    for r in resources:
        for h in r.hours.all():
            calendar.hours.setdefault(r.pk, {}).setdefault(h.weekday, []).append((h.starts_at, h.ends_at))
        calendar.absent[r.pk] = [(a.starts_at.astimezone(UTC), a.ends_at.astimezone(UTC)) for a in r.absences.all()]
    # One pass over the bookings, with nothing per row but the two conversions: this is the part that grows.
    booked, per_day, unassigned = calendar.booked, calendar.per_day, calendar.unassigned
    for resource_id, starts in Appointment.objects.filter(
            service=service, status=Appointment.Status.BOOKED, starts_at__gt=start, starts_at__lt=end
    ).values_list("resource_id", "starts_at").order_by("starts_at"):
        starts = starts.astimezone(UTC)
        if resource_id is None:
            unassigned.append(starts)
        else:
            booked.setdefault(resource_id, []).append(starts)
            key = (resource_id, starts.astimezone(tz).date())
            per_day[key] = per_day.get(key, 0) + 1
    return calendar


def resource_is_free(resource: AppointmentResource, starts_at: dt.datetime, minutes: int) -> bool:
    """Re-checked under the resource's row lock: no booked appointment of it overlaps the slot (one query)."""
    span = dt.timedelta(minutes=minutes)
    return not Appointment.objects.filter(resource=resource, status=Appointment.Status.BOOKED,
                                          starts_at__gt=starts_at - span, starts_at__lt=starts_at + span).exists()


class PlusMinutes(Func):
    """A date-time plus a number of minutes from a column (an appointment's end: its start plus the service's slot
    length), on SQLite and PostgreSQL alike; Django's duration arithmetic cannot multiply a column into an
    interval on SQLite."""

    output_field = DateTimeField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):  # PostgreSQL
        at, at_params = compiler.compile(self.source_expressions[0])
        minutes, m_params = compiler.compile(self.source_expressions[1])
        return f"({at} + ({minutes}) * INTERVAL '1 minute')", (*at_params, *m_params)

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite date-times as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'; datetime() writes the same.
        at, at_params = compiler.compile(self.source_expressions[0])
        minutes, m_params = compiler.compile(self.source_expressions[1])
        return f"datetime({at}, '+' || ({minutes}) || ' minutes')", (*at_params, *m_params)


def appointments_to_move(services: QuerySet, *, now: dt.datetime | None = None, user=None,
                         limit: int = 100) -> list[Appointment]:
    """Booked appointments, from now on, that an absence of their officer or room overlaps (whole day or part of
    one), or whose officer or room is switched off: each must be moved (or given to someone else) by staff;
    nothing is cancelled by itself. One query. `user`: theirs only."""
    now = now or timezone.now()
    rows = Appointment.objects.filter(service__in=services, status=Appointment.Status.BOOKED, starts_at__gte=now,
                                      resource__isnull=False).filter(Q(in_an_absence()) | Q(resource__is_active=False))
    if user is not None:
        rows = rows.filter(resource__user=user)
    return list(rows.select_related("service", "customer", "resource").order_by("starts_at", "id")[:limit])


def needs_new_resource(appointment: Appointment) -> bool:
    """Whether a booked appointment's officer or room is switched off or absent over any of it (one query at
    most)."""
    if appointment.resource_id is None or appointment.status != Appointment.Status.BOOKED:
        return False
    resource = appointment.resource
    ends = appointment.starts_at + dt.timedelta(minutes=appointment.service.slot_minutes)
    return not resource.is_active or resource.absences.filter(starts_at__lt=ends,
                                                              ends_at__gt=appointment.starts_at).exists()


def absence_bookings(absence: ResourceAbsence, *, now: dt.datetime | None = None
                     ) -> tuple[list[Appointment], list[Appointment]]:
    """The appointments an absence (saved or not yet) overlaps, soonest first, as (to move, affected).

    To move: still booked and not yet begun, so staff move them or give them to a free colleague. Affected: those
    that began before now (an absence recorded afterwards, like sickness yesterday), booked and never marked or
    marked "did not come": nothing can move them, so they are listed for the record, and a "did not come" in an
    absence does not count against the resident (community/measures.py). One query: a slot fits in one day, so
    the appointments starting up to a day before the absence are read and the overlap is checked on each with its
    service's slot length."""
    now = now or timezone.now()
    rows = Appointment.objects.filter(
        resource_id=absence.resource_id, status__in=[Appointment.Status.BOOKED, Appointment.Status.NO_SHOW],
        starts_at__gt=absence.starts_at - dt.timedelta(days=1), starts_at__lt=absence.ends_at,
    ).select_related("service", "customer").order_by("starts_at", "id")
    inside = [a for a in rows if a.starts_at + dt.timedelta(minutes=a.service.slot_minutes) > absence.starts_at]
    return ([a for a in inside if a.starts_at >= now and a.status == Appointment.Status.BOOKED],
            [a for a in inside if a.starts_at < now])


def absence_clashes(absence: ResourceAbsence, *, now: dt.datetime | None = None) -> list[Appointment]:
    """The booked appointments still to come that an absence overlaps: the ones to move (absence_bookings)."""
    return absence_bookings(absence, now=now)[0]


def in_an_absence() -> Exists:
    """For a query of appointments: whether an absence of its officer or room overlaps it."""
    return Exists(ResourceAbsence.objects.filter(
        resource=OuterRef("resource"), ends_at__gt=OuterRef("starts_at"),
        starts_at__lt=PlusMinutes(OuterRef("starts_at"), OuterRef("service__slot_minutes"))))
