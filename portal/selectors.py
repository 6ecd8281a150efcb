"""Reads for street reports, each a fixed number of queries whatever the data size.

"Nearby" uses the index (report_type, public_status, latitude, longitude):
an equality on the type, one seek per open status and a range on latitude
narrow the rows to a small box, longitude is checked from the index, the
database orders the box by a flat-earth distance and returns the nearest
few, and the exact great-circle distance is checked in Python for those.
This works the same on SQLite and PostgreSQL without PostGIS.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import ExpressionWrapper, F, FloatField, Q, QuerySet, Value
from django.http import Http404

from .models import OPEN_REPORT_STATUSES, ReportStatus, ReportType, StreetReport

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0
NEARBY_LIMIT = 5
AROUND_RADIUS_M = 1000
AROUND_PAGE_SIZE = 25
MAX_REFERENCE_LENGTH = 20


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that contains the circle."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class NearbyReport:
    report: StreetReport
    distance_m: float

    @property
    def distance_text(self) -> str:
        metres = int(round(self.distance_m / 5.0) * 5)
        return "less than 5 metres away" if metres < 5 else f"about {metres} metres away"


def _public_fields(qs: QuerySet) -> QuerySet:
    return qs.select_related("case", "report_type__service").only(
        "id", "latitude", "longitude", "public_status", "scheduled_on", "reported_at", "status_changed_at",
        "description", "is_public", "eligible", "report_type__id", "report_type__nearby_radius_m",
        "report_type__service__name", "report_type__service__code", "case__reference", "case__expected_date",
        "case__id",
    )


def nearby_open_reports(*, report_type: ReportType, latitude: float, longitude: float,
                        radius_m: float | None = None, limit: int = NEARBY_LIMIT) -> list[NearbyReport]:
    """The nearest open public reports of this type within the type's radius, nearest first (one query).

    The database narrows to the box through the report_nearby index and
    orders the box by a flat-earth squared distance (exact enough at a few
    hundred metres, and plain arithmetic, so no per-row function calls), so
    only `limit` rows are ever loaded however busy the area is. The exact
    great-circle distance then drops any that sit in the box's corners.
    """
    radius = float(radius_m if radius_m is not None else report_type.nearby_radius_m)
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius)
    # Degrees of longitude are shorter than degrees of latitude by cos(latitude).
    shrink = max(0.01, math.cos(math.radians(latitude)))
    dlat = F("latitude") - Value(latitude)
    dlon = (F("longitude") - Value(longitude)) * Value(shrink)
    nearest = StreetReport.objects.filter(
        report_type=report_type, public_status__in=[s.value for s in OPEN_REPORT_STATUSES],
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon,
        is_public=True,
    ).annotate(flat_d2=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())).order_by(
        "flat_d2", "id").values("pk")[:limit]
    # The joins for the page (case reference, type name) are made for those few rows only.
    candidates = _public_fields(StreetReport.objects.filter(pk__in=nearest))
    found = []
    for report in candidates:
        d = distance_m(latitude, longitude, report.latitude, report.longitude)
        if d <= radius:
            found.append(NearbyReport(report, d))
    found.sort(key=lambda n: (n.distance_m, n.report.pk))
    return found


def get_public_report(reference: object) -> StreetReport:
    """A public report by case reference, with its public timeline; 404 when missing or not public."""
    if not isinstance(reference, str) or not 0 < len(reference) <= MAX_REFERENCE_LENGTH:
        raise Http404
    report = (
        StreetReport.objects.select_related("case", "report_type__service", "division")
        .filter(case__reference=reference.upper(), is_public=True).first()
    )
    if report is None:
        raise Http404
    return report


def public_timeline(report: StreetReport) -> list:
    """Public events only: status changes and updates the public may read (no names, no notes)."""
    from oxtom.cases.models import CaseEvent

    kinds = [CaseEvent.Kind.CREATED, CaseEvent.Kind.STATUS_CHANGED, CaseEvent.Kind.PUBLIC_UPDATE,
             CaseEvent.Kind.EXPECTED_DATE_SET]
    return list(report.case.events.filter(visibility=CaseEvent.Visibility.PUBLIC, kind__in=kinds).only(
        "kind", "occurred_at", "text", "from_status", "to_status", "case_id").order_by("-occurred_at", "-id")[:50])


def public_photos(report: StreetReport) -> list:
    return list(report.photos.filter(is_public=True).order_by("position", "id"))


# --- reports around a place --------------------------------------------------------------

@dataclass
class AroundPage:
    reports: list
    next_cursor: str | None


def _encode_cursor(report: StreetReport) -> str:
    raw = f"{report.reported_at.isoformat()}|{report.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        when, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        parsed = dt.datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            return None
        return parsed, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def reports_around(*, latitude: float, longitude: float, radius_m: float = AROUND_RADIUS_M,
                   report_type: ReportType | None = None, status: str | None = None,
                   cursor: str | None = None, page_size: int = AROUND_PAGE_SIZE) -> AroundPage:
    """Public reports in a box around a point, newest first, keyset-paginated (one query a page).

    `status` is "open", "closed" or one public status; a bad cursor starts
    from the beginning rather than failing.
    """
    min_lat, max_lat, min_lon, max_lon = bounding_box(latitude, longitude, radius_m)
    qs = StreetReport.objects.filter(
        is_public=True, latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon,
    )
    if report_type is not None:
        qs = qs.filter(report_type=report_type)
    if status == "open":
        qs = qs.filter(public_status__in=[s.value for s in OPEN_REPORT_STATUSES])
    elif status == "closed":
        qs = qs.exclude(public_status__in=[s.value for s in OPEN_REPORT_STATUSES])
    elif status in ReportStatus.values:
        qs = qs.filter(public_status=status)
    decoded = _decode_cursor(cursor) if cursor else None
    if decoded is not None:
        when, pk = decoded
        qs = qs.filter(Q(reported_at__lt=when) | Q(reported_at=when, id__lt=pk))
    rows = list(_public_fields(qs).order_by("-reported_at", "-id")[: page_size + 1])
    next_cursor = _encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    return AroundPage(reports=rows[:page_size], next_cursor=next_cursor)


# --- a resident's own reports ------------------------------------------------------------

def reports_for_customer(customer: Any, *, limit: int = 100) -> tuple[list, list]:
    """(reports they made, reports they follow), newest first, two queries."""
    if customer is None:
        return [], []
    made = list(_public_fields(StreetReport.objects.filter(case__customer=customer)).order_by("-reported_at", "-id")
                [:limit])
    following = list(
        _public_fields(StreetReport.objects.filter(subscriptions__customer=customer)).order_by("-reported_at", "-id")
        [:limit]
    )
    return made, following


def customer_for_account(user: Any):
    """The signed-in person's own customer record (None for anonymous or before they have one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    from oxtom.customers.models import Customer

    return Customer.objects.filter(user=user, merged_into__isnull=True).first()


