"""Reads for the directory, each a fixed number of queries whatever the directory's size.

"Near a postcode" uses the nearby-reports approach (portal/selectors.py):
the index sal_nearby (listed, latitude, longitude) narrows to a bounding
box, the database orders the box by a flat-earth squared distance and
returns a bounded window, and the great-circle distance is worked out for
those rows only. A service at several places is shown once, at its nearest.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from oxtom.accounts.permissions import Permission

from .models import (Appointment, AppointmentOffer, AppointmentService, Booking, ChangeRequest, Event, Location, Organisation, PartnerMembership, Schedule, Service,
                     ServiceAtLocation, SupportPerson, TaxonomyTerm)

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0
METRES_PER_MILE = 1609.344
PAGE_SIZE = 20
MAX_PAGE = 500
FOR_YOU_LIMIT = 6


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass
class Filters:
    q: str = ""
    needs: tuple[str, ...] = ()
    age: int | None = None
    day: int | None = None  # 0 = Monday
    time: dt.time | None = None
    free: bool | None = None
    point: tuple[float, float] | None = None
    radius_m: float = 10 * METRES_PER_MILE


@dataclass
class Found:
    service: Service
    location: Location | None
    distance_m: float | None

    @property
    def distance_miles(self) -> str:
        if self.distance_m is None:
            return ""
        miles = self.distance_m / METRES_PER_MILE
        return "less than 0.1 miles" if miles < 0.1 else f"{miles:.1f} miles"


def _service_filter(f: Filters) -> Q:
    """The conditions on Service (through a path prefix) every search applies."""
    cond = Q()
    if f.q:
        cond &= Q(name__icontains=f.q) | Q(description__icontains=f.q) | Q(organisation__name__icontains=f.q)
    if f.age is not None:
        cond &= (Q(minimum_age__isnull=True) | Q(minimum_age__lte=f.age)) & (
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=f.age))
    if f.free is not None:
        cond &= Q(is_free=f.free)
    return cond


def _annotated(qs: QuerySet, f: Filters, *, service_ref: str) -> QuerySet:
    if f.needs:
        through = Service.terms.through
        qs = qs.filter(Exists(through.objects.filter(service_id=OuterRef(service_ref), taxonomyterm__code__in=f.needs)))
    if f.day is not None or f.time is not None:
        when = Q(service_id=OuterRef(service_ref))
        if f.day is not None:
            when &= Q(weekday=f.day)
        if f.time is not None:
            when &= Q(opens_at__lte=f.time, closes_at__gt=f.time)
        qs = qs.filter(Exists(Schedule.objects.filter(when)))
    return qs


def _with_page_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("organisation").prefetch_related(
        Prefetch("terms", queryset=TaxonomyTerm.objects.only("id", "name", "code")),
        Prefetch("schedules"),
    )


def search_services(f: Filters, *, page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[Found], int]:
    """One page of listed services matching the filters (nearest first with a point), and the total count."""
    page = max(1, min(int(page), MAX_PAGE))
    start = (page - 1) * per_page
    if f.point is None:
        qs = _annotated(Service.objects.listed().filter(_service_filter(f)), f, service_ref="pk")
        total = qs.count()
        rows = list(_with_page_relations(qs.order_by("name", "id"))[start:start + per_page])
        first = {}
        if rows:
            for sal in ServiceAtLocation.objects.filter(service__in=rows).select_related("location").order_by("id"):
                first.setdefault(sal.service_id, sal.location)
        return [Found(s, first.get(s.pk), None) for s in rows], total
    lat, lon = f.point
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, f.radius_m)
    shrink = max(0.01, math.cos(math.radians(lat)))
    dlat = F("latitude") - Value(lat)
    dlon = (F("longitude") - Value(lon)) * Value(shrink)
    sal = ServiceAtLocation.objects.filter(listed=True, service__status=Service.Status.ACTIVE,
                                           service__hidden_at__isnull=True, latitude__gte=min_lat, latitude__lte=max_lat,
                                           longitude__gte=min_lon, longitude__lte=max_lon)
    cond = _prefix(_service_filter(f), "service__")
    sal = _annotated(sal.filter(cond), f, service_ref="service_id")
    flat_limit = (f.radius_m / METRES_PER_DEGREE_LAT) ** 2
    sal = sal.annotate(flat_d2=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())) \
        .filter(flat_d2__lte=flat_limit)
    total = sal.values("service_id").distinct().count()
    # Window: enough rows to fill the page after de-duplicating services at several places.
    window = list(sal.order_by("flat_d2", "id").values_list("service_id", "location_id", "flat_d2")[:start + per_page * 4 + 20])
    seen: dict[int, int] = {}
    for service_id, location_id, _ in window:
        seen.setdefault(service_id, location_id)
    chosen = list(seen.items())[start:start + per_page]
    services = {s.pk: s for s in _with_page_relations(Service.objects.filter(pk__in=[c[0] for c in chosen]))}
    locations = Location.objects.in_bulk([c[1] for c in chosen])
    found = []
    for service_id, location_id in chosen:
        loc = locations[location_id]
        found.append(Found(services[service_id], loc, distance_m(lat, lon, loc.latitude, loc.longitude)))
    found.sort(key=lambda x: (x.distance_m, x.service.pk))
    return found, total


def _prefix(q: Q, prefix: str) -> Q:
    """The same conditions, applied through a relation (service__...)."""
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefix(child, prefix))
        else:
            key, value = child
            out.children.append((prefix + key, value))
    return out


def needs_for_customer(customer) -> tuple[set[str], list[SupportPerson]]:
    """Need codes from the profile's interests and the people they look for support for (two queries)."""
    people = list(SupportPerson.objects.filter(customer=customer).prefetch_related("needs"))
    codes = {t.code for p in people for t in p.needs.all()}
    interests = [i for i in (customer.interests or []) if isinstance(i, str)]
    if interests:
        codes |= set(TaxonomyTerm.objects.filter(interest_code__in=interests).values_list("code", flat=True))
    return codes, people


