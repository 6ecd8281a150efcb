"""Directory writes: organisations, locations and services, and the fields a service's edit may change.

Moderators (COMMUNITY_MODERATE) change entries directly; partners propose
the same changes as a ChangeRequest (moderation.py). Both end in
`service_apply`, so a moderator's edit and an approved partner edit are the
same change, audited the same way, and both count as a confirmation.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import division_for_point, locate_postcode

from ..models import Location, Organisation, PartnerMembership, Schedule, Service, ServiceAtLocation, TaxonomyTerm
from ..text import clean_text

# The fields of a service an edit may change, in the order the moderator's diff shows them.
EDITABLE = ("name", "description", "status", "url", "email", "phone", "is_free", "fees", "minimum_age",
            "maximum_age", "accessibility", "terms", "locations", "opening")
LABELS = {
    "name": "Name", "description": "Description", "status": "Status", "url": "Website", "email": "Email",
    "phone": "Phone", "is_free": "Free", "fees": "Cost", "minimum_age": "Youngest age", "maximum_age": "Oldest age",
    "accessibility": "Accessibility", "terms": "Who it is for", "locations": "Where", "opening": "Opening times",
}
_OPENING = re.compile(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+(\d{1,2})[:.](\d{2})\s*(?:-|to|–)\s*(\d{1,2})[:.](\d{2})$",
                      re.IGNORECASE)
_DAY_INDEX = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def can_moderate(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_permission(Permission.COMMUNITY_MODERATE))


def parse_opening(text: str) -> list[tuple[int, dt.time, dt.time]]:
    """'Monday 10:00-12:00' lines to (weekday, opens, closes); ValidationError naming the first bad line."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        m = _OPENING.match(line)
        if not m:
            raise ValidationError(f"Opening times line {n}: write a day and times, like Monday 10:00-12:00")
        day = _DAY_INDEX[m.group(1).lower()]
        try:
            opens, closes = dt.time(int(m.group(2)), int(m.group(3))), dt.time(int(m.group(4)), int(m.group(5)))
        except ValueError:
            raise ValidationError(f"Opening times line {n}: times must be real times, like 09:30") from None
        if opens >= closes:
            raise ValidationError(f"Opening times line {n}: the closing time must be after the opening time")
        rows.append((day, opens, closes))
    if len(rows) > 21:
        raise ValidationError("Give at most 21 opening times")
    return sorted(set(rows))


def opening_text(rows) -> str:
    return "\n".join(f"{Schedule.DAY_NAMES[d]} {o:%H:%M}-{c:%H:%M}" for d, o, c in rows)


def snapshot(service: Service | None) -> dict[str, Any]:
    """A service's editable fields as JSON (what a change request stores as `before`)."""
    if service is None:
        return {}
    return {
        "name": service.name, "description": service.description, "status": service.status, "url": service.url,
        "email": service.email, "phone": service.phone, "is_free": service.is_free, "fees": service.fees,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "accessibility": service.accessibility,
        "terms": sorted(t.code for t in service.terms.all()),
        "locations": sorted(str(sal.location.uuid) for sal in service.at_locations.select_related("location")),
        "opening": opening_text((s.weekday, s.opens_at, s.closes_at) for s in service.schedules.all()),
    }


def locations_for_organisation(organisation: Organisation):
    """Places an organisation may list its services at: its own, and council venues (libraries, centres)."""
    from django.db.models import Q

    return Location.objects.filter(Q(organisation=organisation) | Q(organisation__kind=Organisation.Kind.COUNCIL)) \
        .order_by("name", "id")


