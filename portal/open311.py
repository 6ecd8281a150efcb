"""Open311 GeoReport v2 for back-office and partner systems: reads, the create service, and errors.

Everything here speaks Open311's words (service_code, service_request_id,
attribute[CODE]) and hands the real work to the portal's own services and
selectors, so a report made through the API is the same casework case as
one made on the website: same checks, same queue, same notifications.

Privacy: responses carry only what the public report page shows (type,
public status, the point, the public description, public photos, public
updates). Never names, contact details, the text the reporter typed to find
the place, or private notes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from oxtom.cases.models import CaseEvent
from oxtom.cases.services import DuplicateSubmission
from oxtom.core.audit import audit_record
from oxtom.core.links import site_url
from oxtom.core.ratelimit import take
from oxtom.customers.models import Channel, Customer
from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import locate_postcode

from . import catalogue, services
from .models import OPEN_REPORT_STATUSES, Open311Key, ReportPhoto, ReportStatus, ReportType, StreetReport
from .open311_keys import open311_key_owner

DEFAULT_WINDOW = dt.timedelta(days=90)  # the spec's default query: the last 90 days ...
MAX_RESULTS = 1000  # ... and at most 1000 requests in one response, when a client asks for that many
# Pages, as GeoReport v2 servers commonly do (`page_size`, `page` from 1): a request that gives no
# page_size gets DEFAULT_PAGE_SIZE, so the default answer is tens of kB, not 600 kB of 1,000 reports.
DEFAULT_PAGE_SIZE = 50
# Deep pages cost an OFFSET walk of the index: past this many rows, narrow the window instead.
MAX_OFFSET = 10_000
MAX_IDS = 100  # service_request_id=A,B,...: more than this is refused, not truncated
MAX_SERVICE_CODES = 20
MAX_DESCRIPTION = catalogue.MAX_TEXT
MAX_PARAM = 200
POSTS_PER_MINUTE = 60
# A repeated POST of the same payload by the same key within this window returns the first
# report instead of filing another (see submission_key below).
IDEMPOTENCY_WINDOW_S = 600
UPDATE_KINDS = (CaseEvent.Kind.CREATED, CaseEvent.Kind.STATUS_CHANGED, CaseEvent.Kind.PUBLIC_UPDATE,
                CaseEvent.Kind.EXPECTED_DATE_SET)
AGENCY = "Oxfordshire County Council"
OPEN_VALUES = frozenset(s.value for s in OPEN_REPORT_STATUSES)


class Open311Error(Exception):
    """One or more errors for the client, all with one HTTP status (400, 403, 404 or 429)."""

    def __init__(self, status: int, *descriptions: str):
        self.status = status
        self.descriptions = list(descriptions) or ["Bad request"]
        super().__init__("; ".join(self.descriptions))

    @property
    def errors(self) -> list[dict]:
        return [{"code": self.status, "description": d} for d in self.descriptions]


def _iso(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """ISO 8601 in Europe/London with its offset, to the second (the spec asks for W3C date-times).

    Pass `zone` when formatting many: looking up the current zone costs more than the formatting.
    """
    if value is None:
        return None
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


def _date_iso(value: dt.date | None) -> str | None:
    if value is None:
        return None
    start = dt.datetime.combine(value, dt.time(0, 0))
    return timezone.make_aware(start).isoformat(timespec="seconds")


def _param(data: Any, name: str, *, limit: int = MAX_PARAM) -> str:
    raw = data.get(name, "")
    value = "" if raw is None else str(raw).strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} must be {limit:,} characters or fewer")
    if "\x00" in value:
        raise Open311Error(400, f"{name} must not contain control characters")
    return value


def parse_when(raw: str, name: str) -> dt.datetime | None:
    """A W3C date-time (2026-11-01T09:00:00Z, with an offset) or a date; naive means UK time."""
    if not raw:
        return None
    parsed = None
    try:
        parsed = parse_datetime(raw)
        if parsed is None:
            day = parse_date(raw)
            if day is not None:
                parsed = dt.datetime.combine(day, dt.time(0, 0))
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} must be a date and time like 2026-11-01T09:00:00Z")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _window(data: Any) -> tuple[dt.datetime, dt.datetime]:
    start = parse_when(_param(data, "start_date", limit=40), "start_date")
    end = parse_when(_param(data, "end_date", limit=40), "end_date")
    if start and end and end < start:
        raise Open311Error(400, "end_date must be after start_date")
    if end is None:
        end = max(timezone.now(), start) if start else timezone.now()
    if start is None:
        try:
            start = end - DEFAULT_WINDOW
        except OverflowError:
            raise Open311Error(400, "end_date is too early") from None
    return start, end


def _codes(raw: str, name: str, limit: int) -> list[str]:
    items = [c.strip() for c in raw.split(",") if c.strip()]
    if len(items) > limit:
        raise Open311Error(400, f"Give at most {limit} values for {name}")
    return items


# --- services ------------------------------------------------------------------------------

def public_report_types() -> list[ReportType]:
    """Report types the public may use: the type is public and its service takes new cases (one query)."""
    return list(ReportType.objects.select_related("service")
                .filter(is_public=True, service__is_active=True).order_by("display_order", "id"))


def report_type_for_code(code: str) -> ReportType:
    """The public, active report type with this service_code, or a 404 error."""
    report_type = None
    if code and len(code) <= 40:
        report_type = (ReportType.objects.select_related("service")
                       .filter(service__code=code, is_public=True, service__is_active=True).first())
    if report_type is None:
        raise Open311Error(404, f"There is no service with the service_code {code}"[:300])
    return report_type


def service_dict(report_type: ReportType) -> dict:
    return {
        "service_code": report_type.service.code,
        "service_name": report_type.service.name,
        "description": report_type.hint or None,
        "metadata": bool(report_type.questions),
        "type": "realtime",
        "keywords": report_type.keywords or None,
        "group": report_type.group or None,
    }


def service_definition_dict(report_type: ReportType) -> dict:
    attributes = []
    for question in report_type.ordered_questions():
        attribute = {
            "variable": bool(question.get("variable", True)),
            "code": question["code"],
            "datatype": question["datatype"],
            "required": bool(question.get("required", False)),
            "datatype_description": question.get("datatype_description") or None,
            "order": question.get("order"),
            "description": question["description"],
        }
        if question["datatype"] in catalogue.LIST_TYPES:
            attribute["values"] = [{"key": v["key"], "name": v["name"]} for v in question.get("values", [])]
        attributes.append(attribute)
    return {"service_code": report_type.service.code, "attributes": attributes}


# --- requests: reads -----------------------------------------------------------------------

# Plain rows, not model instances: a 1000-row answer spent most of its time building five
# model objects per row (see bench/open311_requests.py).
REQUEST_FIELDS = (
    "id", "latitude", "longitude", "public_status", "scheduled_on", "reported_at", "status_changed_at", "closed_at",
    "description", "eligible", "division_id", "division__name", "case__reference", "case__expected_date",
    "report_type__below_threshold_message", "report_type__service__code", "report_type__service__name",
)


def _requests_queryset():
    """Public reports, only the columns a public response may use, with each one's first public photo.

    The photo comes in the same query (a correlated subquery on the photo's report index), not
    from a second query with an IN list of every report id on the page.
    """
    first_photo = (ReportPhoto.objects.filter(report_id=OuterRef("pk"), is_public=True)
                   .order_by("position", "id").values("token")[:1])
    return StreetReport.objects.filter(is_public=True).annotate(photo_token=Subquery(first_photo)) \
        .values(*REQUEST_FIELDS, "photo_token")


def _status_notes(row: dict) -> str:
    label = ReportStatus(row["public_status"]).label
    if row["public_status"] == ReportStatus.SCHEDULED and row["scheduled_on"]:
        return f"{label} for {row['scheduled_on']:%-d %B %Y}"
    return label


def _request_dicts(rows: list[dict]) -> list[dict]:
    """The spec's fields for each row, plus `extended_status` (our public status) and `url` as extensions.

    The rows carry their first public photo (_requests_queryset): no further query.
    """
    if not rows:
        return []
    site = site_url()
    # One reverse() each, then plain substitution: references and tokens are [A-Z0-9-] / hex.
    page_url = site + reverse("portal:report_public", args=["REF0"])
    photo_url = site + reverse("portal:report_photo", args=["REF0", "TOKEN0"])
    zone = timezone.get_current_timezone()
    result = []
    for row in rows:
        reference = row["case__reference"]
        is_open = row["public_status"] in OPEN_VALUES
        token = row["photo_token"]
        updated = row["closed_at"] if not is_open and row["closed_at"] else row["status_changed_at"]
        result.append({
            "service_request_id": reference,
            "status": "open" if is_open else "closed",
            "status_notes": _status_notes(row),
            "extended_status": row["public_status"],
            "service_name": row["report_type__service__name"],
            "service_code": row["report_type__service__code"],
            "description": row["description"] or None,
            "agency_responsible": AGENCY,
            "service_notice": None if row["eligible"] else (row["report_type__below_threshold_message"] or None),
            "requested_datetime": _iso(row["reported_at"], zone),
            "updated_datetime": _iso(updated, zone),
            "expected_datetime": _date_iso(row["scheduled_on"] or row["case__expected_date"]),
            # The division, not a street address: the reporter's own words about the place stay with staff.
            "address": f"{row['division__name']}, Oxfordshire" if row["division_id"] else None,
            "address_id": None,
            "zipcode": None,
            "lat": row["latitude"],
            "long": row["longitude"],
            "media_url": photo_url.replace("REF0", reference).replace("TOKEN0", token) if token else None,
            "url": page_url.replace("REF0", reference),
        })
    return result


def requests_query(data: Any) -> list[dict]:
    """GET requests: by ids (which override every other filter, as the spec says) or by window and filters.

    Newest first over the (reported_at, id) index, a page of `page_size` (DEFAULT_PAGE_SIZE,
    at most MAX_RESULTS) at a time, so the cost is bounded whatever the window or the table size.
    One query.
    """
    ids_raw = _param(data, "service_request_id", limit=MAX_IDS * 21)
    if ids_raw:
        ids = [i.upper() for i in _codes(ids_raw, "service_request_id", MAX_IDS)]
        return _request_dicts(list(_requests_queryset().filter(case__reference__in=ids)
                                   .order_by("-reported_at", "-id")))
    start, end = _window(data)
    qs = _requests_queryset().filter(reported_at__gte=start, reported_at__lte=end)
    codes = _codes(_param(data, "service_code", limit=MAX_SERVICE_CODES * 41), "service_code", MAX_SERVICE_CODES)
    if codes:
        qs = qs.filter(report_type__service__code__in=codes)
    statuses = set(_codes(_param(data, "status", limit=20).lower(), "status", 2))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or open,closed")
    if statuses == {"open"}:
        qs = qs.filter(public_status__in=sorted(OPEN_VALUES))
    elif statuses == {"closed"}:
        qs = qs.exclude(public_status__in=sorted(OPEN_VALUES))
    size, page = page_params(data)
    offset = (page - 1) * size
    return _request_dicts(list(qs.order_by("-reported_at", "-id")[offset:offset + size]))


def _positive(data: Any, name: str, default: int) -> int:
    raw = _param(data, name, limit=10)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise Open311Error(400, f"{name} must be a whole number from 1")
    return int(raw)


def page_params(data: Any) -> tuple[int, int]:
    """(page_size, page) from a requests query: page_size 1 to MAX_RESULTS, page from 1, within MAX_OFFSET."""
    size = _positive(data, "page_size", DEFAULT_PAGE_SIZE)
    if size > MAX_RESULTS:
        raise Open311Error(400, f"page_size must be {MAX_RESULTS:,} or fewer")
    page = _positive(data, "page", 1)
    if (page - 1) * size > MAX_OFFSET:
        raise Open311Error(400, f"page goes past the first {MAX_OFFSET:,} requests: narrow start_date and end_date")
    return size, page


def request_by_id(reference: str) -> dict:
    if not reference or len(reference) > 20:
        raise Open311Error(404, "There is no request with that service_request_id")
    rows = list(_requests_queryset().filter(case__reference=reference.upper())[:1])
    if not rows:
        raise Open311Error(404, f"There is no request with the service_request_id {reference}")
    return _request_dicts(rows)[0]


def updates_query(data: Any) -> list[dict]:
    """mySociety's servicerequestupdates: public events on public reports in the window, oldest first.

    Oldest first with a cap, so a client can page by asking again from the
    last updated_datetime it saw (deduplicating on update_id). Only public
    events of public kinds: never private notes, assignments or names.
    """
    start, end = _window(data)
    rows = (CaseEvent.objects.filter(visibility=CaseEvent.Visibility.PUBLIC, kind__in=UPDATE_KINDS, occurred_at__gte=start,
                                     occurred_at__lte=end, case__street_report__is_public=True)
            .order_by("occurred_at", "id")
            .values_list("id", "kind", "occurred_at", "text", "to_status", "case__reference")[:MAX_RESULTS])
    zone = timezone.get_current_timezone()
    return [
        {
            "update_id": str(pk),
            "service_request_id": reference,
            # Public updates and expected dates are only ever added to open cases, so only a status
            # change into "closed" makes an update closed.
            "status": "closed" if to_status == "closed" else "open",
            "updated_datetime": _iso(occurred_at, zone),
            "description": text or CaseEvent.Kind(kind).label,
            "media_url": None,
        }
        for pk, kind, occurred_at, text, to_status, reference in rows
    ]


# --- requests: create ----------------------------------------------------------------------

def rate_limit(key: Open311Key) -> None:
    """At most POSTS_PER_MINUTE creates per key in any sliding minute (the cache is shared by every process)."""
    if take(f"open311-post:{key.pk}", limit=POSTS_PER_MINUTE, window_seconds=60) is None:
        raise Open311Error(429, f"Too many requests: at most {POSTS_PER_MINUTE} a minute for each api_key")


def _submission_keys(key: Open311Key, payload: dict) -> tuple[str, str]:
    """(this window's key, the previous window's key) for an identical payload from the same client.

    Why: a client retrying after a timeout, or a double-clicked "send" in a
    partner's app, repeats the POST within seconds, and the resident must get
    one report and one email. Case.submission_key is unique, so the database
    settles even simultaneous twins. The time bucket keeps the rule to a
    short window: the same text at the same spot next month is a new report.
    Checking the previous bucket too means a retry that straddles a bucket
    boundary is still caught.
    """
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    bucket = int(timezone.now().timestamp() // IDEMPOTENCY_WINDOW_S)

    def make(b: int) -> str:
        digest = hashlib.sha256(f"{key.pk}|{b}|{canonical}".encode()).hexdigest()
        return f"o311-{digest[:59]}"

    return make(bucket), make(bucket - 1)


@dataclass
class Reporter:
    email: str
    phone: str
    first_name: str
    last_name: str


def _same_name(customer: Customer, reporter: Reporter) -> bool:
    def norm(value: str) -> str:
        return " ".join((value or "").split()).casefold()

    return (norm(customer.first_name), norm(customer.last_name)) == (norm(reporter.first_name),
                                                                   norm(reporter.last_name))


def _reporter_customer(reporter: Reporter, *, by: Any = None) -> Customer:
    """The customer record the report is filed for, found or made without revealing which.

    Why: a key holder must not learn who is a customer. So every request needs
    the same details (names and an email or phone) and gets the same answer,
    and a report joins an existing record only when the details match it well
    enough: the same email or phone *and* the same names. Anything less (an
    email alone, someone else's phone) makes a new record, flagged as a
    possible duplicate for staff to merge, rather than adding to a stranger's
    timeline.
    """
    from oxtom.customers.selectors import find_possible_duplicates
    from oxtom.customers.services import customer_create
    from oxtom.customers.validation import normalise_email, normalise_phone

    if not (reporter.email or reporter.phone):
        raise Open311Error(400, "Give the reporter's email or phone, so we can tell them about progress")
    if not (reporter.first_name and reporter.last_name):
        raise Open311Error(400, "Give first_name and last_name as well as the reporter's email or phone")
    errors = []
    email = phone = ""
    try:
        email = normalise_email(reporter.email) if reporter.email else ""
    except ValidationError as exc:
        errors.append(f"email: {exc.messages[0]}")
    try:
        phone = normalise_phone(reporter.phone) if reporter.phone else ""
    except ValidationError as exc:
        errors.append(f"phone: {exc.messages[0]}")
    if errors:
        raise Open311Error(400, *errors)
    matches = find_possible_duplicates(email=email, phone=phone)
    same = [c for c in matches if _same_name(c, reporter) and ((email and c.email == email) or (phone and c.phone == phone))]
    if same:
        return same[0]
    data = {"first_name": reporter.first_name, "last_name": reporter.last_name,
            "preferred_channel": "email" if email else "sms"}
    if email:
        data["email"] = email
    if phone:
        data["phone"] = phone
    try:
        return customer_create(data=data, by=by, channel=Channel.WEB, allow_duplicate=True)
    except ValidationError as exc:
        raise Open311Error(400, *[f"{field}: {m}" for field, msgs in exc.message_dict.items() for m in msgs]) from None


def _location(data: Any) -> tuple[Any, Any, str]:
    """(lat, long, address text) from lat/long, or from a postcode inside address_string."""
    lat, lon = _param(data, "lat", limit=30), _param(data, "long", limit=30)
    address = _param(data, "address_string", limit=200)
    if lat or lon:
        if not (lat and lon):
            raise Open311Error(400, "Give both lat and long")
        return lat, lon, address
    if not address:
        raise Open311Error(400, "Give the location as lat and long, or an address_string with a postcode")
    found = None
    for candidate in re.findall(r"[A-Za-z]{1,2}[0-9][0-9A-Za-z]? ?[0-9][A-Za-z]{2}", address):
        if normalise_postcode(candidate):
            found = locate_postcode(candidate)
            if found:
                break
    if found is None:
        raise Open311Error(400, "We could not find a postcode we know in address_string: give lat and long")
    return found[0], found[1], address


def _answers(data: Any, report_type: ReportType, description: str) -> dict:
    """attribute[CODE] (and attribute[CODE][] for lists) as the answers the catalogue checks."""
    answers: dict[str, Any] = {}
    getlist = getattr(data, "getlist", None)
    for question in report_type.questions:
        code = question["code"]
        values: list = []
        for name in (f"attribute[{code}]", f"attribute[{code}][]"):
            values += getlist(name) if getlist else ([data[name]] if name in data else [])
        values = [str(v) for v in values]
        if question["datatype"] == "multivaluelist":
            answers[code] = values
        elif values:
            answers[code] = values[-1]
    codes = {q["code"] for q in report_type.questions}
    if description and "details" in codes and not answers.get("details"):
        answers["details"] = description
    return answers


@transaction.atomic
def open311_request_create(*, key: Open311Key, data: Any) -> tuple[StreetReport, bool]:
    """File a report for an Open311 client. Returns (report, created); a quick identical repeat gives the first.

    Every check runs before anything is written, and the customer record,
    case and report are written in one transaction, so a refused request
    leaves nothing behind.
    """
    code = _param(data, "service_code", limit=40)
    if not code:
        raise Open311Error(400, "service_code is required")
    report_type = report_type_for_code(code)
    description = _param(data, "description", limit=10_000)
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description must be {MAX_DESCRIPTION:,} characters or fewer")
    lat, lon, address = _location(data)
    answers = _answers(data, report_type, description)
    reporter = Reporter(email=_param(data, "email", limit=254), phone=_param(data, "phone", limit=30),
                        first_name=_param(data, "first_name", limit=100), last_name=_param(data, "last_name", limit=100))
    media_url = _param(data, "media_url", limit=500)
    if media_url and not re.match(r"^https?://[^\s<>\"]+$", media_url):
        raise Open311Error(400, "media_url must be an http or https address")
    errors = []
    try:
        services.report_location_check(lat, lon)
    except ValidationError as exc:
        errors += exc.messages
    cleaned, answer_errors = catalogue.clean_answers(report_type.questions, answers)
    errors += [f"attribute[{code}]: {message}" for code, message in answer_errors.items()]
    if errors:
        raise Open311Error(400, *errors)

    payload = {"service_code": report_type.service.code, "lat": lat, "long": lon, "address": address,
               "answers": cleaned, "email": reporter.email.lower(), "phone": reporter.phone,
               "first_name": reporter.first_name, "last_name": reporter.last_name, "media_url": media_url}
    submission_key, previous_key = _submission_keys(key, payload)
    existing = (StreetReport.objects.select_related("case", "report_type__service")
                .filter(case__submission_key__in=[submission_key, previous_key]).first())
    if existing is not None:
        return existing, False
    try:
        # One savepoint for the customer and the report, so a twin that loses the race leaves no
        # customer record behind either.
        with transaction.atomic():
            # Filed by the client system on the contact's behalf: its own account is the actor,
            # so the case history, the timeline and the audit trail say who sent it.
            client = open311_key_owner(key)
            customer = _reporter_customer(reporter, by=client)
            report = services.report_create(
                report_type=report_type, customer=customer, latitude=lat, longitude=lon, answers=answers,
                photos=[], by=client, location_text=address, channel=Channel.WEB, submission_key=submission_key,
                photos_optional=True,
            )
    except DuplicateSubmission as dup:
        return StreetReport.objects.select_related("case", "report_type__service").get(case=dup.case), False
    except ValidationError as exc:
        raise Open311Error(400, *exc.messages) from None
    audit_record(by=client, action="create", target=report, summary=f"Open311 request from {key.name}",
                 client=key.name, media_url=media_url)
    return report, True


def created_dict(report: StreetReport) -> dict:
    """The POST answer: the spec's service_request_id / service_notice / account_id, plus the request itself."""
    rows = _request_dicts(list(_requests_queryset().filter(pk=report.pk)))
    body = rows[0] if rows else {"service_request_id": report.case.reference}
    body["service_notice"] = body.get("service_notice") or (
        f"We aim to deal with it within {report.case.service.sla_days(report.case.priority)} working days"
        if report.eligible else None)
    body["account_id"] = None
    return body
