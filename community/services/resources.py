"""Book it: staff and room calendars. Which of a service's resources is free at a time; what an absence clashes with.

A resource is free for a slot when it is active, its working hours that weekday cover the whole slot, it is not
absent that day, and none of its booked appointments overlaps the slot. Bookings made before the service had
resources (no resource) still take one of them each, so adding resources never overbooks a time.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
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
    absent: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    booked: dict[int, list[dt.datetime]] = field(default_factory=dict)
    unassigned: list[dt.datetime] = field(default_factory=list)
    per_day: dict[tuple[int, dt.date], int] = field(default_factory=dict)

    def _overlaps(self, starts: list[dt.datetime], at: dt.datetime) -> int:
        """How many of these (sorted, UTC) starts overlap the slot starting at `at` (UTC)."""
        span = dt.timedelta(minutes=self.minutes)
        return bisect.bisect_left(starts, at + span) - bisect.bisect_right(starts, at - span)

    def _free(self, starts_at: dt.datetime) -> Iterator[AppointmentResource]:
        """The resources working then, not absent that day and not booked over the slot, in name order."""
        local = starts_at.astimezone(self.tz)
        end = local + dt.timedelta(minutes=self.minutes)
        if end.date() != local.date():
            return
        day, weekday, begins, ends = local.date(), local.weekday(), local.time(), end.time()
        at = starts_at.astimezone(UTC)
        for r in self.resources:
            if not any(a <= begins and ends <= b for a, b in self.hours.get(r.pk, {}).get(weekday, ())):
                continue
            if any(a <= day <= b for a, b in self.absent.get(r.pk, ())):
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
    resources = list(AppointmentResource.objects.filter(service=service).prefetch_related(
        "hours", Prefetch("absences",
                          queryset=ResourceAbsence.objects.filter(ends_on__gte=first, starts_on__lte=last))))
    if not resources:
        return None
    calendar = ResourceCalendar(minutes=service.slot_minutes, resources=[r for r in resources if r.is_active], tz=tz)
    for r in resources:
        for h in r.hours.all():
            calendar.hours.setdefault(r.pk, {}).setdefault(h.weekday, []).append((h.starts_at, h.ends_at))
        calendar.absent[r.pk] = [(a.starts_on, a.ends_on) for a in r.absences.all()]
    span = dt.timedelta(minutes=service.slot_minutes)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz) - span
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz) + span
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


def appointments_to_move(services: QuerySet, *, now: dt.datetime | None = None, user=None,
                         limit: int = 100) -> list[Appointment]:
    """Booked appointments, from now on, whose officer or room is absent that day or switched off: each must be
    moved (or given to someone else) by staff; nothing is cancelled by itself. One query. `user`: theirs only."""
    now = now or timezone.now()
    absent = ResourceAbsence.objects.filter(resource=OuterRef("resource"), starts_on__lte=OuterRef("starts_at__date"),
                                            ends_on__gte=OuterRef("starts_at__date"))
    rows = Appointment.objects.filter(service__in=services, status=Appointment.Status.BOOKED, starts_at__gte=now,
                                      resource__isnull=False).filter(Q(Exists(absent)) | Q(resource__is_active=False))
    if user is not None:
        rows = rows.filter(resource__user=user)
    return list(rows.select_related("service", "customer", "resource").order_by("starts_at", "id")[:limit])


def needs_new_resource(appointment: Appointment) -> bool:
    """Whether a booked appointment's officer or room is switched off or absent on its day (one query at most)."""
    if appointment.resource_id is None or appointment.status != Appointment.Status.BOOKED:
        return False
    resource = appointment.resource
    day = timezone.localdate(appointment.starts_at)
    return not resource.is_active or resource.absences.filter(starts_on__lte=day, ends_on__gte=day).exists()


def absence_clashes(absence: ResourceAbsence) -> list[Appointment]:
    """The booked appointments an absence falls on (for the administrator who adds it). One query."""
    tz = timezone.get_current_timezone()
    return list(Appointment.objects.filter(
        resource_id=absence.resource_id, status=Appointment.Status.BOOKED,
        starts_at__gte=dt.datetime.combine(absence.starts_on, dt.time.min, tzinfo=tz),
        starts_at__lt=dt.datetime.combine(absence.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        .order_by("starts_at", "id"))