def get_report_for_user(user: Any, reference: object) -> StreetReport:
    """A report the user may work or read through casework's rules (404 for missing and forbidden)."""
    from oxtom.cases.selectors import get_case_for_user

    case = get_case_for_user(user, reference)
    report = StreetReport.objects.select_related("case", "report_type__service").filter(case=case).first()
    if report is None:
        raise Http404
    return report


def report_types_for_choice() -> list[ReportType]:
    """Active report types, in the administrator's order, for the "what is the problem" page."""
    return list(ReportType.objects.select_related("service").filter(service__is_active=True)
                .order_by("display_order", "id"))


@dataclass(frozen=True)
class Timescale:
    """One report type's promised working days, read from its service's targets (SLA per priority)."""

    name: str
    made_safe: int  # an emergency (priority 1)
    repaired: int  # meets the intervention criteria (priority 3)
    routine: int  # recorded below the criteria (priority 4)


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    if low == high:
        return f"{low} working day{'' if low == 1 else 's'}"
    return f"{low} to {high} working days"


def report_timescales(types: list[ReportType]) -> dict[str, Any]:
    """What the start page promises, from the services' targets rather than the template's words.

    The rows per type (for the table) and, for the summary sentence, each target as one number or a
    range across the types ("2 working days", "10 to 20 working days"). No queries: `types` come with their service.
    """
    from oxtom.cases.models import Priority

    rows = [Timescale(t.service.name, t.service.sla_days(Priority.URGENT), t.service.sla_days(Priority.NORMAL),
                      t.service.sla_days(Priority.LOW)) for t in types]
    if not rows:
        return {"rows": [], "made_safe": "", "repaired": "", "routine": "", "varies": False}
    return {"rows": rows, "made_safe": _span([r.made_safe for r in rows]),
            "repaired": _span([r.repaired for r in rows]), "routine": _span([r.routine for r in rows]),
            "varies": len({(r.made_safe, r.repaired, r.routine) for r in rows}) > 1}