def clean_service_data(data: dict[str, Any], *, organisation: Organisation) -> dict[str, Any]:
    """Checked, normalised editable fields. Raises ValidationError with a dict of field -> message."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def text(field, label, max_length, *, required=False, multiline=False):
        try:
            out[field] = clean_text(data.get(field), label=label, max_length=max_length, required=required,
                                    multiline=multiline, required_message=f"Enter the {label.lower()} of the service")
        except ValidationError as exc:
            errors[field] = exc.messages[0]

    text("name", "Name", 200, required=True)
    text("description", "Description", 4000, required=True, multiline=True)
    text("url", "Website", 200)
    text("email", "Email", 254)
    text("phone", "Phone", 20)
    text("fees", "Cost", 300)
    text("accessibility", "Accessibility", 500, multiline=True)
    if out.get("url") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", out["url"]):
        errors["url"] = "Enter a website address starting https://"
    if out.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", out["email"]):
        errors["email"] = "Enter an email address like name@example.org"
    if out.get("phone") and not re.match(r"^[0-9 +()]{6,20}$", out["phone"]):
        errors["phone"] = "Enter a phone number, like 01865 792422"
    status = data.get("status") or Service.Status.ACTIVE
    if status not in Service.Status.values:
        errors["status"] = "Select a status from the list"
    out["status"] = status
    out["is_free"] = data.get("is_free") in (True, "true", "on", "1", "yes")
    if not out["is_free"] and not out.get("fees") and "fees" not in errors:
        errors["fees"] = "Say what it costs, or tick that it is free"
    for field, label in (("minimum_age", "Youngest age"), ("maximum_age", "Oldest age")):
        raw = data.get(field)
        if raw in (None, ""):
            out[field] = None
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            errors[field] = f"{label} must be a whole number"
            continue
        if not 0 <= value <= 120:
            errors[field] = f"{label} must be between 0 and 120"
        out[field] = value
    if (out.get("minimum_age") is not None and out.get("maximum_age") is not None
            and "minimum_age" not in errors and "maximum_age" not in errors
            and out["minimum_age"] > out["maximum_age"]):
        errors["maximum_age"] = "Oldest age must be the same as or more than the youngest age"
    codes = sorted(set(data.get("terms") or []))
    known = set(TaxonomyTerm.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    if set(codes) - known:
        errors["terms"] = "Select who it is for from the list"
    out["terms"] = codes
    wanted = sorted(set(str(x) for x in (data.get("locations") or [])))
    allowed = {str(u) for u in locations_for_organisation(organisation).values_list("uuid", flat=True)}
    if set(wanted) - allowed:
        errors["locations"] = "Select places from the list"
    elif not wanted:
        errors["locations"] = "Select at least one place where it happens"
    out["locations"] = wanted
    try:
        out["opening"] = opening_text(parse_opening(data.get("opening") or ""))
    except ValidationError as exc:
        errors["opening"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return out


def sync_listed(service: Service) -> None:
    """Keep the point rows' `listed` flag (the nearby index's first column) in step with the service."""
    ServiceAtLocation.objects.filter(service=service).exclude(listed=service.is_listed).update(listed=service.is_listed)


@transaction.atomic
def service_apply(*, organisation: Organisation, service: Service | None, data: dict[str, Any], by: Any,
                  summary: str) -> Service:
    """Make `data` (already cleaned by clean_service_data) live: creates the service when `service` is None."""
    now = timezone.now()
    plain = {k: data[k] for k in ("name", "description", "status", "url", "email", "phone", "is_free", "fees",
                                   "minimum_age", "maximum_age", "accessibility")}
    actor = by if getattr(by, "is_authenticated", False) else None
    if service is None:
        service = Service.objects.create(organisation=organisation, confirmed_at=now, created_by=actor,
                                         modified_by=actor, **plain)
        action = "create"
    else:
        service = Service.objects.select_for_update().get(pk=service.pk)
        for k, v in plain.items():
            setattr(service, k, v)
        service.version += 1
        service.confirmed_at, service.flagged_at, service.hidden_at = now, None, None
        service.modified_by = actor
        service.save()
        action = "update"
    service.terms.set(TaxonomyTerm.objects.filter(code__in=data["terms"]))
    locations = {str(loc.uuid): loc for loc in Location.objects.filter(uuid__in=data["locations"])}
    ServiceAtLocation.objects.filter(service=service).exclude(location__uuid__in=list(locations)).delete()
    have = set(ServiceAtLocation.objects.filter(service=service).values_list("location__uuid", flat=True))
    ServiceAtLocation.objects.bulk_create([
        ServiceAtLocation(service=service, location=loc, latitude=loc.latitude, longitude=loc.longitude,
                          listed=service.is_listed)
        for key, loc in locations.items() if loc.uuid not in have
    ])
    service.schedules.all().delete()
    Schedule.objects.bulk_create([Schedule(service=service, weekday=d, opens_at=o, closes_at=c)
                                  for d, o, c in parse_opening(data["opening"])])
    sync_listed(service)
    audit_record(by=by, action=action, target=service, summary=summary[:255], organisation_id=organisation.pk)
    return service


@transaction.atomic
def service_confirm(*, service: Service, by: Any) -> Service:
    """The partner says the entry is still right: the 12-month clock starts again and a hidden entry returns."""
    service = Service.objects.select_for_update().get(pk=service.pk)
    service.confirmed_at, service.flagged_at, service.hidden_at = timezone.now(), None, None
    service.save(update_fields=["confirmed_at", "flagged_at", "hidden_at", "modified_at"])
    sync_listed(service)
    audit_record(by=by, action="update", target=service, summary=f"Confirmed {service.name[:200]} is up to date")
    return service


def clean_organisation_data(data: dict[str, Any]) -> dict[str, Any]:
    errors, out = {}, {}
    for field, label, max_length, required, multiline in (
            ("name", "Name", 200, True, False), ("description", "Description", 4000, True, True),
            ("email", "Email", 254, False, False), ("website", "Website", 200, False, False),
            ("phone", "Phone", 20, False, False), ("charity_number", "Charity number", 20, False, False)):
        try:
            out[field] = clean_text(data.get(field), label=label, max_length=max_length, required=required,
                                    multiline=multiline)
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if out.get("website") and not re.match(r"^https?://[^\s/]+\.[^\s]+$", out["website"]):
        errors["website"] = "Enter a website address starting https://"
    if out.get("email") and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", out["email"]):
        errors["email"] = "Enter an email address like name@example.org"
    kind = data.get("kind") or Organisation.Kind.VOLUNTARY
    if kind not in Organisation.Kind.values:
        errors["kind"] = "Select what kind of organisation it is"
    out["kind"] = kind
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def organisation_create(*, data: dict[str, Any], by: Any) -> Organisation:
    if not can_moderate(by):
        raise PermissionDenied
    clean = clean_organisation_data(data)
    if Organisation.objects.filter(name__iexact=clean["name"]).exists():
        raise ValidationError({"name": "An organisation with this name is already in the directory"})
    org = Organisation.objects.create(created_by=by, modified_by=by, **clean)
    audit_record(by=by, action="create", target=org, summary=f"Added {org.name[:200]} to the directory")
    return org


@transaction.atomic
def partner_add(*, organisation: Organisation, user: Any, by: Any) -> PartnerMembership:
    """Let a community partner account keep this organisation's entries."""
    if not can_moderate(by):
        raise PermissionDenied
    if not user.has_permission(Permission.COMMUNITY_DIRECTORY_EDIT):
        raise ValidationError({"email": "That account is not a community partner account"})
    membership, created = PartnerMembership.objects.get_or_create(user=user, organisation=organisation)
    if created:
        audit_record(by=by, action="create", target=membership,
                     summary=f"Partner account may keep {organisation.name[:200]}", user_id=user.pk)
    return membership


def location_create(*, organisation: Organisation | None, name: str, address_1: str, city: str, postcode: str,
                    accessibility: str = "", description: str = "", by: Any,
                    latitude: float | None = None, longitude: float | None = None) -> Location:
    """A place, located from its postcode when no point is given (the places app's centroid lookup)."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise ValidationError({"postcode": "Enter a real postcode, like OX1 1DJ"})
    if latitude is None or longitude is None:
        point = locate_postcode(normalised)
        if point is None:
            raise ValidationError({"postcode": "We could not find that postcode"})
        latitude, longitude = point
    division = division_for_point(latitude, longitude)
    loc = Location.objects.create(organisation=organisation, name=name, address_1=address_1, city=city,
                                  postcode=normalised, latitude=latitude, longitude=longitude, division=division,
                                  accessibility=accessibility, description=description,
                                  created_by=by if getattr(by, "is_authenticated", False) else None)
    audit_record(by=by, action="create", target=loc, summary=f"Added place {name[:200]}")
    return loc
