"""The directory as an Open Referral UK 3.0 API: open, no key, CORS for everyone, paginated, constant queries."""
from __future__ import annotations

import datetime as dt
import math

from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef, Prefetch, Q, Value
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from .. import openreferral as oruk
from ..models import Location, Schedule, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from ..selectors import METRES_PER_DEGREE_LAT, bounding_box

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
DAYS = {d: i for i, d in enumerate(Schedule.DAYS)}
DAYS.update({name.lower(): i for i, name in enumerate(Schedule.DAY_NAMES)})


class BadRequest(Exception):
    pass


def _json(data, status=200) -> JsonResponse:
    response = JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(message: str, status: int = 400) -> JsonResponse:
    return _json({"error": message}, status=status)


def _int(request, name, default=None, lo=None, hi=None):
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return value


def _page(request, qs, render):
    page = _int(request, "page", 1, 1, 1_000_000)
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    total = qs.count()
    pages = max(1, math.ceil(total / per_page)) if total else 0
    items = [render(x) for x in qs[(page - 1) * per_page:page * per_page]]
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(items),
            "first_page": page == 1, "last_page": page >= pages, "empty": not items, "contents": items}


def _endpoint(view):
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return _error(str(exc))
        except Http404:
            return _error("Not found", 404)
    wrapped.__name__ = view.__name__
    return require_GET(wrapped)


def _time(raw: str | None, name: str):
    if not raw:
        return None
    try:
        return dt.time.fromisoformat(raw[:8])
    except ValueError:
        raise BadRequest(f"{name} must be a time like 10:00") from None


def _service_conditions(request, prefix: str = "") -> tuple[Q, list]:
    """Filters the standard defines for /services and /service_at_locations."""
    cond, exists = Q(), []
    p = prefix
    search = (request.GET.get("search") or "").strip()
    if len(search) > 100:
        raise BadRequest("search must be 100 characters or fewer")
    if search:
        cond &= Q(**{f"{p}name__icontains": search}) | Q(**{f"{p}description__icontains": search})
    ref = f"{p}pk" if not p else "service_id"
    through = Service.terms.through
    for name, field in (("taxonomy_term_id", "taxonomyterm__uuid"), ("taxonomy_id", "taxonomyterm__taxonomy__uuid")):
        value = request.GET.get(name)
        if value:
            try:
                import uuid

                uuid.UUID(value)
            except ValueError:
                raise BadRequest(f"{name} must be a UUID") from None
            exists.append(Exists(through.objects.filter(service_id=OuterRef(ref), **{field: value})))
    lo = _int(request, "minimum_age", None, 0, 150)
    hi = _int(request, "maximum_age", None, 0, 150)
    if lo is not None:
        cond &= Q(**{f"{p}maximum_age__isnull": True}) | Q(**{f"{p}maximum_age__gte": lo})
    if hi is not None:
        cond &= Q(**{f"{p}minimum_age__isnull": True}) | Q(**{f"{p}minimum_age__lte": hi})
    day = request.GET.get("day")
    start, end = _time(request.GET.get("start_time"), "start_time"), _time(request.GET.get("end_time"), "end_time")
    if day or start or end:
        when = Q(service_id=OuterRef(ref))
        if day:
            if day.lower() not in DAYS and day.upper() not in DAYS:
                raise BadRequest("day must be a day such as MO or Monday")
            when &= Q(weekday=DAYS.get(day.upper(), DAYS.get(day.lower())))
        if start:
            when &= Q(closes_at__gt=start)
        if end:
            when &= Q(opens_at__lt=end)
        exists.append(Exists(Schedule.objects.filter(when)))
    return cond, exists


@_endpoint
def root(request: HttpRequest):
    return _json({"version": oruk.VERSION, "profile": oruk.PROFILE,
                  "openapi_url": oruk.OPENAPI_URL})


@_endpoint
def services(request: HttpRequest):
    cond, exists = _service_conditions(request)
    qs = Service.objects.listed().filter(cond, *exists).select_related("organisation").order_by("name", "id")
    return _json(_page(request, qs, oruk.service_list_doc))


def _full_service(service_uuid):
    import uuid

    try:
        uuid.UUID(str(service_uuid))
    except ValueError:
        raise Http404 from None
    service = Service.objects.listed().select_related("organisation").prefetch_related(
        "schedules", Prefetch("terms", queryset=TaxonomyTerm.objects.select_related("taxonomy", "parent"))
    ).filter(uuid=service_uuid).first()
    if service is None:
        raise Http404
    links = list(service.at_locations.select_related("location").order_by("id"))
    return oruk.service_full_doc(service, links)


@_endpoint
def service_detail(request: HttpRequest, id: str):
    return _json(_full_service(id))


@_endpoint
def taxonomies(request: HttpRequest):
    return _json(_page(request, Taxonomy.objects.order_by("name", "id"), oruk.taxonomy_doc))


@_endpoint
def taxonomy_detail(request: HttpRequest, id: str):
    tax = Taxonomy.objects.filter(uuid=_uuid(id)).first()
    if tax is None:
        raise Http404
    doc = oruk.taxonomy_doc(tax)
    return _json(doc)


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


@_endpoint
def taxonomy_terms(request: HttpRequest):
    qs = TaxonomyTerm.objects.select_related("taxonomy", "parent").order_by("name", "id")
    return _json(_page(request, qs, oruk.term_doc))


@_endpoint
def taxonomy_term_detail(request: HttpRequest, id: str):
    term = TaxonomyTerm.objects.select_related("taxonomy", "parent").filter(uuid=_uuid(id)).first()
    if term is None:
        raise Http404
    return _json(oruk.term_doc(term))


@_endpoint
def service_at_locations(request: HttpRequest):
    cond, exists = _service_conditions(request, prefix="service__")
    # The flag serves the index; the service's own state is checked too, so nothing unlisted ever leaks.
    qs = ServiceAtLocation.objects.filter(listed=True, service__status=Service.Status.ACTIVE,
                                          service__hidden_at__isnull=True).filter(cond, *exists)
    postcode, proximity = request.GET.get("postcode"), request.GET.get("proximity")
    if postcode:
        from oxtom.places.selectors import locate_postcode

        point = locate_postcode(postcode)
        if point is None:
            raise BadRequest("postcode must be a real UK postcode we know")
        radius = _int(request, "proximity", 10_000, 1, 100_000)  # metres
        lat, lon = point
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
        shrink = max(0.01, math.cos(math.radians(lat)))
        dlat, dlon = F("latitude") - Value(lat), (F("longitude") - Value(lon)) * Value(shrink)
        qs = qs.filter(latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lon, longitude__lte=max_lon) \
            .annotate(flat_d2=ExpressionWrapper(dlat * dlat + dlon * dlon, output_field=FloatField())) \
            .filter(flat_d2__lte=(radius / METRES_PER_DEGREE_LAT) ** 2).order_by("flat_d2", "id")
    elif proximity:
        raise BadRequest("proximity needs a postcode")
    else:
        qs = qs.order_by("id")
    qs = qs.select_related("service__organisation", "location")
    return _json(_page(request, qs, oruk.sal_list_doc))


@_endpoint
def service_at_location_detail(request: HttpRequest, id: str):
    sal = ServiceAtLocation.objects.filter(uuid=_uuid(id), listed=True, service__hidden_at__isnull=True,
                                           service__status=Service.Status.ACTIVE).select_related("service").first()
    if sal is None:
        raise Http404
    return _json(_full_service(sal.service.uuid))