def response_templates_for(report: StreetReport) -> list:
    """Active response templates for this report's type, then those for every type."""
    from .models import ResponseTemplate

    return list(ResponseTemplate.objects.filter(Q(report_type=report.report_type) | Q(report_type__isnull=True),
                                                is_active=True)
                .order_by("status", "report_type_id", "title"))


def get_staff_report(user: Any, reference: object) -> StreetReport:
    """A report whose case `user` may see under casework's rules, loaded for the staff page (one query).

    Missing and forbidden both answer 404, so a reference never reveals that a report exists.
    """
    from oxtom.cases.models import Case

    if not isinstance(reference, str) or not 0 < len(reference.strip()) <= MAX_REFERENCE_LENGTH:
        raise Http404
    reference = reference.strip().upper()
    report = (
        StreetReport.objects.select_related(
            "case__service", "case__team", "case__assignee", "case__duplicate_of", "division", "report_type__service",
        )
        .filter(case__reference=reference, case__in=Case.objects.for_user(user).filter(reference=reference).values("pk"))
        .first()
    )
    if report is None:
        raise Http404
    return report


def open311_requests() -> QuerySet:
    """Public reports as Open311 publishes them (portal/open311.py): the REST API pages through the same rows."""
    from .open311 import _requests_queryset

    return _requests_queryset()


def open311_request_dicts(rows: list[dict]) -> list[dict]:
    """The Open311 fields for rows of open311_requests(), with no further query."""
    from .open311 import _request_dicts

    return _request_dicts(rows)


# --- feedback after a fix, for the teams that handle each category -------------------------------------------

FEEDBACK_PAGE_SIZE = 25
FEEDBACK_SUMMARY_MONTHS = 6
# The words residents chose from (forms.FeedbackForm), shown back to staff.
RATING_WORDS = {5: "Very satisfied", 4: "Satisfied", 3: "Neither satisfied nor dissatisfied", 2: "Dissatisfied",
                1: "Very dissatisfied"}


def feedback_report_types(user: Any) -> list[ReportType]:
    """The categories (report types) whose feedback `user` may read: those handled by a team they see the
    cases of (administrators: all). One query; the same rule as the team's queues."""
    from oxtom.accounts.models import TeamMembership
    from oxtom.accounts.permissions import Permission

    if not getattr(user, "is_authenticated", False):
        return []
    types = ReportType.objects.select_related("service").order_by("service__name", "id")
    if user.has_role("administrator"):
        return list(types)
    if user.has_permission(Permission.CASE_VIEW_TEAM):
        teams = TeamMembership.objects.filter(user=user).values("team_id")
    else:
        teams = list(user.team_ids_granting(Permission.CASE_VIEW_TEAM))
        if not teams:
            return []
    return list(types.filter(service__team_id__in=teams))


@dataclass(frozen=True)
class FeedbackRow:
    reference: str
    category: str
    rating: int
    words: str
    comment: str
    given_at: dt.datetime