def for_you(customer) -> list[Found]:
    """Services matched to the resident's needs, near their home (or in their division), nearest first."""
    codes, _ = needs_for_customer(customer)
    if not codes:
        return []
    point = home_point(customer)
    if point is not None:
        found, _ = search_services(Filters(needs=tuple(sorted(codes)), point=point, radius_m=15 * METRES_PER_MILE),
                                   per_page=FOR_YOU_LIMIT)
        return found
    qs = _annotated(Service.objects.listed(), Filters(needs=tuple(sorted(codes))), service_ref="pk")
    if customer.division_id:
        qs = qs.filter(Exists(ServiceAtLocation.objects.filter(service_id=OuterRef("pk"),
                                                               location__division_id=customer.division_id)))
    rows = list(_with_page_relations(qs.order_by("name", "id"))[:FOR_YOU_LIMIT])
    return [Found(s, None, None) for s in rows]


def home_point(customer) -> tuple[float, float] | None:
    if customer.latitude is not None and customer.longitude is not None:
        return customer.latitude, customer.longitude
    if customer.postcode:
        from oxtom.places.selectors import locate_postcode

        return locate_postcode(customer.postcode)
    return None


def get_listed_service(pk: object) -> Service:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    service = _with_page_relations(Service.objects.listed()).filter(pk=pk).first()
    if service is None:
        raise Http404
    return service


def upcoming_events(*, service: Service | None = None, limit: int = 10, now=None) -> list[Event]:
    now = now or timezone.now()
    qs = Event.objects.filter(status=Event.Status.SCHEDULED, starts_at__gt=now, service__status=Service.Status.ACTIVE,
                              service__hidden_at__isnull=True)
    if service is not None:
        qs = qs.filter(service=service)
    return list(qs.select_related("location", "service").order_by("starts_at", "id")[:limit])


def get_bookable_event(pk: object) -> Event:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    event = Event.objects.select_related("location", "service__organisation").filter(
        pk=pk, service__status=Service.Status.ACTIVE, service__hidden_at__isnull=True).exclude(
        status__in=[Event.Status.PENDING, Event.Status.REJECTED]).first()
    if event is None:
        raise Http404
    return event


# --- residents' own ----------------------------------------------------------------


def bookings_for_customer(customer) -> list[Booking]:
    return list(Booking.objects.filter(booker=customer).select_related("event__location").order_by("-created_at", "-id")[:100])


