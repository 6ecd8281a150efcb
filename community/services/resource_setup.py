"""Book it: a team leader (or the administrator who configures services) keeps a service's officers and rooms.

Add a resource (a member of the service's team, or a room or booth), rename it, retire it (no new bookings; the
booked ones stay and are listed for moving) or bring it back, set its working week, and add or remove absences
(whole days or part of a day). Every change is audited. A ValidationError names the field at fault
(the keys are the forms' field names) and saves nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.accounts.models import TeamMembership
from oxtom.core.audit import audit_record

from ..models import AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from ..resource_rules import SPANS_A_DAY, absence_errors, week_errors
from ..text import clean_text
from .resources import absence_bookings

NAME_MAX = 120
_TIME = re.compile(r"^(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?$")  # 9, 9:30, 09.30, 17:00


def team_members_to_add(service: AppointmentService) -> list[TeamMembership]:
    """The active members of the service's team who are not yet one of its officers, by name (one query)."""
    if service.team_id is None:
        return []
    taken = AppointmentResource.objects.filter(service=service, user__isnull=False).values("user_id")
    return list(TeamMembership.objects.filter(team_id=service.team_id, user__is_active=True)
                .exclude(user_id__in=taken).select_related("user").order_by("user__full_name", "user__email"))


def _name(value: object, service: AppointmentService, *, exclude: int | None = None) -> str:
    name = clean_text(value, label="Name", max_length=NAME_MAX, required=True,
                      required_message="Enter the name staff see on the day's list")
    same = AppointmentResource.objects.filter(service=service, name__iexact=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError("This service already has an officer or room with that name", code="duplicate")
    return name


@transaction.atomic
def resource_add(*, service: AppointmentService, kind: str, by: Any, name: object = "",
                 user_id: object = None) -> AppointmentResource:
    """A new officer (a member of the service's team, named as their account unless a name is given) or room.
    It has no hours yet, so it offers no times until its week is set."""
    errors: dict[str, list[str]] = {}
    user = None
    if kind not in AppointmentResource.Kind.values:
        raise ValidationError({"kind": "Choose an officer or a room"})
    if kind == AppointmentResource.Kind.OFFICER:
        members = {str(m.user_id): m.user for m in team_members_to_add(service)}
        user = members.get(str(user_id or ""))
        if user is None:
            errors["user"] = ["Choose a member of the team who is not already one of this service's officers"]
        if not str(name or "").strip() and user is not None:
            name = str(user)
    try:
        name = _name(name, service)
    except ValidationError as exc:
        errors["name"] = exc.messages
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            resource = AppointmentResource.objects.create(service=service, kind=kind, name=name, user=user)
    except IntegrityError:  # the same person or name added at the same moment
        raise ValidationError({"name": "This service already has that officer or room"}) from None
    audit_record(by=by, action="create", target=resource, summary=f"Added {resource.get_kind_display().lower()} "
                 f"{name} to {service.name}"[:500], staff=True)
    return resource


@transaction.atomic
def resource_rename(*, resource: AppointmentResource, name: object, by: Any) -> AppointmentResource:
    before = resource.name
    try:
        name = _name(name, resource.service, exclude=resource.pk)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from None
    if name != before:
        resource.name = name
        resource.save(update_fields=["name"])
        audit_record(by=by, action="update", target=resource, summary=f"Renamed {before} to {name}"[:500], staff=True)
    return resource


@transaction.atomic
def resource_set_active(*, resource: AppointmentResource, active: bool, by: Any) -> AppointmentResource:
    """Retire (no new bookings; its booked appointments stay and the day page lists them for moving) or bring
    back."""
    if resource.is_active != active:
        AppointmentResource.objects.filter(pk=resource.pk).update(is_active=active)
        resource.is_active = active
        audit_record(by=by, action="update", target=resource,
                     summary=("Brought back " if active else "Retired ") + resource.name, staff=True)
    return resource


def _time(value: object) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    found = _TIME.match(text)
    try:
        if found is None:
            raise ValueError(text)
        return dt.time(int(found["h"]), int(found["m"] or 0))
    except ValueError:
        raise ValidationError("Enter a time like 09:30") from None


@transaction.atomic
def resource_hours_set(*, resource: AppointmentResource, spans: dict[str, tuple[object, object]],
                       by: Any) -> list[ResourceHours]:
    """Replace the resource's working week. `spans` maps "d{weekday}s{n}" (n 0 or 1: up to two spans a day) to
    (start, end) as times or text; both empty is no span. The rules are community.resource_rules' (the Django
    admin applies the same): each span ends after it starts, between 07:00 and 22:00, and a day's two do not
    overlap. Errors are keyed "d{weekday}s{n}"; nothing is saved then."""
    errors: dict[str, list[str]] = {}
    read: list[tuple[int, dt.time, dt.time, str]] = []
    for weekday, day_name in ResourceHours.Weekday.choices:
        for n in range(SPANS_A_DAY):
            key = f"d{weekday}s{n}"
            raw = spans.get(key, ("", ""))
            try:
                a, b = _time(raw[0]), _time(raw[1])
            except ValidationError as exc:
                errors[key] = [f"{day_name}: {exc.messages[0][0].lower()}{exc.messages[0][1:]}"]
                continue
            if a is None and b is None:
                continue
            if a is None or b is None:
                errors[key] = [f"{day_name}: enter both the start and the end, or neither"]
            else:
                read.append((weekday, a, b, key))
    for key, messages in week_errors(read).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    rows = [ResourceHours(resource=resource, weekday=weekday, starts_at=a, ends_at=b)
            for weekday, a, b, _ in sorted(read)]
    ResourceHours.objects.filter(resource=resource).delete()
    ResourceHours.objects.bulk_create(rows)
    audit_record(by=by, action="update", target=resource, staff=True,
                 summary=f"Set the working week of {resource.name}: "
                         + (", ".join(str(r) for r in rows) or "no hours")[:400])
    return rows


# The rules name the model's fields; the absence page's boxes are the day it starts and the day it ends.
_ABSENCE_FIELDS = {"starts_at": "starts_on", "ends_at": "ends_on"}


def absence_check(*, resource: AppointmentResource, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                  reason: object, now: dt.datetime | None = None) -> ResourceAbsence:
    """The absence as it would be saved (unsaved), or a ValidationError keyed by the form's fields. It may be
    in the past (sickness yesterday, recorded today) up to resource_rules.PAST_DAYS back."""
    errors: dict[str, list[str]] = {}
    if str(reason or "") not in ResourceAbsence.Reason.values:
        errors["reason"] = ["Choose why they are away"]
    if starts_at is None:
        errors["starts_on"] = ["Enter when the absence starts"]
    if ends_at is None:
        errors.setdefault("ends_on", ["Enter when the absence ends"])
    if starts_at is not None and ends_at is not None:
        for key, messages in absence_errors(starts_at, ends_at, now=now or timezone.now()).items():
            errors[_ABSENCE_FIELDS[key]] = messages
    if errors:
        raise ValidationError(errors)
    return ResourceAbsence(resource=resource, starts_at=starts_at, ends_at=ends_at, reason=str(reason))


@transaction.atomic
def absence_add(*, resource: AppointmentResource, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                reason: object, by: Any) -> ResourceAbsence:
    """Save an absence (it may be in the past: resource_rules.PAST_DAYS). Bookings it overlaps are not cancelled:
    those to come stay booked and are listed (here, on the absence's page and on the staff day page) to be moved
    or given to a colleague; those already past are listed as affected (resources.absence_bookings)."""
    absence = absence_check(resource=resource, starts_at=starts_at, ends_at=ends_at, reason=reason)
    if ResourceAbsence.objects.filter(resource=resource, starts_at=absence.starts_at, ends_at=absence.ends_at).exists():
        raise ValidationError({"starts_on": "This absence is already recorded"}, code="duplicate")
    absence.save()
    to_move, affected = absence_bookings(absence)
    audit_record(by=by, action="create", target=absence, staff=True,
                 summary=(f"{resource.name} away: {absence}; {len(to_move)} booked appointment"
                          f"{'' if len(to_move) == 1 else 's'} to move"
                          + (f", {len(affected)} already past in it" if affected else ""))[:500])
    return absence


@transaction.atomic
def absence_remove(*, absence: ResourceAbsence, by: Any) -> None:
    audit_record(by=by, action="delete", target=absence, staff=True,
                 summary=f"Removed {absence.resource.name}'s absence: {absence}"[:500])
    absence.delete()