def _feedback_cursor(row: dict) -> str:
    raw = f"{row['feedback_at'].isoformat()}|{row['pk']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def feedback_page(*, report_types: list[ReportType], report_type_id: int | None = None, rating: int | None = None,
                  after: str = "", per_page: int = FEEDBACK_PAGE_SIZE) -> tuple[list[FeedbackRow], str]:
    """One page of feedback on reports of these categories, newest first, and the cursor of the next page
    ("" on the last). Keyset on (feedback_at, id), read down the partial index of rated reports, so any page
    costs one query whatever the number of reports. A malformed or tampered cursor gives the first page.
    Nothing about the reporter: the reference, category, rating, comment and when it was given."""
    allowed = {t.pk: t for t in report_types}
    if report_type_id is not None:
        allowed = {report_type_id: allowed[report_type_id]} if report_type_id in allowed else {}
    if not allowed:
        return [], ""
    rows = StreetReport.objects.filter(feedback_at__isnull=False, report_type_id__in=list(allowed))
    if rating is not None:
        rows = rows.filter(feedback_rating=rating)
    position = _decode_cursor(after) if after and len(after) <= 120 else None
    if position is not None:
        when, pk = position
        rows = rows.filter(feedback_at__lte=when).filter(Q(feedback_at__lt=when) | Q(feedback_at=when, pk__lt=pk))
    found = list(rows.order_by("-feedback_at", "-id").values(
        "pk", "case__reference", "report_type_id", "feedback_rating", "feedback_text", "feedback_at")[:per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    page = [FeedbackRow(reference=r["case__reference"], category=allowed[r["report_type_id"]].name,
                        rating=r["feedback_rating"], words=RATING_WORDS.get(r["feedback_rating"], ""),
                        comment=r["feedback_text"], given_at=r["feedback_at"]) for r in found]
    return page, (_feedback_cursor(found[-1]) if more and found else "")


@dataclass(frozen=True)
class FeedbackSummary:
    category: str
    month: dt.date
    responses: int
    mean: float
    satisfied_percent: float


def feedback_summary(*, report_types: list[ReportType], months: int = FEEDBACK_SUMMARY_MONTHS,
                     today: dt.date | None = None) -> list[FeedbackSummary]:
    """Per category and month (newest first, this month included): how many rated, the mean rating and the
    share satisfied (4 or 5, as the satisfaction measure counts it). One grouped query; months found by
    comparing with month boundaries (no per-row date truncation)."""
    from django.db.models import Avg, Case, Count, IntegerField, When
    from django.utils import timezone

    from .measures import SATISFIED_RATINGS

    if not report_types:
        return []
    today = today or timezone.localdate()
    tz = timezone.get_default_timezone()
    firsts = [today.replace(day=1)]
    for _ in range(months - 1):
        firsts.append((firsts[-1] - dt.timedelta(days=1)).replace(day=1))
    firsts.reverse()  # oldest first
    starts = [dt.datetime.combine(m, dt.time.min, tzinfo=tz) for m in firsts]
    bucket = Case(*[When(feedback_at__gte=start, then=i) for i, start in reversed(list(enumerate(starts)))],
                  default=-1, output_field=IntegerField())
    names = {t.pk: t.name for t in report_types}
    rows = (StreetReport.objects.filter(feedback_at__gte=starts[0], report_type_id__in=list(names))
            .annotate(bucket=bucket).order_by().values("report_type_id", "bucket")
            .annotate(n=Count("pk"), mean=Avg("feedback_rating"),
                      satisfied=Count("pk", filter=Q(feedback_rating__in=SATISFIED_RATINGS))))
    out = [FeedbackSummary(category=names[r["report_type_id"]], month=firsts[r["bucket"]], responses=r["n"],
                           mean=round(float(r["mean"]), 1), satisfied_percent=round(100 * r["satisfied"] / r["n"], 1))
           for r in rows if r["bucket"] >= 0 and r["n"]]
    return sorted(out, key=lambda s: (s.category, -s.month.toordinal()))