def get_booking_for_customer(customer, reference: object) -> Booking:
    if customer is None or not isinstance(reference, str) or not 0 < len(reference) <= 12:
        raise Http404
    booking = Booking.objects.select_related("event__location", "event__service__organisation", "attendee") \
        .filter(booker=customer, reference=reference.upper()).first()
    if booking is None:
        raise Http404
    return booking


def get_person_for_customer(customer, pk: object) -> SupportPerson:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    person = SupportPerson.objects.filter(customer=customer, pk=pk).first()
    if person is None:
        raise Http404
    return person


# --- partners and moderators ---------------------------------------------------------


def organisations_for_user(user: Any) -> QuerySet[Organisation]:
    """Organisations the user keeps: a partner's own; every one for a moderator."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if user.has_permission(Permission.COMMUNITY_MODERATE):
        return Organisation.objects.all()
    if not user.has_permission(Permission.COMMUNITY_DIRECTORY_EDIT):
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=PartnerMembership.objects.filter(user=user).values("organisation_id"))


def get_organisation_for_user(user: Any, pk: object) -> Organisation:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    org = organisations_for_user(user).filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def get_service_for_user(user: Any, pk: object) -> Service:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    service = Service.objects.select_related("organisation").filter(
        pk=pk, organisation__in=organisations_for_user(user)).first()
    if service is None:
        raise Http404
    return service


def get_event_for_user(user: Any, pk: object) -> Event:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    event = Event.objects.select_related("location", "service__organisation").filter(
        pk=pk, service__organisation__in=organisations_for_user(user)).first()
    if event is None:
        raise Http404
    return event


def pending_changes() -> list[ChangeRequest]:
    return list(ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING)
                .select_related("organisation", "service", "submitted_by").order_by("submitted_at", "id")[:200])


# --- feedback on services -------------------------------------------------------------------------------

# Fewer responses than this and a service's average, spread and comments are not shown: with three people
# at a group, "2 of 3 rated it poor" and a comment can say who said what.
FEEDBACK_SMALL = 5
COMMENTS_SHOWN = 5


def feedback_by_service(user: Any, *, limit: int = 200) -> list[dict[str, Any]]:
    """Each service's feedback for the organisations the user keeps (a moderator: all), most responses first.

    Three queries whatever the number of services or responses: the counts and averages per service, the
    services' names, and the latest comments of the services shown in full.
    """
    from django.db.models import Avg, Count, Q

    from .models import Feedback

    orgs = organisations_for_user(user)
    rows = list(Feedback.objects.filter(booking__event__service__organisation__in=orgs)
                .values("booking__event__service_id")
                .annotate(n=Count("id"), avg=Avg("rating"), good=Count("id", filter=Q(rating__gte=4)),
                          poor=Count("id", filter=Q(rating__lte=2)))
                .order_by("-n", "booking__event__service_id")[:limit])
    ids = [r["booking__event__service_id"] for r in rows]
    services = {s.pk: s for s in Service.objects.filter(pk__in=ids).select_related("organisation")}
    shown = [r["booking__event__service_id"] for r in rows if r["n"] >= FEEDBACK_SMALL]
    comments: dict[int, list] = {}
    for fb in (Feedback.objects.filter(booking__event__service_id__in=shown).exclude(comment="")
               .select_related("booking__event").order_by("-created_at", "-id")[:COMMENTS_SHOWN * max(1, len(shown))]):
        bucket = comments.setdefault(fb.booking.event.service_id, [])
        if len(bucket) < COMMENTS_SHOWN:
            bucket.append(fb)
    out = []
    for r in rows:
        sid, n = r["booking__event__service_id"], r["n"]
        small = n < FEEDBACK_SMALL
        out.append({"service": services.get(sid), "n": n, "small": small,
                    "avg": None if small else round(r["avg"], 1),
                    "good_pct": None if small else round(100 * r["good"] / n),
                    "poor_pct": None if small else round(100 * r["poor"] / n),
                    "comments": [] if small else comments.get(sid, [])})
    return [o for o in out if o["service"] is not None]


# --- Book it: appointments, each looked up through who may see it --------------------------------------------------


def appointment_of_customer(customer: Any, reference: str) -> Appointment:
    """The customer's own appointment by its reference; another's, or none, is 404."""
    if customer is None or not 0 < len(reference) <= 12:
        raise Http404
    appointment = Appointment.objects.select_related("service__location", "service__team", "customer").filter(
        customer=customer, reference=reference.upper()).first()
    if appointment is None:
        raise Http404
    return appointment


def appointment_services_run_by(user: Any) -> QuerySet:
    """The appointment services a member of staff runs: their teams' (the administrator who configures the
    services: every one). Not a directory moderator's: an appointment list says who is being assessed for
    what (a blue badge mobility assessment is health information), which is the team's business alone."""
    services = AppointmentService.objects.all()
    if not user.has_permission(Permission.CATALOGUE_EDIT):
        services = services.filter(team__memberships__user=user)
    return services


