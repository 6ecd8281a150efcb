"""Book it: staff and room calendars. Which of a service's resources is free at a time; what an absence clashes with.

A resource is free for a slot when it is active, its working hours that weekday cover the whole slot, it is not
absent that day, and none of its booked appointments overlaps the slot. Bookings made before the service had
resources (no resource) still take one of them each, so adding resources never overbooks a time.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ..models import Appointment, AppointmentResource, AppointmentService, ResourceAbsence


@dataclass
class ResourceCalendar:
    """A service's resources over some days: hours, absences and bookings, read in four queries."""

    minutes: int
    resources: list[AppointmentResource]
    hours: dict[int, dict[int, list[tuple[dt.time, dt.time]]]] = field(default_factory=dict)
    absent: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    booked: dict[int, list[dt.datetime]] = field(default_factory=dict)
    unassigned: list[dt.datetime] = field(default_factory=list)
    per_day: dict[tuple[int, dt.date], int] = field(default_factory=dict)

    def _works(self, resource: AppointmentResource, local: dt.datetime) -> bool:
        end = (local + dt.timedelta(minutes=self.minutes))
        if end.date() != local.date():
            return False
        return any(a <= local.time() and end.time() <= b
                   for a, b in self.hours.get(resource.pk, {}).get(local.weekday(), ()))

    def _away(self, resource: AppointmentResource, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.absent.get(resource.pk, ()))

    def _overlaps(self, starts: list[dt.datetime], t: dt.datetime) -> int:
        """How many of these (sorted) starts overlap the slot at t."""
        span = dt.timedelta(minutes=self.minutes)
        return bisect.bisect_left(starts, t + span) - bisect.bisect_right(starts, t - span)

    def free_at(self, starts_at: dt.datetime) -> list[AppointmentResource]:
        """The resources free for the slot starting then, the least booked that day first (then by name)."""
        local = timezone.localtime(starts_at)
        free = [r for r in self.resources if self._works(r, local) and not self._away(r, local.date())
                and not self._overlaps(self.booked.get(r.pk, []), starts_at)]
        taken_unassigned = self._overlaps(self.unassigned, starts_at)
        if taken_unassigned >= len(free):
            return []
        free.sort(key=lambda r: (self.per_day.get((r.pk, local.date()), 0), r.name, r.pk))
        return free


def resource_calendar(service: AppointmentService, first: dt.date, last: dt.date) -> ResourceCalendar | None:
    """The calendar of a service's resources from `first` to `last` (local days), or None when it has none
    (its desks count, as before resources). A service whose resources are all switched off offers nothing."""
    tz = timezone.get_current_timezone()
    resources = list(AppointmentResource.objects.filter(service=service).prefetch_related(
        "hours", Prefetch("absences",
                          queryset=ResourceAbsence.objects.filter(ends_on__gte=first, starts_on__lte=last))))
    if not resources:
        return None
    calendar = ResourceCalendar(minutes=service.slot_minutes, resources=[r for r in resources if r.is_active])
    for r in resources:
        for h in r.hours.all():
            calendar.hours.setdefault(r.pk, {}).setdefault(h.weekday, []).append((h.starts_at, h.ends_at))
        calendar.absent[r.pk] = [(a.starts_on, a.ends_on) for a in r.absences.all()]
    span = dt.timedelta(minutes=service.slot_minutes)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz) - span
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz) + span
    for resource_id, starts in Appointment.objects.filter(
            service=service, status=Appointment.Status.BOOKED, starts_at__gt=start, starts_at__lt=end
    ).values_list("resource_id", "starts_at").order_by("starts_at"):
        if resource_id is None:
            calendar.unassigned.append(starts)
        else:
            calendar.booked.setdefault(resource_id, []).append(starts)
            key = (resource_id, timezone.localdate(starts))
            calendar.per_day[key] = calendar.per_day.get(key, 0) + 1
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