def appointment_for_staff(user: Any, pk: int) -> Appointment:
    """An appointment of a service the member of staff runs; any other is 404."""
    appointment = Appointment.objects.select_related("service__location", "service__team", "customer", "resource").filter(
        pk=pk, service__in=appointment_services_run_by(user)).first()
    if appointment is None:
        raise Http404
    return appointment


def offer_of_customer(customer: Any, pk: int) -> AppointmentOffer:
    """Times offered to this customer; another customer's offer, or none, is 404."""
    offer = AppointmentOffer.objects.select_related("service__location", "case", "appointment").filter(
        pk=pk, customer=customer).first() if customer is not None else None
    if offer is None:
        raise Http404
    return offer


def appointments_on_day(user: Any, day: dt.date, *, mine: bool = False, limit: int = 300) -> list[Appointment]:
    """A day's booked and attended appointments (London time) for the services the member of staff runs, by
    time then officer or room; `mine`: only those given to the member of staff as a resource."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    rows = Appointment.objects.filter(service__in=appointment_services_run_by(user), starts_at__gte=start,
                                      starts_at__lt=start + dt.timedelta(days=1))
    if mine:
        rows = rows.filter(resource__user=user)
    return list(rows.exclude(status=Appointment.Status.CANCELLED).select_related("service", "customer", "resource")
                .order_by("starts_at", "resource__name", "id")[:limit])


def appointments_needing_move(user: Any, *, mine: bool = False) -> list[Appointment]:
    """Coming appointments of the services the member of staff runs whose officer or room is now absent (or
    switched off): shown as a warning until someone moves them. One query."""
    from .services.resources import appointments_to_move

    return appointments_to_move(appointment_services_run_by(user), user=user if mine else None)


# --- the council's list of recent feedback: events and appointments together ----------------------------------

FEEDBACK_PAGE = 25


@dataclass(frozen=True)
class FeedbackRow:
    """One rating, from an event booking or a council appointment. Names no resident."""

    kind: str  # "event" or "appointment"
    pk: int
    rating: int
    comment: str
    created_at: dt.datetime
    service: str  # the directory service, or the appointment service
    what: str  # the event's title, or "Appointment"
    organisation: str
    held_at: dt.datetime

    @property
    def rank(self) -> int:
        return 1 if self.kind == "event" else 0

    @property
    def cursor(self) -> str:
        return f"{self.created_at.isoformat()}~{self.rank}~{self.pk}"


def _parse_cursor(raw: str) -> tuple[dt.datetime, int, int] | None:
    try:
        when, rank, pk = raw.split("~")
        at = dt.datetime.fromisoformat(when)
        rank_i, pk_i = int(rank), int(pk)
    except (ValueError, TypeError):
        return None
    if at.tzinfo is None or rank_i not in (0, 1) or pk_i < 0:
        return None
    return at, rank_i, pk_i


def feedback_filter_choices() -> list[tuple[str, str]]:
    """The filter's options: directory services that have feedback ("s<id>") and appointment services ("a<id>").
    Two queries."""
    from .models import Feedback

    ids = Feedback.objects.values("booking__event__service_id")
    out = [(f"s{pk}", name) for pk, name in Service.objects.filter(pk__in=ids).order_by("name", "id")
           .values_list("pk", "name")[:500]]
    out += [(f"a{pk}", f"{name} (appointment)") for pk, name in AppointmentService.objects.order_by("name", "id")
            .values_list("pk", "name")[:200]]
    return out


def recent_feedback(*, service: str = "", after: str = "", limit: int = FEEDBACK_PAGE
                    ) -> tuple[list[FeedbackRow], str]:
    """The latest feedback across the directory's events and the council's appointments, newest first, a page
    at a time by keyset (given, kind, id) so a deep page costs what the first does. `service`: "s<id>" (a
    directory service) or "a<id>" (an appointment service); `after`: the cursor the last page gave.

    Two queries whatever the page (one when filtered to one kind). Returns the rows and the next cursor ("" at
    the end)."""
    from .models import AppointmentFeedback, Feedback

    limit = max(1, min(limit, 100))
    cursor = _parse_cursor(after) if after else None
    kind, pk = (service[:1], service[1:]) if service else ("", "")
    try:
        pk_i = int(pk) if pk else None
    except ValueError:
        kind, pk_i = "x", None  # an unknown filter matches nothing
    rows: list[FeedbackRow] = []
    if kind in ("", "s"):
        events = Feedback.objects.select_related("booking__event__service__organisation")
        if kind == "s":
            events = events.filter(booking__event__service_id=pk_i)
        if cursor:
            at, rank, last = cursor
            events = events.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last) if rank == 1
                                   else Q(created_at__lt=at))
        for fb in events.order_by("-created_at", "-id")[:limit + 1]:
            event = fb.booking.event
            rows.append(FeedbackRow("event", fb.pk, fb.rating, fb.comment, fb.created_at, event.service.name,
                                    event.title, event.service.organisation.name, event.starts_at))
    if kind in ("", "a"):
        appts = AppointmentFeedback.objects.select_related("appointment__service")
        if kind == "a":
            appts = appts.filter(appointment__service_id=pk_i)
        if cursor:
            at, rank, last = cursor
            appts = appts.filter(Q(created_at__lt=at) | Q(created_at=at) if rank == 1
                                 else Q(created_at__lt=at) | Q(created_at=at, id__lt=last))
        for fb in appts.order_by("-created_at", "-id")[:limit + 1]:
            appointment = fb.appointment
            rows.append(FeedbackRow("appointment", fb.pk, fb.rating, fb.comment, fb.created_at,
                                    appointment.service.name, "Appointment", "Oxfordshire County Council",
                                    appointment.starts_at))
    rows.sort(key=lambda r: (r.created_at, r.rank, r.pk), reverse=True)
    page = rows[:limit]
    return page, page[-1].cursor if len(rows) > limit else ""


# --- who keeps a service's officers and rooms ------------------------------------------------------------------

def appointment_services_managed_by(user: Any) -> QuerySet:
    """The appointment services whose officers, rooms, hours and absences a member of staff keeps: those of the
    teams they lead, or every one for the administrator who configures services (CATALOGUE_EDIT)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return AppointmentService.objects.none()
    services = AppointmentService.objects.all()
    if not user.has_permission(Permission.CATALOGUE_EDIT):
        # A leader of the service's team who holds the right to manage a team (the team leader's role). The
        # role is checked first, with no query, because the staff navigation asks this on every page: an
        # officer, who cannot lead, costs nothing.
        if not user.has_permission(Permission.TEAM_MANAGE):
            return AppointmentService.objects.none()
        # One filter(): the same membership row must be the user's and a leader's.
        services = services.filter(team__memberships__user=user, team__memberships__is_leader=True)
    return services


def can_manage_appointment_resources(user: Any) -> bool:
    """The staff navigation's rule for the resource pages: the one their views apply (one query at most, and
    none for staff without the team leader's right)."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return user.has_permission(Permission.CATALOGUE_EDIT) or appointment_services_managed_by(user).exists()


def appointment_service_managed_by(user: Any, pk: object) -> AppointmentService:
    """One service the member of staff keeps the resources of; another team's, or none, is 404."""
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    service = appointment_services_managed_by(user).select_related("team").filter(pk=pk).first()
    if service is None:
        raise Http404
    return service


def resource_of_service(service: AppointmentService, pk: object):
    """One of this service's officers or rooms; another service's is 404."""
    from .models import AppointmentResource

    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    resource = AppointmentResource.objects.select_related("user").filter(pk=pk, service=service).first()
    if resource is None:
        raise Http404
    return resource
